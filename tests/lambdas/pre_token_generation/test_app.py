"""The pre token hook, driven with documented V1 and V2 events, and attacked."""

from __future__ import annotations

import copy
import json
import logging

import pytest

from lambdas.pre_token_generation import app
from tests.lambdas.context import FakeContext
from tests.lambdas.pre_token_generation.events import (
    TRIGGER_SOURCES,
    event,
    role,
    saml_identity,
)

IDP = "custom:idp_groups"


def run(raw: dict) -> dict:
    return app.handler(raw, FakeContext())


def details(result: dict) -> dict:
    response = result["response"]
    return response.get("claimsAndScopeOverrideDetails") or response["claimsOverrideDetails"]


def id_claims(result: dict) -> dict:
    d = details(result)
    return (d.get("idTokenGeneration") or d)["claimsToAddOrOverride"]


@pytest.mark.parametrize("trigger_source", TRIGGER_SOURCES)
def test_v2_every_token_generation_source_is_handled_alike(trigger_source: str) -> None:
    result = run(event(trigger_source=trigger_source, groups=["viewers", "editors"]))
    d = details(result)
    assert d["groupOverrideDetails"] == {
        "groupsToOverride": ["editors", "viewers"],
        "iamRolesToOverride": [role("editors"), role("viewers")],
        "preferredRole": role("editors"),
    }
    normalized = {"tenant": "acme", "email": "alice@example.com"}
    assert d["idTokenGeneration"] == {
        "claimsToAddOrOverride": normalized,
        "claimsToSuppress": ["custom:idp_groups"],
    }
    assert d["accessTokenGeneration"] == {
        "claimsToAddOrOverride": normalized,
        "claimsToSuppress": ["custom:idp_groups"],
        "scopesToAdd": ["storage/write", "storage/read"],
    }


@pytest.mark.parametrize("trigger_source", TRIGGER_SOURCES)
def test_v1_every_token_generation_source_is_handled_alike(trigger_source: str) -> None:
    result = run(event(version="1", trigger_source=trigger_source, groups=["admins"]))
    assert result["response"] == {
        "claimsOverrideDetails": {
            "claimsToAddOrOverride": {"tenant": "acme", "email": "alice@example.com"},
            "claimsToSuppress": ["custom:idp_groups"],
            "groupOverrideDetails": {
                "groupsToOverride": ["admins"],
                "iamRolesToOverride": [role("admins")],
                "preferredRole": role("admins"),
            },
        }
    }


def test_unknown_trigger_source_passes_through_untouched() -> None:
    raw = event(trigger_source="PostConfirmation_ConfirmSignUp", groups=["admins"])
    expected = copy.deepcopy(raw)
    assert run(raw) == expected


def test_client_metadata_asking_for_admin_changes_nothing() -> None:
    plain = run(event(groups=["viewers"]))
    asking = run(
        event(
            groups=["viewers"],
            client_metadata={
                "role": role("admins"),
                "preferredRole": role("admins"),
                "groups": "admins",
                "cognito:groups": "admins",
                "custom:idp_groups": '["admins"]',
            },
        )
    )
    assert details(asking) == details(plain)
    assert role("admins") not in json.dumps(details(asking))


def test_attributes_named_like_roles_or_groups_are_ignored() -> None:
    result = run(
        event(
            groups=["viewers"],
            attributes={
                "cognito:groups": "admins",
                "cognito:roles": role("admins"),
                "cognito:preferred_role": role("admins"),
                "custom:role": role("admins"),
                "given_name": "admins",
                # Not federated: an IdP group attribute is ignored, whoever wrote it.
                "custom:idp_groups": '["admins"]',
            },
        )
    )
    group_details = details(result)["groupOverrideDetails"]
    assert group_details["groupsToOverride"] == ["viewers"]
    assert group_details["preferredRole"] == role("viewers")
    assert role("admins") not in json.dumps(details(result))


