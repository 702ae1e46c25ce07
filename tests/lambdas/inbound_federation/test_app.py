"""The inbound federation trigger, driven with documented events, and attacked."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
        ("[Domain+Admins,Staff]", ["Domain Admins", "Staff"]),
        ("[R%26D, a%2Cb, 100%25, x.y-z*_]", ["R&D", "a,b", "100%", "x.y-z*_"]),
        ("[Soci%C3%A9t%C3%A9, %7E]", ["Société", "~"]),
        (["Domain Admins", "Staff"], ["Domain Admins", "Staff"]),  # an array claim
        (["Domain Admins", ""], ["Domain Admins"]),
        # Not Cognito's rendering of two or more values: one name, exactly as sent.
        ('["Domain Admins", "Staff"]', ['["Domain Admins", "Staff"]']),  # JSON is never parsed
        ("[Domain+Admins]", ["[Domain+Admins]"]),  # one value is never rendered in brackets
        ("[Partners, Domain Admins]", ["[Partners, Domain Admins]"]),  # a space no encoder leaves
        ("[a, %2c]", ["[a, %2c]"]),  # lower-case hex: not Java's URLEncoder
        ("[a, ~]", ["[a, ~]"]),  # "~" is encoded
        ("[a, %ZZ]", ["[a, %ZZ]"]),
        ("[a,  b]", ["[a,  b]"]),
        ("[a, ]", ["[a, ]"]),
        ("[]", ["[]"]),
        ("", []),
    ],
)
def test_group_names_are_decoded_exactly(asserted: Any, expected: list[str]) -> None:
    assert app.decode_groups(asserted) == expected


@pytest.mark.parametrize(
    "asserted",
    [
        "[Domain+Admins]",
        "[Partners, Domain Admins]",
        '["Domain Admins"]',
        '["Partners", "Domain Admins"]',
        "[Domain Admins]",
        "[App+Editors, Domain Admins]",
    ],
)
def test_a_single_group_named_like_a_list_maps_to_nothing(asserted: str) -> None:
    """One IdP group whose name looks like a list is one name: no pool group's table names it."""
    assert groups_written(saml_event(asserted)) == []


@pytest.mark.parametrize(
    "asserted", ["[staff]", '["staff"]', '["Partners", "staff"]', "[a b, staff]"]
)
def test_an_oidc_group_named_like_a_list_maps_to_nothing(asserted: str) -> None:
    assert groups_written(oidc_event({"sub": "p1", "groups": asserted}), "groups") == []
    assert groups_written(oidc_event({"sub": "p1", "groups": [asserted]}), "groups") == []


def test_what_remains_a_name_that_is_itself_a_rendering_of_two_names_reads_as_them() -> None:
    """Documented in docs/providers.md: one group named exactly ``[Partners, Domain+Admins]``
    cannot be told from the two values Cognito renders so; the encoding it needs (``+`` for each
    space, no space after the brackets) is what narrows it."""
    assert groups_written(saml_event("[Partners, Domain+Admins]")) == ["admins"]


@pytest.mark.parametrize(
    "values", [["Domain Admins", "Staff"], ["R&D", "a, b", "100%", "Société", "~"], ["x", "y"]]
)
def test_cognitos_rendering_of_any_values_reads_back_as_those_values(values: list[str]) -> None:
    rendered = "[" + ", ".join(app.form_encode(value) for value in values) + "]"
    assert app.decode_groups(rendered) == values


def test_form_encoding_is_the_guides_leaving_letters_digits_and_dot_dash_star_underscore() -> None:
    assert app.form_encode("aZ09.-*_") == "aZ09.-*_"
    assert app.form_encode("Domain Admins") == "Domain+Admins"
    assert app.form_encode("a,b&c~é+") == "a%2Cb%26c%7E%C3%A9%2B"


@pytest.mark.parametrize("asserted", [7, [None], [{"Admins": 1}], {"Admins": True}, ["Admins", 2]])
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


names = st.text(min_size=1, max_size=20).filter(lambda name: name.strip() == name)


@settings(max_examples=150, deadline=None)
@given(st.lists(names, min_size=2, max_size=4), st.sampled_from([", ", ","]))
def test_any_rendering_of_two_or_more_values_reads_back_as_them(
    values: list[str], separator: str
) -> None:
    rendered = "[" + separator.join(app.form_encode(value) for value in values) + "]"
    assert app.decode_groups(rendered) == values


renderings = st.lists(names, min_size=1, max_size=3).map(
    lambda values: "[" + ", ".join(app.form_encode(value) for value in values) + "]"
)


@settings(max_examples=150, deadline=None)
@given(
    st.text(max_size=40)
    | st.text(alphabet=st.sampled_from("[], +%2CAaz\" '"), max_size=30)
    | renderings
    | renderings.map(lambda text: text.replace("+", " "))
    | renderings.map(lambda text: text.replace(", ", ",  "))
)
def test_a_string_is_split_only_when_it_is_exactly_a_rendering(text: str) -> None:
    """Any other string is one name, whole: what makes a single group named like a list safe."""
    names = app.decode_groups(text)
    stripped = text.strip()
    if names != ([stripped] if stripped else []):
        assert len(names) >= 2
        parts = [part.removeprefix(" ") for part in stripped[1:-1].split(",")]
        assert parts == [app.form_encode(name) for name in names]
