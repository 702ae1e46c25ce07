"""The request context IAM builds for an identity pool session (``offline.access``), and the one
call no policy governs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from facts import iam
from offline import access
from offline.identity import IssuedCredentials

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/editors"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/editors/CognitoIdentityCredentials"
NOW = 1_767_225_600.0  # 2026-01-01T00:00:00Z
CALLER = IssuedCredentials(
    "us-east-1:identity",
    ROLE,
    {"tenant": "acme"},
    "us-east-1:pool",
    ("authenticated", "cognito-idp.us-east-1.amazonaws.com/us-east-1_pool"),
    SESSION,
)


def test_the_session_context_names_the_role_account_time_and_tags() -> None:
    """IAM user guide, "AWS global condition context keys": for a role session aws:PrincipalArn
    is the role's ARN, not the session's; aws:PrincipalAccount the role's account;
    aws:EpochTime and aws:CurrentTime the request's time; aws:PrincipalTag/* the session
    tags. "Available keys for AWS web identity federation": Cognito's aud, amr and sub."""
    context = access.context(CALLER, ACCOUNT, NOW)

    assert context["aws:PrincipalArn"] == ROLE
    assert context["aws:PrincipalAccount"] == ACCOUNT
    assert context["aws:EpochTime"] == str(int(NOW))
    assert datetime.fromisoformat(context["aws:CurrentTime"]) == datetime.fromtimestamp(NOW, UTC)
    assert context["aws:PrincipalTag/tenant"] == "acme"
    assert context["cognito-identity.amazonaws.com:sub"] == "us-east-1:identity"
    assert context["cognito-identity.amazonaws.com:aud"] == "us-east-1:pool"
    assert context["cognito-identity.amazonaws.com:amr"] == list(CALLER.amr)


def test_get_caller_identity_needs_no_permission_even_under_a_deny(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """STS API reference, GetCallerIdentity: "No permissions are required to perform this
    operation"; an explicit deny does not stop it either."""
    deny_all = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}],
    }
    monkeypatch.setattr(access, "role_policies", lambda account, role: [deny_all])

    def decide(action: str) -> iam.Decision:
        return access.decide(CALLER, ACCOUNT, NOW, action, None, None, {})

    assert decide("sts:GetCallerIdentity") is iam.Decision.ALLOW
    assert decide("sts:GetSessionToken") is iam.Decision.EXPLICIT_DENY
