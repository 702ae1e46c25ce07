"""The trust-policy check that runs before STS issues credentials."""

from __future__ import annotations

from typing import Any

import pytest

from offline import trust

POOL = "us-east-1:pool"


def policy(**condition: Any) -> dict[str, Any]:
    return {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
                "Condition": condition
                or {
                    "StringEquals": {"cognito-identity.amazonaws.com:aud": POOL},
                    "ForAnyValue:StringLike": {
                        "cognito-identity.amazonaws.com:amr": "authenticated"
                    },
                },
            }
        ]
    }


def context(aud: str = POOL, *amr: str) -> dict[str, list[str]]:
    return {
        "cognito-identity.amazonaws.com:aud": [aud],
        "cognito-identity.amazonaws.com:amr": list(amr or ["authenticated", "provider"]),
    }


def test_this_pools_authenticated_identity_may_assume() -> None:
    assert trust.allows(policy(), trust.WEB_IDENTITY, context())


@pytest.mark.parametrize(
    "attempt",
    [context("us-east-1:another-pool"), context(POOL, "unauthenticated")],
    ids=["another pool", "a guest"],
)
def test_anyone_else_may_not(attempt: dict[str, list[str]]) -> None:
    assert not trust.allows(policy(), trust.WEB_IDENTITY, attempt)


def test_an_action_the_policy_does_not_name_is_refused() -> None:
    assert not trust.allows(policy(), "sts:AssumeRole", context())


def test_an_operator_it_does_not_model_raises() -> None:
    with pytest.raises(NotImplementedError):
        trust.allows(
            policy(IpAddress={"aws:SourceIp": "10.0.0.0/8"}), trust.WEB_IDENTITY, context()
        )