def test_federated_saml_user_gets_the_triggers_pool_groups_in_precedence_order() -> None:
    result = run(
        event(
            groups=["viewers"],
            attributes={"identities": saml_identity(), "custom:idp_groups": '["admins"]'},
        )
    )
    assert details(result)["groupOverrideDetails"] == {
        "groupsToOverride": ["admins", "viewers"],
        "iamRolesToOverride": [role("admins"), role("viewers")],
        "preferredRole": role("admins"),
    }


def test_idp_groups_are_pool_group_names_only_no_idp_names_no_undeclared_groups() -> None:
    # The trigger writes pool group names; an IdP's own name (the old table's key) or a group
    # this app does not declare grants nothing, whatever else wrote the attribute.
    raw = '["Admins", "Domain Admins", "made-in-console", "viewers"]'
    result = run(event(groups=[], attributes={"identities": saml_identity(), IDP: raw}))
    assert details(result)["groupOverrideDetails"]["groupsToOverride"] == ["viewers"]


def test_social_identity_cannot_carry_idp_groups() -> None:
    attributes = {"identities": saml_identity("Google", "Google"), IDP: '["admins"]'}
    result = run(event(groups=[], attributes=attributes))
    assert details(result)["groupOverrideDetails"] == {
        "groupsToOverride": [],
        "iamRolesToOverride": [role("authenticated")],
        "preferredRole": role("authenticated"),
    }


@pytest.mark.parametrize(
    "raw",
    [
        "Admins",  # a raw IdP value, as attribute mapping wrote it before the trigger existed
        "[Admins, Viewers]",
        "admins,viewers",
        '{"admins": true}',
        '["admins", 1]',
        "",
    ],
)
def test_an_idp_groups_value_the_trigger_did_not_write_refuses_the_token(raw: str) -> None:
    with pytest.raises(ValueError):
        run(event(groups=["viewers"], attributes={"identities": saml_identity(), IDP: raw}))


def test_empty_group_configuration_gives_the_default_role_as_only_and_preferred_role() -> None:
    raw = event()
    raw["request"]["groupConfiguration"] = {}
    group_details = details(run(raw))["groupOverrideDetails"]
    # Never a token without cognito:roles: what token mapping does with one is undocumented.
    assert group_details == {
        "groupsToOverride": [],
        "iamRolesToOverride": [role("authenticated")],
        "preferredRole": role("authenticated"),
    }
    assert details(run(raw))["accessTokenGeneration"]["scopesToAdd"] == []


@pytest.mark.parametrize("version", ["1", "2"])
def test_only_unmapped_groups_give_the_default_role(version: str) -> None:
    result = run(event(version=version, groups=["made-in-console"]))
    assert details(result)["groupOverrideDetails"] == {
        "groupsToOverride": ["made-in-console"],
        "iamRolesToOverride": [role("authenticated")],
        "preferredRole": role("authenticated"),
    }


def test_tied_top_precedence_emits_no_preferred_role() -> None:
    config = app.HookConfig(
        default_role_arn=role("authenticated"),
        groups={
            "red": app.Group("red", 5, role("red"), ()),
            "blue": app.Group("blue", 5, role("blue"), ()),
            "grey": app.Group("grey", 9, role("grey"), ()),
        },
        claims=(),
        suppress=(),
    )
    decision = app.decide(config, ["grey", "red", "blue"], {})
    assert decision.preferred_role is None
    assert decision.roles == (role("blue"), role("red"), role("grey"))
    rendered = app.v2_response(decision)["claimsAndScopeOverrideDetails"]
    assert "preferredRole" not in rendered["groupOverrideDetails"]


def test_groups_unknown_to_the_config_carry_no_role() -> None:
    result = run(event(groups=["made-in-console", "viewers"]))
    assert details(result)["groupOverrideDetails"] == {
        "groupsToOverride": ["viewers", "made-in-console"],
        "iamRolesToOverride": [role("viewers")],
        "preferredRole": role("viewers"),
    }


