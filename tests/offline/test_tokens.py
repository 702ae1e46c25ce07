"""Cognito's own group claims (every group's role, and the preferred role unless tied), and
the pre token hook's answer applied as Cognito applies it."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from offline.federation import FederatedSignIn
from offline.tokens import (
    HOSTED_AUTH,
    IMMUTABLE_CLAIMS,
    REFRESH_TOKENS,
    GroupClaims,
    Hook,
    InvalidLambdaResponseException,
    TokenIssuer,
    UnexpectedLambdaException,
    _apply,
    group_role_claims,
    issuing,
)


def user(*groups: tuple[str, int | None, str | None]) -> Any:
    return SimpleNamespace(
        groups=[SimpleNamespace(group_name=n, precedence=p, role_arn=r) for n, p, r in groups]
    )


def test_the_lowest_precedence_is_preferred() -> None:
    claims = group_role_claims(user(("viewers", 30, "arn:v"), ("editors", 20, "arn:e")))

    assert claims.groups == ["editors", "viewers"]
    assert claims.roles == ["arn:e", "arn:v"]
    assert claims.preferred_role == "arn:e"


def test_a_tie_has_no_preferred_role() -> None:
    claims = group_role_claims(user(("a", 20, "arn:a"), ("b", 20, "arn:b"), ("c", 30, "arn:c")))

    assert claims.preferred_role is None
    assert claims.roles == ["arn:a", "arn:b", "arn:c"]


def test_no_group_no_roles() -> None:
    claims = group_role_claims(user())

    assert (claims.groups, claims.roles, claims.preferred_role) == ([], [], None)


def test_tied_groups_with_the_same_role_prefer_it() -> None:
    claims = group_role_claims(user(("a", 20, "arn:same"), ("b", 20, "arn:same")))

    assert claims.preferred_role == "arn:same"


def test_the_best_group_with_a_role_is_preferred() -> None:
    claims = group_role_claims(
        user(("top", 1, None), ("next", 5, "arn:next"), ("any", None, "arn:x"))
    )

    assert claims.preferred_role == "arn:next"
    assert claims.roles == ["arn:next", "arn:x"]


# The hook's answer, applied as Cognito applies it ----------------------------------------------

GROUPS = GroupClaims(["editors"], ["arn:e"], "arn:e")
ISSUED = {"sub": "user-sub", "cognito:groups": ["editors"], "origin_jti": "jti-1"}


def v1_answer(**details: Any) -> dict[str, Any]:
    return {"response": {"claimsOverrideDetails": details}}


def test_a_v1_group_override_reaches_the_access_token_but_its_claims_do_not() -> None:
    answer = v1_answer(
        groupOverrideDetails={"groupsToOverride": ["viewers"]},
        claimsToAddOrOverride={"tenant": "acme"},
    )

    access = _apply(answer, "V1_0", "access", GROUPS, dict(ISSUED))
    id_token = _apply(answer, "V1_0", "id", GROUPS, dict(ISSUED))

    assert access["cognito:groups"] == ["viewers"]
    assert "tenant" not in access
    assert (id_token["cognito:groups"], id_token["tenant"]) == (["viewers"], "acme")


@pytest.mark.parametrize("version", ["V1_0", "V2_0"])
@pytest.mark.parametrize("override", [{}, None], ids=["empty", "null"])
def test_an_empty_or_null_group_override_suppresses_the_groups(
    version: str, override: dict[str, Any] | None
) -> None:
    key = "claimsOverrideDetails" if version == "V1_0" else "claimsAndScopeOverrideDetails"
    answer = {"response": {key: {"groupOverrideDetails": override}}}

    claims = _apply(answer, version, "id", GROUPS, dict(ISSUED))

    assert not {"cognito:groups", "cognito:roles", "cognito:preferred_role"} & set(claims)


def test_an_answer_without_a_group_override_keeps_cognitos_groups() -> None:
    claims = _apply(v1_answer(claimsToAddOrOverride={"tenant": "acme"}), "V1_0", "id", GROUPS, {})

    assert (claims["cognito:groups"], claims["cognito:preferred_role"]) == (["editors"], "arn:e")


@pytest.mark.parametrize("claim", sorted(IMMUTABLE_CLAIMS))
def test_the_hook_cannot_add_change_or_suppress_an_excluded_claim(claim: str) -> None:
    issued = {claim: "cognito's"}
    changed = v1_answer(claimsToAddOrOverride={claim: "the hook's"})
    suppressed = v1_answer(claimsToSuppress=[claim])

    assert _apply(changed, "V1_0", "id", GROUPS, dict(issued))[claim] == "cognito's"
    assert _apply(suppressed, "V1_0", "id", GROUPS, dict(issued))[claim] == "cognito's"


def test_the_excluded_claims_are_the_documented_list() -> None:
    assert {"acr", "amr", "at_hash", "azp", "cognito:username", "identities", "nbf", "nonce"} < (
        IMMUTABLE_CLAIMS
    )


# The hook's invocation -------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def pool_and_user() -> tuple[Any, Any]:
    pool = SimpleNamespace(id="us-east-1_pool", region="us-east-1")
    user = SimpleNamespace(username="alice", id="user-sub", status="CONFIRMED", attributes=[])
    return pool, user


def invoke(issuer: TokenIssuer) -> dict[str, Any]:
    pool, user = pool_and_user()
    hook = issuer.hooks[pool.id]
    return issuer._answer(pool, "client", user, GROUPS, hook, "access", {"origin_jti": "j"})


def issuer_with(answer: Callable[[dict[str, Any]], dict[str, Any]], version: str = "V1_0") -> Any:
    clock = FakeClock()
    issuer = TokenIssuer({"us-east-1_pool": Hook(answer, version)}, clock=clock)
    return issuer, clock


@pytest.mark.parametrize(("seconds", "fails"), [(4.9, False), (5.1, True)])
def test_a_hook_slower_than_cognitos_five_seconds_fails_the_sign_in(
    seconds: float, fails: bool
) -> None:
    def slow(event: dict[str, Any]) -> dict[str, Any]:
        clock.now += seconds
        return event

    issuer, clock = issuer_with(slow)

    if fails:
        with pytest.raises(UnexpectedLambdaException) as refused:
            invoke(issuer)
        assert refused.value.error_type == "UnexpectedLambdaException"
    else:
        assert invoke(issuer)["triggerSource"] == "TokenGeneration_Authentication"


@pytest.mark.parametrize("value", [["a", "b"], 3, {"nested": "x"}, None])
def test_a_v1_answer_with_a_claim_that_is_not_a_string_fails_the_sign_in(value: Any) -> None:
    def answer(event: dict[str, Any]) -> dict[str, Any]:
        return v1_answer(claimsToAddOrOverride={"tenant": value, "team": "blue"})

    issuer, _ = issuer_with(answer)

    with pytest.raises(InvalidLambdaResponseException, match="tenant"):
        invoke(issuer)


def test_a_v2_answer_may_carry_lists() -> None:
    def answer(event: dict[str, Any]) -> dict[str, Any]:
        token = {"claimsToAddOrOverride": {"teams": ["a", "b"]}}
        return {"response": {"claimsAndScopeOverrideDetails": {"idTokenGeneration": token}}}

    issuer, _ = issuer_with(answer, "V2_0")

    assert invoke(issuer)["response"]["claimsAndScopeOverrideDetails"]


def test_a_slow_inbound_federation_trigger_fails_the_sign_in() -> None:
    clock = FakeClock()

    def slow(event: dict[str, Any]) -> dict[str, Any]:
        clock.now += 6
        return event

    federation = FederatedSignIn("123456789012", "us-east-1", {}, {}, clock=clock)
    pool, _ = pool_and_user()
    provider = SimpleNamespace(type="SAML")

    with pytest.raises(UnexpectedLambdaException):
        federation._run_trigger(slow, pool, "client", "CorpSaml_x", "CorpSaml", provider, {})


# Scopes and trigger sources (developer guide, "Pre token generation Lambda trigger") -----------


def v2_access(**access: Any) -> dict[str, Any]:
    return {"response": {"claimsAndScopeOverrideDetails": {"accessTokenGeneration": access}}}


def test_a_v2_answer_adds_and_suppresses_scopes_in_the_access_token() -> None:
    issued = {**ISSUED, "scope": "aws.cognito.signin.user.admin openid"}
    answer = v2_access(scopesToAdd=["items/read", "openid"], scopesToSuppress=["openid"])

    access = _apply(answer, "V2_0", "access", GROUPS, dict(issued))
    id_token = _apply(answer, "V2_0", "id", GROUPS, dict(ISSUED))

    assert access["scope"] == "aws.cognito.signin.user.admin items/read"
    assert "scope" not in id_token


def test_suppressing_every_scope_leaves_no_scope_claim() -> None:
    answer = v2_access(scopesToSuppress=["aws.cognito.signin.user.admin"])

    access = _apply(
        answer, "V2_0", "access", GROUPS, {**ISSUED, "scope": "aws.cognito.signin.user.admin"}
    )

    assert "scope" not in access


@pytest.mark.parametrize("scope", ["two words", ""])
def test_a_scope_that_is_empty_or_holds_a_space_fails_the_sign_in(scope: str) -> None:
    with pytest.raises(InvalidLambdaResponseException):
        _apply(v2_access(scopesToAdd=[scope]), "V2_0", "access", GROUPS, dict(ISSUED))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (None, "TokenGeneration_Authentication"),
        (REFRESH_TOKENS, "TokenGeneration_RefreshTokens"),
        (HOSTED_AUTH, "TokenGeneration_HostedAuth"),
    ],
)
def test_the_event_names_the_issuance_that_triggered_it(source: str | None, expected: str) -> None:
    events: list[dict[str, Any]] = []
    issuer, _ = issuer_with(lambda event: events.append(event) or event)

    with issuing(source) if source else contextlib.nullcontext():
        invoke(issuer)

    assert [event["triggerSource"] for event in events] == [expected]
    assert issuer.trigger_sources == [expected]
