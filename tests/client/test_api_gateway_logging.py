"""The API Gateway account setting the stack's access logs need: checked before a deploy, set
once on request, never replaced."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from client import api_gateway_logging as logging_setting

REGION = "eu-west-1"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.Session]:
    """moto, with a stand-in for the AWS managed policy (moto loads its managed policies only
    when asked, at two seconds a start): the same name, in this account."""
    assert logging_setting.MANAGED_POLICY == (
        "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
    )
    with mock_aws():
        session = boto3.Session(region_name=REGION)
        stand_in = session.client("iam").create_policy(
            PolicyName="AmazonAPIGatewayPushToCloudWatchLogs",
            Path="/service-role/",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}],
                }
            ),
        )
        monkeypatch.setattr(logging_setting, "MANAGED_POLICY", stand_in["Policy"]["Arn"])
        yield session


def test_a_missing_setting_stops_the_deploy_and_names_the_fix(
    aws: boto3.Session, capsys: pytest.CaptureFixture[str]
) -> None:
    assert logging_setting.main(["--region", REGION]) == 1
    error = capsys.readouterr().err
    assert "has no CloudWatch Logs role" in error
    assert error.strip().endswith("make api-gateway-logging")


def test_create_sets_the_documented_role_once(aws: boto3.Session) -> None:
    apigateway, iam = aws.client("apigateway"), aws.client("iam")
    arn, created = logging_setting.create(apigateway, iam)
    assert created and apigateway.get_account()["cloudwatchRoleArn"] == arn
    role = iam.get_role(RoleName=logging_setting.ROLE_NAME)["Role"]
    [statement] = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "apigateway.amazonaws.com"}
    attached = iam.list_attached_role_policies(RoleName=logging_setting.ROLE_NAME)
    assert [p["PolicyArn"] for p in attached["AttachedPolicies"]] == [
        logging_setting.MANAGED_POLICY
    ]
    assert logging_setting.create(apigateway, iam) == (arn, False)
    assert logging_setting.main(["--region", REGION]) == 0


def test_an_existing_setting_is_never_replaced(aws: boto3.Session) -> None:
    apigateway, iam = aws.client("apigateway"), aws.client("iam")
    theirs = "arn:aws:iam::123456789012:role/their-own-logging-role"
    patch = [{"op": "replace", "path": "/cloudwatchRoleArn", "value": theirs}]
    apigateway.update_account(patchOperations=patch)
    assert logging_setting.create(apigateway, iam) == (theirs, False)
    assert iam.list_roles()["Roles"] == []


class _SlowToSeeTheRole:
    """API Gateway refusing a role IAM has not yet propagated to it, ``refusals`` times."""

    def __init__(self, refusals: int) -> None:
        self.refusals, self.updates = refusals, 0

    def get_account(self) -> dict[str, Any]:
        return {}

    def update_account(self, patchOperations: list[dict[str, str]]) -> None:
        self.updates += 1
        if self.updates <= self.refusals:
            error = {"Error": {"Code": "BadRequestException", "Message": "role not trusted"}}
            raise ClientError(error, "UpdateAccount")


def test_a_new_role_is_retried_until_api_gateway_sees_it(aws: boto3.Session) -> None:
    pauses: list[float] = []
    slow = _SlowToSeeTheRole(refusals=2)
    _, created = logging_setting.create(slow, aws.client("iam"), sleep=pauses.append)
    assert created and slow.updates == 3 and len(pauses) == 2
    never = _SlowToSeeTheRole(refusals=logging_setting.TRIES)
    with pytest.raises(ClientError):
        logging_setting.create(never, aws.client("iam"), sleep=pauses.append)


def test_a_deployer_that_may_not_look_is_warned_not_stopped(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def denied(_: Any) -> str:
        error = {"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}}
        raise ClientError(error, "GetAccount")

    monkeypatch.setattr(logging_setting, "role_arn", denied)
    assert logging_setting.main(["--region", REGION]) == 0
    assert "cannot read API Gateway's account settings" in capsys.readouterr().out