@pytest.mark.parametrize(
    "break_it",
    [
        lambda e: e.pop("request"),
        lambda e: e["request"].pop("userAttributes"),
        lambda e: e["request"].pop("groupConfiguration"),
        lambda e: e["request"]["groupConfiguration"].update(groupsToOverride="admins"),
        lambda e: e["request"].update(userAttributes=["email"]),
        lambda e: e["request"]["userAttributes"].update(identities="{not json"),
        lambda e: e.pop("triggerSource"),
        lambda e: e.pop("version"),
    ],
)
def test_malformed_event_raises_so_cognito_refuses_the_token(break_it) -> None:
    raw = event(groups=["admins"])
    break_it(raw)
    with pytest.raises((KeyError, TypeError, ValueError, AttributeError)):
        run(raw)


def test_reserved_claims_in_the_table_are_never_emitted() -> None:
    settings = {
        "roleArnPrefix": "arn:aws:iam::111122223333:role/",
        "groups": [],
        "defaultRoleName": "app-stage-authenticated",
        "claims": [
            {"claim": "sub", "source": "custom:tenant", "transforms": []},
            {"claim": "cognito:groups", "source": "custom:tenant", "transforms": []},
            {"claim": "tenant", "source": "custom:tenant", "transforms": []},
        ],
        "suppressClaims": ["aud", "cognito:username", "email"],
    }
    config = app.HookConfig.from_json(json.dumps(settings))
    decision = app.decide(config, [], {"custom:tenant": "acme"})
    assert decision.claims == {"tenant": "acme"}
    assert decision.suppress == ("email",)


def test_split_transform_gives_a_list_in_v2_and_a_string_in_v1() -> None:
    config = app.HookConfig(
        default_role_arn=role("authenticated"),
        groups={},
        claims=(app.Claim("teams", "custom:tenant", ("split", "lower")),),
        suppress=(),
    )
    decision = app.decide(config, [], {"custom:tenant": "Red, Blue  green"})
    assert decision.claims == {"teams": ["red", "blue", "green"]}
    v1 = app.v1_response(decision)["claimsOverrideDetails"]["claimsToAddOrOverride"]
    assert v1 == {"teams": "red,blue,green"}


def test_user_admin_scope_is_never_added() -> None:
    config = app.HookConfig(
        default_role_arn=role("authenticated"),
        groups={"g": app.Group("g", 1, role("g"), (app.USER_ADMIN_SCOPE, "storage/read"))},
        claims=(),
        suppress=(),
    )
    assert app.decide(config, ["g"], {}).scopes == ("storage/read",)


def test_logs_never_carry_attributes_or_addresses(caplog: pytest.LogCaptureFixture) -> None:
    # As in a sampled invocation: the per-token line is DEBUG.
    caplog.set_level(logging.DEBUG, logger=app.logger.name)
    run(
        event(
            groups=["viewers"],
            attributes={"identities": saml_identity(), IDP: '["admins"]'},
        )
    )
    [record] = caplog.records
    assert record.getMessage() == "Token claims normalized"
    # Everything the record carries, message and structured keys alike.
    logged = json.dumps(record.__dict__, default=str)
    assert "TokenGeneration_Authentication" in logged  # the structured keys are in there
    for secret in ("Alice@Example", "alice@example.com", "Acme", "jdoe@corp", "Admins", "7d2e5a8c"):
        assert secret not in logged, secret


def test_metrics_count_tokens_by_trigger_source_and_idp_groups(
    capsys: pytest.CaptureFixture[str],
) -> None:
    run(
        event(
            trigger_source="TokenGeneration_RefreshTokens",
            groups=["viewers"],
            attributes={"identities": saml_identity(), IDP: '["admins", "editors"]'},
        )
    )
    [emf] = [
        json.loads(line)
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("{") and "_aws" in line
    ]
    assert emf["triggerSource"] == "TokenGeneration_RefreshTokens"
    assert emf["TokensIssued"] == [1.0] or emf["TokensIssued"] == 1.0
    assert emf["IdpGroupsMapped"] in (2.0, [2.0])


