"""Check, or set once, the API Gateway account setting the stack's access logs need.

    python -m client.api_gateway_logging [--region REGION] [--create]

API Gateway writes a REST API stage's access logs with the CloudWatch Logs role of the account's
API Gateway settings in that region (API Gateway developer guide, "Set up CloudWatch logging
for REST APIs in API Gateway": "To enable CloudWatch Logs, you must grant API Gateway
permission to read and write logs to CloudWatch for your account"); without it, CloudFormation
refuses the stage ("CloudWatch Logs role ARN must be set in account settings to enable
logging"). The setting is one per account and region, shared by every API there, so the stack
does not own it (a stack per stage would overwrite it, and destroying one would break the
others): ``make deploy``'s pre-flight (``client/preflight.py``) checks it first, and
``--create`` (``make api-gateway-logging``) sets it once, with the role the guide describes
(trusted by API Gateway, the AWS managed policy ``AmazonAPIGatewayPushToCloudWatchLogs``). An
existing setting is never replaced. Without a region or working credentials it stops with one
line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from infra.config import CONTEXT_KEY, ConfigError, cdk_json_context, parse_config

ROLE_NAME = "apigateway-cloudwatch-logs"
MANAGED_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "apigateway.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
ACCESS_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}
# A new role takes a few seconds to reach API Gateway (IAM is eventually consistent), which
# refuses it meanwhile: tries of the account update, a few seconds apart.
TRIES, PAUSE_SECONDS = 10, 3.0


def role_arn(apigateway: Any) -> str | None:
    arn: str | None = apigateway.get_account().get("cloudwatchRoleArn")
    return arn


def create(
    apigateway: Any, iam: Any, sleep: Callable[[float], None] = time.sleep
) -> tuple[str, bool]:
    """The account's role ARN and whether this call set it (never when one is set already)."""
    existing = role_arn(apigateway)
    if existing:
        return existing, False
    try:
        arn = iam.create_role(
            RoleName=ROLE_NAME,
            AssumeRolePolicyDocument=json.dumps(TRUST),
            Description="API Gateway writes REST API logs to CloudWatch Logs (account setting)",
        )["Role"]["Arn"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "EntityAlreadyExists":
            raise
        arn = iam.get_role(RoleName=ROLE_NAME)["Role"]["Arn"]
    iam.attach_role_policy(RoleName=ROLE_NAME, PolicyArn=MANAGED_POLICY)
    patch = [{"op": "replace", "path": "/cloudwatchRoleArn", "value": arn}]
    attempt = 1
    while True:
        try:
            apigateway.update_account(patchOperations=patch)
            return arn, True
        except ClientError as error:
            if error.response["Error"]["Code"] != "BadRequestException" or attempt == TRIES:
                raise
        attempt += 1
        sleep(PAUSE_SECONDS)


def check(apigateway: Any) -> bool:
    """Whether the deploy may go on: the role is set, or these credentials may not look (the
    pipeline's deploy role may only assume the CDK bootstrap roles), which only warns."""
    try:
        return role_arn(apigateway) is not None
    except ClientError as error:
        if error.response["Error"]["Code"] not in ACCESS_DENIED:
            raise
        print(f"warning: cannot read API Gateway's account settings ({error}); deploying anyway")
        return True


def missing_role_message(region: str | None) -> str:
    return (
        f"API Gateway in {region} has no CloudWatch Logs role, which the stack's access logs "
        'need (docs/operations.md, "Before the first deploy"). Set it once for this account '
        "and region: make api-gateway-logging"
    )


def configured_region() -> str | None:
    """The region cdk.json's config pins, if any (else the AWS configuration's)."""
    try:
        return parse_config(cdk_json_context()[CONTEXT_KEY]).region
    except (ConfigError, KeyError):
        return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--region", help="AWS region (default: the config's, else yours)")
    parser.add_argument("--create", action="store_true", help="set the role if none is set")
    args = parser.parse_args(argv)
    try:
        region = args.region or configured_region() or os.environ.get("AWS_REGION")
        session = boto3.Session(region_name=region)
        apigateway = session.client("apigateway")
        if args.create:
            arn, created = create(apigateway, session.client("iam"))
            print(f"API Gateway CloudWatch Logs role in {session.region_name}: {arn}")
            print("set now" if created else "already set; left as it was")
            return 0
        if check(apigateway):
            return 0
    except (BotoCoreError, ClientError) as error:
        # No region, no credentials, refused credentials: one line, not botocore's traceback.
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"error: {missing_role_message(session.region_name)}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
