"""Trust: every role Cognito Identity may assume pins aud, and amr names only who may have it.

STS judges the trust policy for every ``AssumeRoleWithWebIdentity``, including the ones a holder
of an identity pool token makes directly (developer guide, "Identity pools authentication
flow": the basic flow), so these are the attacks the template must refuse by itself.

The invariant is computed over every role of a template (tests/support/invariants.py) and
attacked by loosening a copy, so this module reads templates as plain JSON.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from facts.cognito import AMR, AUD, COGNITO_IDENTITY
from infra.identity_pool_role import identity_pool_principal
from tests.support.invariants import default_roles, providers_reaching, trust_violations
from tests.support.template import Template, resources


def cognito_roles(template: Template) -> dict[str, dict]:
    return {
        logical_id: role
        for logical_id, role in resources(template, "AWS::IAM::Role").items()
        if COGNITO_IDENTITY in repr(role["Properties"]["AssumeRolePolicyDocument"])
    }


def amr_of(role: dict) -> list[Any]:
    statement = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    amr = statement["Condition"]["ForAnyValue:StringLike"][AMR]
    return amr if isinstance(amr, list) else [amr]


def test_every_identity_pool_role_pins_aud_and_names_who_may_assume_it(
    template: Template, variant: Template, all_providers: Template
) -> None:
    for t in (template, variant, all_providers):
        groups = resources(t, "AWS::Cognito::UserPoolGroup")
        # the two defaults, and one per group
        assert len(cognito_roles(t)) == 2 + len(groups)
        assert trust_violations(t) == []


def test_only_the_defaults_trust_any_authenticated_or_guest_identity(
    template: Template, all_providers: Template
) -> None:
    for t in (template, all_providers):
        defaults = default_roles(t)
        assert sorted(defaults.values()) == ["authenticated", "unauthenticated"]
        for logical_id, role in cognito_roles(t).items():
            generic = {"authenticated", "unauthenticated"} & set(map(str, amr_of(role)))
            if logical_id in defaults:
                assert amr_of(role) == [defaults[logical_id]]
            else:
                assert not generic, logical_id


def test_group_roles_trust_the_user_pool_and_the_providers_whose_rules_map_to_them(
    all_providers: Template,
) -> None:
    reaching = providers_reaching(all_providers)
    external = {}
    for logical_id, role in cognito_roles(all_providers).items():
        if logical_id in default_roles(all_providers):
            continue
        values = amr_of(role)
        assert {json.dumps(v, sort_keys=True) for v in values} == reaching[logical_id]
        assert any(
            isinstance(v, dict) and "ProviderName" in v.get("Fn::GetAtt", []) for v in values
        )
        external[logical_id] = [v for v in values if isinstance(v, str) or "Ref" in v]
    # The example maps Google, an OIDC IdP and a SAML IdP to group roles (docs/examples).
    names = [v for values in external.values() for v in values]
    assert "accounts.google.com" in names
    assert any(isinstance(v, dict) and "Ref" in v for v in names)  # the SAML provider's ARN


def test_a_role_must_name_who_may_assume_it() -> None:
    with pytest.raises(ValueError, match="amr is empty"):
        identity_pool_principal("pool", [])


def _loosen(template: Template, change: Callable[[dict, str], None], *, group: bool) -> Template:
    loosened = copy.deepcopy(template)
    defaults = default_roles(loosened)
    logical_id = sorted(r for r in cognito_roles(loosened) if (r not in defaults) == group)[0]
    statement = loosened["Resources"][logical_id]["Properties"]["AssumeRolePolicyDocument"][
        "Statement"
    ][0]
    change(statement["Condition"], logical_id)
    return loosened


def _amr(value: Any) -> Callable[[dict, str], None]:
    return lambda c, _: c["ForAnyValue:StringLike"].update({AMR: value})


@pytest.mark.parametrize(
    ("attack", "change", "group"),
    [
        ("any pool's token", lambda c, _: c["StringEquals"].pop(AUD), False),
        ("aud as a wildcard", lambda c, _: c.update({"StringLike": c.pop("StringEquals")}), False),
        ("guest on a signed-in role", lambda c, _: c.pop("ForAnyValue:StringLike"), False),
        ("either amr", _amr("*"), False),
        ("another pool id", lambda c, _: c["StringEquals"].update({AUD: "x"}), False),
        ("default role trusts guests too", _amr(["authenticated", "unauthenticated"]), False),
        # The escalation review found: a developer token assumes a group role through STS.
        ("group role trusts any signed-in identity", _amr("authenticated"), True),
        ("group role trusts the developer provider", _amr("login.example.test"), True),
        (
            "group role trusts a provider whose rules do not reach it",
            _amr("graph.facebook.com"),
            True,
        ),
        ("group role trusts any cognito-idp pool", _amr("cognito-idp.*"), True),
        ("group role with no amr at all", lambda c, _: c.pop("ForAnyValue:StringLike"), True),
    ],
)
def test_loosened_trust_is_caught(template: Template, attack: str, change, group: bool) -> None:
    assert trust_violations(template) == []
    assert trust_violations(_loosen(template, change, group=group)), attack