@pytest.mark.parametrize("tenant", ["*", "acme*", "a?c", "${aws:username}"])
def test_a_tagged_claim_with_a_wildcard_refuses_the_token(tenant: str) -> None:
    """Its value becomes an IAM policy variable: `*` must never widen tenants/<tenant>/."""
    with pytest.raises(ValueError, match="session tag and holds an IAM policy wildcard"):
        run(event(groups=["viewers"], attributes={"custom:tenant": tenant}))


def test_untagged_claims_may_hold_any_characters() -> None:
    result = run(event(groups=["viewers"], attributes={"email": "a*b@example.com"}))
    assert id_claims(result)["email"] == "a*b@example.com"


def test_two_groups_tied_at_the_top_emit_no_preferred_role() -> None:
    """Exactly two groups, as a tie most often comes: one made outside the config with the same
    precedence as a configured one."""
    config = app.HookConfig(
        default_role_arn=role("authenticated"),
        groups={
            "red": app.Group("red", 5, role("red"), ()),
            "blue": app.Group("blue", 5, role("blue"), ()),
        },
        claims=(),
        suppress=(),
    )
    decision = app.decide(config, ["red", "blue"], {})
    assert decision.preferred_role is None
    assert decision.roles == (role("blue"), role("red"))
    # One group alone is no tie.
    assert app.decide(config, ["red"], {}).preferred_role == role("red")


def tag_refusal_logged(caplog: pytest.LogCaptureFixture) -> dict:
    [record] = [r for r in caplog.records if r.name == app.logger.name]
    assert record.levelname == "ERROR"
    assert "STS" in record.getMessage()
    return record.__dict__


# What STS refuses in a session tag value (STS API reference, "Tag": [\p{L}\p{Z}\p{N}_.:/=+\-@]
# and 0 to 256 characters), and the hook's own refusals (an empty value, a list).
REFUSED_TENANTS = [
    "acme#1",
    "ac\x00me",
    "acme\nglobex",
    "ac\tme",
    "\u200facme",  # right-to-left mark (Cf)
    "acme\u202e",  # right-to-left override (Cf)
    "ac\ufeffme",  # zero width no-break space (Cf)
    "acme!",
    "a,b",
    "x" * 257,
    "\U00020000" * 129,  # 129 CJK letters outside the BMP: 258 UTF-16 code units
    "   ",  # empty once stripped
]


