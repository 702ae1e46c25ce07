"""What ``make deploy``, ``make diff`` and ``make destroy`` check before the CDK CLI runs, each
failure one line on stderr that says what to do, never a traceback:

    python -m client.preflight deploy|diff|destroy [--config FILE] [--stage STAGE]

- the config parses (the same file and stage the synth reads);
- ``destroy``: the stage is disposable (``AppConfig.protected`` is false): a protected stage
  is refused, with how to unprotect it deliberately;
- a region: the config's ``region``, else the AWS configuration's (``AWS_REGION``,
  ``AWS_DEFAULT_REGION``, the profile's), as the CDK CLI finds it;
- credentials that AWS accepts (STS ``GetCallerIdentity``, which needs no permission), for the
  config's ``account`` when it pins one;
- ``deploy``: the API Gateway CloudWatch Logs role the stack's access logs need
  (``client/api_gateway_logging.py``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from client import api_gateway_logging
from infra.config import CONTEXT_KEY, AppConfig, ConfigError, cdk_json_context, parse_config
from infra.config import config_file as read_config_file

ACTIONS = ("deploy", "diff", "destroy")


class PreflightError(Exception):
    """One line for the operator: what is missing and what to do."""


def load_config(config_file: str | None, stage: str | None) -> AppConfig:
    """The config the synth reads: ``config_file`` (``make ... CONFIG=``) or cdk.json's, with
    ``stage`` (``make ... STAGE=``) in place of the config's."""
    try:
        raw: Any = (
            read_config_file(config_file, "CONFIG")
            if config_file
            else cdk_json_context()[CONTEXT_KEY]
        )
        if stage and isinstance(raw, dict):
            raw = {**raw, "stage": stage}
        return parse_config(raw)
    except ConfigError as error:
        raise PreflightError(f"configuration error: {error}") from None


def refuse_protected(config: AppConfig) -> None:
    if config.protected:
        raise PreflightError(
            f"stage {config.stage!r} is protected ({config.stack_name} keeps its users and data), "
            "so make destroy refuses it. To delete it deliberately: add the stage to "
            "disposableStages in the config, make deploy it (that lifts termination and deletion "
            "protection and the retention), empty its buckets, then make destroy "
            '(docs/operations.md, "Protected and disposable stages")'
        )


def session_for(config: AppConfig) -> boto3.Session:
    """A session in the stack's region, whose credentials AWS has accepted."""
    # The CDK CLI's order: AWS_REGION, then botocore's (AWS_DEFAULT_REGION, the profile's).
    region = config.region or os.environ.get("AWS_REGION")
    try:
        region = region or boto3.Session().region_name
        if not region:
            raise PreflightError(
                "no AWS region: set AWS_REGION (or a region in your AWS profile), or pin one "
                "with region in the config"
            )
        session = boto3.Session(region_name=region)
        if session.get_credentials() is None:
            raise PreflightError(
                "no AWS credentials: set AWS_PROFILE (after aws sso login for an SSO profile) "
                "or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the target account"
            )
        account = session.client("sts").get_caller_identity()["Account"]
    except (BotoCoreError, ClientError) as error:
        raise PreflightError(f"the AWS credentials do not work in {region}: {error}") from None
    if config.account and account != config.account:
        raise PreflightError(
            f"the credentials are for account {account}, and the config pins {config.account}: "
            "use credentials for that account"
        )
    return session


def check_api_gateway_logging(session: boto3.Session) -> None:
    try:
        ready = api_gateway_logging.check(session.client("apigateway"))
    except (BotoCoreError, ClientError) as error:
        raise PreflightError(f"cannot read API Gateway's account settings: {error}") from None
    if not ready:
        raise PreflightError(api_gateway_logging.missing_role_message(session.region_name))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=ACTIONS)
    parser.add_argument("--config", help="a config file instead of cdk.json's (CONFIG=)")
    parser.add_argument("--stage", help="the stage, instead of the config's (STAGE=)")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config, args.stage)
        if args.action == "destroy":
            refuse_protected(config)
        session = session_for(config)
        if args.action == "deploy":
            check_api_gateway_logging(session)
    except PreflightError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
