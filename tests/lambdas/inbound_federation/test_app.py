"""The inbound federation trigger, driven with documented events, and attacked."""

from __future__ import annotations

import json
from typing import Any

import pytest

from facts.stack import IDP_GROUPS_ATTRIBUTE
from lambdas.inbound_federation import app
from tests.lambdas.context import FakeContext
from tests.lambdas.settings import SAML_EMAIL, SAML_GROUPS, TRIGGER_SETTINGS

CONFIG = app.TriggerConfig.from_json(json.dumps(TRIGGER_SETTINGS))


def saml_event(groups: Any = None, provider: str = "CorpSaml") -> dict[str, Any]:
    """Developer guide, "Inbound federation Lambda trigger": a SAML IdP's answer arrives in
    request.attributes.samlResponse."""
    assertion: dict[str, Any] = {SAML_EMAIL: "jdoe@corp.example"}
    if groups is not None:
        assertion[SAML_GROUPS] = groups
    return {
        "version": "1",
        "triggerSource": "InboundFederation_ExternalProvider",
        "region": "eu-west-1",
        "userPoolId": "eu-west-1_EXAMPLE1",
        "userName": f"{provider}_jdoe",
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown", "clientId": "1example23456789"},
        "request": {
            "providerName": provider,
            "providerType": "SAML",
            "attributes": {"samlResponse": assertion},
        },
        "response": {"userAttributesToMap": {}},
    }


def oidc_event(id_token: dict[str, Any], user_info: dict[str, Any] | None = None) -> dict:
    raw = saml_event(provider="PartnerOidc")
    raw["request"]["providerType"] = "OIDC"
    raw["request"]["attributes"] = {
        "tokenResponse": {"access_token": "opaque", "token_type": "Bearer"},
        "idToken": id_token,
        "userInfo": user_info or {},
    }
    return raw


def groups_written(raw: dict[str, Any], attribute: str = SAML_GROUPS) -> list[str]:
    answer = app.handler(raw, FakeContext())["response"]["userAttributesToMap"]
    return json.loads(answer[attribute])


def test_mapped_groups_are_written_as_a_json_list_of_pool_groups() -> None:
    answer = app.handler(saml_event("[Domain+Admins, App+Editors]"), FakeContext())
    # Under both names (the IdP's and the pool's): the guide leaves open which Cognito reads.
    assert answer["response"]["userAttributesToMap"] == {
        SAML_GROUPS: '["admins", "editors"]',
        "custom:idp_groups": '["admins", "editors"]',
        SAML_EMAIL: "jdoe@corp.example",
        "email": "jdoe@corp.example",
    }


def test_removal_at_the_idp_writes_an_empty_list_never_an_empty_answer() -> None:
    # `{}` would keep every raw attribute, so an answer is never empty: a sign-in without the
    # group claim writes [] over the last sign-in's groups.
    assert groups_written(saml_event(None)) == []
    answer = app.handler(saml_event(None), FakeContext())["response"]["userAttributesToMap"]
    assert answer == {
        SAML_GROUPS: "[]",
        "custom:idp_groups": "[]",
        SAML_EMAIL: "jdoe@corp.example",
        "email": "jdoe@corp.example",
    }


@pytest.mark.parametrize(
    "asserted",
    ["Former Admins", "Admins Former", "Former+Admins", "[Former+Admins]", "admins", "ADMINS"],
)
def test_a_group_named_like_a_mapped_one_maps_to_nothing(asserted: str) -> None:
    assert groups_written(saml_event(asserted)) == []


@pytest.mark.parametrize(
    ("asserted", "expected"),
    [
        ("Domain Admins", ["Domain Admins"]),  # one value, as sent
        ("[Domain+Admins, Staff]", ["Domain Admins", "Staff"]),  # multi-valued, form encoded
        ("[R%26D, a%2Cb, 100%25]", ["R&D", "a,b", "100%"]),
        ('["Domain Admins", "Staff"]', ["Domain Admins", "Staff"]),  # a JSON list
        (["Domain Admins", "Staff"], ["Domain Admins", "Staff"]),  # an array claim
        ("[]", []),
        ("", []),
    ],
)
def test_group_names_are_decoded_exactly(asserted: Any, expected: list[str]) -> None:
    assert app.decode_groups(asserted) == expected


@pytest.mark.parametrize("asserted", ['["Admins", 2]', '[{"Admins": 1}]', 7, [None]])
def test_a_groups_value_that_is_no_list_of_names_fails_the_sign_in(asserted: Any) -> None:
    with pytest.raises(ValueError):
        app.handler(saml_event(asserted), FakeContext())


def test_another_idp_asserting_admins_gets_nothing() -> None:
    # PartnerOidc's table grants viewers for "staff" only; its "Admins" is not CorpSaml's.
    raw = oidc_event({"sub": "p1", "email": "eve@partner.example", "groups": ["Admins", "staff"]})
    assert groups_written(raw, "groups") == ["viewers"]


def test_oidc_reads_the_id_token_over_user_info() -> None:
    raw = oidc_event({"sub": "p1", "groups": ["staff"]}, {"groups": ["Admins"], "email": "x@p"})
    answer = app.handler(raw, FakeContext())["response"]["userAttributesToMap"]
    assert answer == {
        "groups": '["viewers"]',
        "custom:idp_groups": '["viewers"]',
        "email": "x@p",
    }


@pytest.mark.parametrize(
    "break_it",
    [
        lambda e: e["request"].update(providerName="Unknown"),
        lambda e: e["request"].update(providerType="OIDC"),  # CorpSaml is not an OIDC IdP
        lambda e: e["request"].update(providerName="Google", providerType="Google"),
        lambda e: e.update(triggerSource="PreSignUp_ExternalProvider"),
        lambda e: e["request"].update(attributes=["samlResponse"]),
        lambda e: e.pop("request"),
    ],
)
def test_an_unexpected_event_fails_the_sign_in(break_it) -> None:
    raw = saml_event("Domain Admins")
    break_it(raw)
    with pytest.raises((KeyError, TypeError, ValueError)):
        app.handler(raw, FakeContext())


def test_run_time_copies_of_the_attribute_names_match_the_facts() -> None:
    assert app.IDP_GROUPS_ATTRIBUTE == IDP_GROUPS_ATTRIBUTE
