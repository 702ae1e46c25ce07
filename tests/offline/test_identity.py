"""Role choice in the offline identity pool API, without a running stack."""

from __future__ import annotations

from typing import Any

import pytest

from offline.deploy import IdentityPoolSettings, RoleMapping
from offline.identity import IdentityError, IdentityService, Login

PROVIDER = "accounts.google.com"
USER_POOL = "cognito-idp.us-east-1.amazonaws.com/us-east-1_pool"
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


def test_a_list_valued_claim_reached_by_a_rule_refuses_the_sign_in() -> None:
    # The first rule matches before the list is reached; with CustomRoleArn every rule is.
    assert choose({"hd": "example.com", "group": ["a", "banned"]}) == "arn:staff"
    for claims, custom in (
        ({"group": ["a", "banned"]}, None),
        ({"hd": "example.com", "group": ["a"]}, "arn:staff"),
    ):
        with pytest.raises(IdentityError) as refused:
            choose(claims, custom=custom)
        assert refused.value.code == "NotAuthorizedException"


def test_a_boolean_claim_is_compared_as_json_writes_it() -> None:
    identity = service()
    pool = identity.pools["us-east-1:pool"]
    pool.role_mappings[PROVIDER] = RoleMapping(
        "Rules",
        "Deny",
        ({"Claim": "email_verified", "MatchType": "Equals", "Value": "true", "RoleARN": "arn:v"},),
    )

    assert (
        identity._choose_role(pool, Login(PROVIDER, "s", {"email_verified": True}, ()), None)
        == "arn:v"
    )


# Token mapping (developer guide, "Role-based access control": "Using tokens to assign roles") --


def token_choice(claims: dict[str, Any], custom: str | None = None, ambiguous: str = "Deny") -> str:
    identity = service(ambiguous)
    pool = identity.pools["us-east-1:pool"]
    pool.role_mappings[USER_POOL] = RoleMapping("Token", ambiguous, ())
    return identity._choose_role(pool, Login(USER_POOL, "sub", claims, (USER_POOL,)), custom)


def test_roles_without_a_preferred_role_follow_the_ambiguous_role_resolution() -> None:
    """The guide's third rule: cognito:preferred_role not set, cognito:roles set, no
    CustomRoleArn: AmbiguousRoleResolution decides, one role or several."""
    for roles in (["arn:a"], ["arn:a", "arn:b"]):
        with pytest.raises(IdentityError) as refused:
            token_choice({"cognito:roles": roles})
        assert refused.value.code == "NotAuthorizedException"
        assert (
            token_choice({"cognito:roles": roles}, ambiguous="AuthenticatedRole") == "arn:default"
        )

    assert token_choice({"cognito:roles": ["arn:a"], "cognito:preferred_role": "arn:a"}) == "arn:a"
    assert token_choice({"cognito:roles": ["arn:a", "arn:b"]}, custom="arn:b") == "arn:b"


def test_custom_role_without_a_mapping_may_name_only_the_default_role() -> None:
    identity = service()
    pool = identity.pools["us-east-1:pool"]
    pool.role_mappings.clear()
    login = Login(PROVIDER, "sub", {}, (PROVIDER,))

    assert identity._choose_role(pool, login, "arn:default") == "arn:default"
    with pytest.raises(IdentityError) as refused:
        identity._choose_role(pool, login, "arn:staff")
    assert refused.value.code == "NotAuthorizedException"


@pytest.mark.parametrize(("claim", "tag"), [("acme", "acme"), (7, "7"), (True, "true")])
def test_scalar_claims_become_tag_values(claim: Any, tag: str) -> None:
    identity = service()
    pool = identity.pools["us-east-1:pool"]
    pool.principal_tags[PROVIDER] = {"tenant": "custom:tenant"}

    tags = identity._session_tags(pool, Login(PROVIDER, "s", {"custom:tenant": claim}, ()))

    assert tags == {"tenant": tag}


@pytest.mark.parametrize("claim", [["acme", "globex"], ["acme"], {"t": "acme"}])
def test_a_list_valued_claim_mapped_to_a_tag_gets_no_credentials(claim: Any) -> None:
    identity = service()
    pool = identity.pools["us-east-1:pool"]
    pool.principal_tags[PROVIDER] = {"tenant": "custom:tenant"}

    with pytest.raises(IdentityError) as refused:
        identity._session_tags(pool, Login(PROVIDER, "s", {"custom:tenant": claim}, ()))

    assert refused.value.code == "InvalidIdentityPoolConfigurationException"
