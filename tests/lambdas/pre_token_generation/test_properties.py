"""Properties of the pre token hook over arbitrary attributes, metadata and group sets."""

from __future__ import annotations

import copy
import json
from typing import Any
from unittest.mock import patch

from hypothesis import given, reject, settings
from hypothesis import strategies as st

from lambdas.pre_token_generation import app
from tests.lambdas.context import FakeContext
from tests.lambdas.pre_token_generation.events import event, role, saml_identity
from tests.lambdas.settings import HOOK_SETTINGS

CONFIGURED = [group["name"] for group in HOOK_SETTINGS["groups"]]
CLAIM_SOURCES = {claim["source"] for claim in HOOK_SETTINGS["claims"]}
# Attribute names an attacker would try, plus anything else.
TRICKY_KEYS = [
    "cognito:groups", "cognito:roles", "cognito:preferred_role", "custom:role", "custom:groups",
    "groups", "role", "given_name", "family_name", "custom:idp_groups", "sub", "aud", "scope",
]  # fmt: skip
RESERVED_KEYS = {"identities", "sub"}  # set by Cognito; chosen separately below

text = st.text(max_size=40)
group_names = st.lists(st.sampled_from([*CONFIGURED, "made-in-console", "x"]) | text, max_size=5)
attribute_keys = (st.sampled_from(TRICKY_KEYS) | text).filter(lambda k: k not in RESERVED_KEYS)
attributes = st.dictionaries(attribute_keys, text, max_size=8)
identities = st.sampled_from(
    [None, saml_identity(), saml_identity("Okta", "OIDC"), saml_identity("Google", "Google")]
)
# What the inbound federation trigger writes: a JSON list of pool group names.
idp_values = st.lists(st.sampled_from([*CONFIGURED, "Admins", "Other"]) | text, max_size=4).map(
    json.dumps
)
metadata = st.none() | st.dictionaries(st.sampled_from(TRICKY_KEYS) | text, text, max_size=5)


def make_event(version, groups, attrs, identity, idp, meta) -> dict[str, Any]:
    attrs = dict(attrs)
    attrs.pop("custom:idp_groups", None)
    if identity is not None:
        attrs["identities"] = identity
    if idp is not None:
        attrs["custom:idp_groups"] = idp
    return event(version=version, groups=groups, attributes=attrs, client_metadata=meta)


events = st.builds(
    make_event,
    st.sampled_from(["1", "2"]),
    group_names,
    attributes,
    identities,
    st.none() | idp_values,
    metadata,
)


def run(raw: dict[str, Any]) -> dict[str, Any]:
    """The hook's answer. A tagged claim STS would refuse refuses the token (no answer to hold
    these properties to: tests/lambdas/pre_token_generation/test_app.py covers that refusal)."""
    try:
        return app.handler(copy.deepcopy(raw), FakeContext())
    except app.TagClaimRefused:
        reject()


def overrides(result: dict[str, Any]) -> dict[str, Any]:
    response = result["response"]
    return response.get("claimsAndScopeOverrideDetails") or response["claimsOverrideDetails"]


def server_side_roles(raw: dict[str, Any]) -> set[str]:
    attrs = raw["request"]["userAttributes"]
    groups = set(raw["request"]["groupConfiguration"]["groupsToOverride"])
    if app.is_federated(attrs) and "custom:idp_groups" in attrs:
        groups |= set(json.loads(attrs["custom:idp_groups"]))
    # A user in no configured group gets the default authenticated role, and only then.
    return {role(group) for group in groups if group in CONFIGURED} or {role("authenticated")}


@settings(max_examples=200, deadline=None)
@given(events)
def test_roles_are_a_subset_of_the_server_side_roles(raw: dict[str, Any]) -> None:
    details = overrides(run(raw))["groupOverrideDetails"]
    allowed = server_side_roles(raw)
    assert set(details["iamRolesToOverride"]) <= allowed
    if "preferredRole" in details:
        assert details["preferredRole"] in allowed


# A configuration that tries every reserved claim, as a claim to set and as one to suppress,
# from attributes every event carries (events.py), beside one claim it may set. The synth
# refuses such a config; the hook must hold even if one got through.
RESERVED_TRIED = sorted(app.RESERVED_CLAIMS | {"cognito:custom", "dev:anything"})
HOSTILE_SETTINGS = {
    **HOOK_SETTINGS,
    "claims": [
        *({"claim": name, "source": "email", "transforms": []} for name in RESERVED_TRIED),
        {"claim": "mail", "source": "email", "transforms": ["strip"]},
    ],
    "suppressClaims": [*RESERVED_TRIED, "given_name"],
}
HOSTILE_CONFIG = app.HookConfig.from_json(json.dumps(HOSTILE_SETTINGS))


@settings(max_examples=100, deadline=None)
@given(events)
def test_reserved_claims_never_appear(raw: dict[str, Any]) -> None:
    with patch.object(app, "CONFIG", HOSTILE_CONFIG):
        details = overrides(run(raw))
    # The config's allowed claim and suppression do come through: the check sees claims.
    id_token = details.get("idTokenGeneration") or details
    assert "mail" in id_token["claimsToAddOrOverride"]
    assert id_token["claimsToSuppress"] == ["given_name"]
    tokens = [details.get("idTokenGeneration"), details.get("accessTokenGeneration"), details]
    for token in filter(None, tokens):
        for name in [*token.get("claimsToAddOrOverride", {}), *token.get("claimsToSuppress", [])]:
            assert name not in app.RESERVED_CLAIMS
            assert not name.startswith(("cognito:", "dev:"))


@settings(max_examples=100, deadline=None)
@given(events)
def test_output_is_deterministic(raw: dict[str, Any]) -> None:
    assert run(raw) == run(raw)


def user_controlled_variant(raw: dict[str, Any], attrs: dict[str, str], meta: Any) -> dict:
    """The same event with everything a user may write or send replaced."""
    changed = copy.deepcopy(raw)
    original = raw["request"]["userAttributes"]
    # Cognito rewrites the IdP group attribute only for federated users.
    trusted = CLAIM_SOURCES | {"sub", "identities", "email_verified"}
    if app.is_federated(original):
        trusted |= {"custom:idp_groups"}
    server_side = {key: value for key, value in original.items() if key in trusted}
    # A trusted attribute the user lacks stays absent: no user can write it either.
    writable = {k: v for k, v in attrs.items() if k not in trusted and k not in RESERVED_KEYS}
    changed["request"]["userAttributes"] = {**writable, **server_side}
    changed["request"].pop("clientMetadata", None)
    if meta is not None:
        changed["request"]["clientMetadata"] = meta
    return changed


@settings(max_examples=200, deadline=None)
@given(events, attributes, metadata)
def test_what_users_control_never_changes_groups_roles_or_scopes(
    raw: dict[str, Any], attrs: dict[str, str], meta: Any
) -> None:
    before = overrides(run(raw))
    after = overrides(run(user_controlled_variant(raw, attrs, meta)))
    assert after["groupOverrideDetails"] == before["groupOverrideDetails"]
    if "accessTokenGeneration" in before:
        assert (
            after["accessTokenGeneration"]["scopesToAdd"]
            == before["accessTokenGeneration"]["scopesToAdd"]
        )
