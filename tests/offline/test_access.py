"""The request context the offline run judges an identity pool session's requests over
(offline/access.py): every key AWS sets for a web identity role session, with the value the IAM
user guide gives it, so a policy conditioned on one is judged offline as in AWS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from facts import iam
from facts.cognito import AMR, AUD, COGNITO_IDENTITY, SUB
from offline import access
from offline.identity import IssuedCredentials

ACCOUNT = "123456789012"  # moto's default account
REGION = "eu-west-1"
SOURCE_IP = "203.0.113.7"
ISSUED, NOW = 1_893_456_000.0, 1_893_456_900.0
SESSION_NAME = "CognitoIdentityCredentials"


@pytest.fixture
def session() -> Iterator[tuple[IssuedCredentials, str]]:
    """A role tagged tier=gold and tenant=role-tenant, assumed with the session tag
    tenant=acme; and the role's id."""
    with mock_aws():
        client = boto3.client("iam", region_name=REGION)
        role = client.create_role(
            RoleName="reader",
            AssumeRolePolicyDocument="{}",
            Tags=[{"Key": "tier", "Value": "gold"}, {"Key": "Tenant", "Value": "role-tenant"}],
        )["Role"]
        session_arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/reader/{SESSION_NAME}"
        amr = ("authenticated", "cognito-idp.example")
        yield (
            IssuedCredentials(
                "us-east-1:id", role["Arn"], {"tenant": "acme"}, "pool", amr, session_arn, ISSUED
            ),
            role["RoleId"],
        )


def context(caller: IssuedCredentials) -> dict[str, Any]:
    return access.context(caller, ACCOUNT, NOW, REGION, SOURCE_IP)


def test_every_key_aws_sets_for_a_web_identity_role_session(
    session: tuple[IssuedCredentials, str],
) -> None:
    """IAM user guide, "AWS global condition context keys" and "Principal key values"."""
    caller, role_id = session

    assert context(caller) == {
        SUB: "us-east-1:id",
        AUD: "pool",
        AMR: ["authenticated", "cognito-idp.example"],
        "aws:PrincipalType": "AssumedRole",
        "aws:userid": f"{role_id}:{SESSION_NAME}",
        "aws:PrincipalArn": caller.role_arn,
        "aws:PrincipalAccount": ACCOUNT,
        "aws:FederatedProvider": COGNITO_IDENTITY,
        "aws:TokenIssueTime": "2030-01-01T00:00:00Z",
        "aws:SecureTransport": "true",
        "aws:CurrentTime": "2030-01-01T00:15:00Z",
        "aws:EpochTime": str(int(NOW)),
        "aws:SourceIp": SOURCE_IP,
        "aws:RequestedRegion": REGION,
        # The role's tags, a session tag replacing the role tag of the same key in any case.
        "aws:PrincipalTag/tier": "gold",
        "aws:PrincipalTag/tenant": "acme",
    }


def test_the_context_covers_the_model(session: tuple[IssuedCredentials, str]) -> None:
    """Every modelled key that is always in a role session's requests is set, so a policy
    conditioned on it is never judged as if the key were absent."""
    caller, _ = session
    built = {key.lower() for key in context(caller)}

    # s3:prefix is the request's own (ListBucket's prefix parameter).
    assert iam.ROLE_SESSION_KEYS.names - {"s3:prefix"} <= built
    assert all(iam.ROLE_SESSION_KEYS.covers(key) for key in built)


def test_a_policy_on_the_session_keys_is_judged_as_in_aws(
    session: tuple[IssuedCredentials, str],
) -> None:
    """A Deny on a key the context used not to carry now fires, and an Allow on one applies."""
    caller, role_id = session
    request = iam.Request("s3:GetObject", "arn:aws:s3:::b/a", context(caller))
    allow = {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}

    def decide(condition: dict[str, Any], effect: str = "Deny") -> iam.Decision:
        statement = {**allow, "Effect": effect, "Condition": condition}
        statements = [allow, statement] if effect == "Deny" else [statement]
        return iam.decide(request, [{"Version": "2012-10-17", "Statement": statements}])

    fresh_only = {"DateLessThan": {"aws:TokenIssueTime": "2030-01-01T00:00:01Z"}}
    assert decide(fresh_only) is iam.Decision.EXPLICIT_DENY
    assert decide({"StringEquals": {"aws:PrincipalType": "AssumedRole"}}, "Allow") is (
        iam.Decision.ALLOW
    )
    assert decide({"StringLike": {"aws:userid": f"{role_id}:*"}}, "Allow") is iam.Decision.ALLOW
    assert decide({"StringEquals": {"aws:FederatedProvider": COGNITO_IDENTITY}}, "Allow") is (
        iam.Decision.ALLOW
    )
    assert decide({"StringEquals": {"aws:PrincipalTag/tier": "gold"}}, "Allow") is (
        iam.Decision.ALLOW
    )
    assert decide({"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}}) is (
        iam.Decision.EXPLICIT_DENY
    )
    assert decide({"NotIpAddress": {"aws:SourceIp": "198.51.100.0/24"}}) is (
        iam.Decision.EXPLICIT_DENY
    )


def test_get_caller_identity_needs_no_permission_even_under_a_deny(
    session: tuple[IssuedCredentials, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """STS API reference, GetCallerIdentity: "No permissions are required to perform this
    operation"; an explicit deny does not stop it either."""
    caller, _ = session
    deny_all = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}],
    }
    monkeypatch.setattr(access, "role_policies", lambda account, role: [deny_all])

    def decide(action: str) -> iam.Decision:
        return access.decide(
            caller, ACCOUNT, NOW, action, None, None, {}, region=REGION, source_ip=SOURCE_IP
        )

    assert decide("sts:GetCallerIdentity") is iam.Decision.ALLOW
    assert decide("sts:GetSessionToken") is iam.Decision.EXPLICIT_DENY