@pytest.mark.parametrize("tenant", REFUSED_TENANTS)
@pytest.mark.parametrize("version", ["1", "2"])
def test_a_tagged_claim_sts_would_refuse_refuses_the_token_with_a_log_line_and_a_metric(
    tenant: str, version: str, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    with pytest.raises(app.TagClaimRefused, match="session tag") as refused:
        run(event(version=version, groups=["viewers"], attributes={"custom:tenant": tenant}))
    assert refused.value.claim == "tenant"
    logged = tag_refusal_logged(caplog)
    assert (logged["claim"], logged["problem"]) == ("tenant", refused.value.problem)
    # The value is the user's: never in the log.
    if tenant.strip():
        assert tenant.strip().lower() not in json.dumps(logged, default=str)
    [emf] = [
        json.loads(line)
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("{") and "_aws" in line
    ]
    assert emf[app.TAG_CLAIM_REFUSED] in (1.0, [1.0])
    assert "TokensIssued" not in emf


@pytest.mark.parametrize(
    "tenant",
    [
        "acme",
        "Société Générale 2",
        "東京",
        "a_b.c:d/e=f+g-h@i",
        "x" * 256,
        "\U00020000" * 128,  # 256 UTF-16 code units
        "١٢٣",  # Arabic-Indic digits (Nd)
        "a\u00a0b",  # no-break space (Zs)
    ],
)
def test_a_tagged_claim_sts_accepts_passes(tenant: str) -> None:
    result = run(event(groups=["viewers"], attributes={"custom:tenant": tenant}))
    assert id_claims(result)["tenant"] == tenant.strip().lower()


def tagged_config(claims: tuple[app.Claim, ...], tagged: set[str], suppress=()) -> app.HookConfig:
    return app.HookConfig(
        default_role_arn=role("authenticated"),
        groups={},
        claims=claims,
        suppress=tuple(suppress),
        tagged=frozenset(tagged),
    )


def test_a_fork_tagging_a_longer_claim_is_held_to_stss_length() -> None:
    """A fork maps the tag from its own claim, from an attribute of up to 2048 characters."""
    config = tagged_config((app.Claim("org", "custom:org", ()),), {"org"})
    assert app.decide(config, [], {"custom:org": "o" * 256}).claims == {"org": "o" * 256}
    with pytest.raises(app.TagClaimRefused, match="longer than 256"):
        app.decide(config, [], {"custom:org": "o" * 2048})


def test_a_tagged_attribute_the_token_carries_as_it_is_is_checked_too() -> None:
    """A fork tags an attribute claim the hook does not set: Cognito puts the attribute in the
    token under its name, so its value reaches STS unless the hook suppresses it."""
    config = tagged_config((), {"custom:dept"})
    with pytest.raises(app.TagClaimRefused):
        app.decide(config, [], {"custom:dept": "R&D"})
    assert app.decide(config, [], {"custom:dept": "R and D"}).claims == {}
    suppressed = tagged_config((), {"custom:dept"}, suppress=["custom:dept"])
    assert app.decide(suppressed, [], {"custom:dept": "R&D"}).suppress == ("custom:dept",)


def test_a_split_tagged_claim_is_refused_in_both_versions() -> None:
    config = tagged_config((app.Claim("teams", "custom:tenant", ("split",)),), {"teams"})
    with pytest.raises(app.TagClaimRefused, match="list"):
        app.decide(config, [], {"custom:tenant": "red blue"})


# Fail closed: what the hook cannot read raises (Cognito then fails the sign-in), never a guess.
def test_reserved_prefixes_are_reserved_like_the_named_claims() -> None:
    """Developer guide, "Pre token generation Lambda trigger": claims under cognito: and dev:
    are Cognito's, as are the named ones."""
    assert app._reserved("cognito:anything")
    assert app._reserved("dev:anything")
    assert app._reserved("sub")
    assert not app._reserved("tenant")


@pytest.mark.parametrize("identities", ['{"providerType": "SAML"}', '"SAML"', "7"])
def test_an_identities_attribute_that_is_not_a_list_fails_closed(identities: str) -> None:
    with pytest.raises(ValueError, match="identities attribute is not a list"):
        app.is_federated({"identities": identities})


def test_an_unknown_transform_fails_closed() -> None:
    with pytest.raises(ValueError, match="unknown transform 'upper'"):
        app.transform("x", ("upper",))


@pytest.mark.parametrize(
    ("groups", "attributes", "problem"),
    [
        ("admins", {}, "groupsToOverride is not a list"),
        (["admins", 7], {}, "groupsToOverride is not a list"),
        ([], ["email", "a@b.c"], "userAttributes is not an object"),
    ],
)
def test_an_event_of_the_wrong_shape_fails_closed(
    groups: object, attributes: object, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        app.decide(app.CONFIG, groups, attributes)


def test_the_correlation_id_is_a_stable_pseudonym_of_eight_bytes() -> None:
    first = app.correlation_id("alice@example.com")
    assert first == app.correlation_id("alice@example.com")
    assert first != app.correlation_id("bob@example.com")
    assert len(bytes.fromhex(first)) == 8
