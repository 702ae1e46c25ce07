"""Role choice in the offline identity pool API, without a running stack."""

from __future__ import annotations

from typing import Any

import pytest

from offline.deploy import IdentityPoolSettings, RoleMapping
from offline.identity import IdentityError, IdentityService, Login

PROVIDER = "accounts.google.com"
RULES = (
    {"Claim": "hd", "MatchType": "Equals", "Value": "example.com", "RoleARN": "arn:staff"},
    {"Claim": "email", "MatchType": "Contains", "Value": "@example", "RoleARN": "arn:partner"},
    {"Claim": "group", "MatchType": "NotEqual", "Value": "banned", "RoleARN": "arn:anyone"},
)


def service(ambiguous: str = "Deny") -> IdentityService:
    pool = IdentityPoolSettings(
        id="us-east-1:pool",
        allow_classic_flow=False,
        allow_unauthenticated=False,
        user_pool_providers={},
        developer_provider_name=None,
        supported_login_providers={PROVIDER: "client"},
        roles={"authenticated": "arn:default"},
        role_mappings={PROVIDER: RoleMapping("Rules", ambiguous, RULES)},
    )
    return IdentityService({pool.id: pool}, account="123456789012", region="us-east-1")


def choose(claims: dict[str, Any], custom: str | None = None, ambiguous: str = "Deny") -> str:
    identity = service(ambiguous)
    pool = identity.pools["us-east-1:pool"]
    return identity._choose_role(pool, Login(PROVIDER, "sub", claims, (PROVIDER,)), custom)


def test_the_first_matching_rule_wins() -> None:
    assert choose({"hd": "example.com", "email": "a@example.com"}) == "arn:staff"
    assert choose({"email": "a@example.org"}) == "arn:partner"


def test_custom_role_may_pick_another_matching_rule_only() -> None:
    claims = {"hd": "example.com", "email": "a@example.com"}

    assert choose(claims, custom="arn:partner") == "arn:partner"
    with pytest.raises(IdentityError):
        choose(claims, custom="arn:admin")


def test_not_equal_on_a_missing_claim_is_skipped_and_no_match_is_denied() -> None:
    with pytest.raises(IdentityError) as refused:
        choose({"email": "a@other.org"})

    assert refused.value.code == "NotAuthorizedException"
    # Cognito's words, naming the provider (https://github.com/aws-amplify/amplify-js/issues/3621)
    assert refused.value.message == (
        f"The ambiguous role mapping rules for: {PROVIDER} denied this request."
    )
    assert choose({"email": "a@other.org"}, ambiguous="AuthenticatedRole") == "arn:default"
