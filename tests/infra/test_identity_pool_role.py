"""Invariant 1: every role Cognito Identity may assume pins aud and amr (attacks included)."""

from __future__ import annotations

import copy

import pytest

from tests.support.invariants import COGNITO_IDENTITY, trust_violations
from tests.support.template import Template, resources


def cognito_roles(template: Template) -> dict[str, dict]:
    return {
        logical_id: role
        for logical_id, role in resources(template, "AWS::IAM::Role").items()
        if "cognito-identity.amazonaws.com" in repr(role["Properties"]["AssumeRolePolicyDocument"])
    }


def test_every_identity_pool_role_pins_aud_and_amr(template: Template, variant: Template) -> None:
    for t in (template, variant):
        # default authenticated, guest, and one per group
        assert len(cognito_roles(t)) == 2 + 3
        assert trust_violations(t) == []


def test_guest_role_is_only_for_unauthenticated_identities(template: Template) -> None:
    amr = {
        logical_id: role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"][
            "ForAnyValue:StringLike"
        ][f"{COGNITO_IDENTITY}:amr"]
        for logical_id, role in cognito_roles(template).items()
    }
    assert [k for k, v in amr.items() if v == "unauthenticated"] == [
        k for k in amr if k.startswith("IdentitiesGuestRole")
    ]


def _loosen(template: Template, change) -> Template:
    loosened = copy.deepcopy(template)
    logical_id = sorted(cognito_roles(loosened))[0]
    statement = loosened["Resources"][logical_id]["Properties"]["AssumeRolePolicyDocument"][
        "Statement"
    ][0]
    change(statement["Condition"])
    return loosened


@pytest.mark.parametrize(
    ("attack", "change"),
    [
        ("any pool's token", lambda c: c["StringEquals"].pop(f"{COGNITO_IDENTITY}:aud")),
        ("aud as a wildcard", lambda c: c.update({"StringLike": c.pop("StringEquals")})),
        ("guest on a signed-in role", lambda c: c.pop("ForAnyValue:StringLike")),
        (
            "either amr",
            lambda c: c["ForAnyValue:StringLike"].update({f"{COGNITO_IDENTITY}:amr": "*"}),
        ),
        ("another pool id", lambda c: c["StringEquals"].update({f"{COGNITO_IDENTITY}:aud": "x"})),
    ],
)
def test_loosened_trust_is_caught(template: Template, attack: str, change) -> None:
    assert trust_violations(_loosen(template, change)), attack
