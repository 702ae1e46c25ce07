"""Warnings: exactly the risks a template has, the shipped config's included."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from review import risks
from review.report import StackReview
from tests.review.conftest import fixture, review_of
from tests.support.template import Synth

DOCS = Path(__file__).resolve().parents[2] / "docs" / "review.md"


def kinds(review: StackReview) -> list[str]:
    return sorted(r.kind for r in review.risks)


def test_the_demo_config_opens_no_role_to_any_signed_in_identity(
    default_review: StackReview,
) -> None:
    """The demo switches nothing risky on (tests/test_configured.py checks a forker's own
    config against its switches)."""
    assert kinds(default_review) == []


def test_guest_a_contains_rule_and_a_wildcard_action_give_exactly_those_warnings() -> None:
    review = review_of(fixture("risky"))
    assert kinds(review) == sorted([risks.GUEST, risks.PARTIAL, risks.WILDCARD])
    by_kind = {r.kind: r for r in review.risks}
    assert "s3:Get*" in by_kind[risks.WILDCARD].message
    assert by_kind[risks.WILDCARD].where == "GuestRole"
    assert "Contains" in by_kind[risks.PARTIAL].message


def test_all_providers_example_warns_of_partial_matches_and_the_twitter_secret(
    all_providers: dict[str, Any], providers_review: StackReview
) -> None:
    # Group roles trust Google, the OIDC and the SAML IdP by name: no role open to everyone.
    # The admins rule is Equals (the synth refuses a loose one for an admin role); the viewers
    # rules keep Contains and StartsWith, which the review names.
    assert kinds(providers_review) == sorted([risks.PARTIAL, risks.PARTIAL, risks.TWITTER_SECRET])


def with_rule(claim: str, match_type: str = "Equals") -> dict[str, Any]:
    body = fixture("base")
    body["Resources"]["Pool"]["Properties"]["SupportedLoginProviders"] = {
        "graph.facebook.com": "1234"
    }
    body["Resources"]["Attachment"]["Properties"]["RoleMappings"]["facebook"] = {
        "Type": "Rules",
        "AmbiguousRoleResolution": "Deny",
        "IdentityProvider": "graph.facebook.com",
        "RulesConfiguration": {
            "Rules": [
                {
                    "Claim": claim,
                    "MatchType": match_type,
                    "Value": "x",
                    "RoleARN": {"Fn::GetAtt": ["EditorsRole", "Arn"]},
                }
            ]
        },
    }
    return body


def test_a_rule_on_a_claim_the_provider_does_not_offer() -> None:
    assert kinds(review_of(with_rule("sub"))) == []
    assert kinds(review_of(with_rule("email"))) == [risks.CLAIM]
    assert kinds(review_of(with_rule("email", "StartsWith"))) == [risks.CLAIM, risks.PARTIAL]


def test_classic_flow_and_a_twitter_secret() -> None:
    body = fixture("base")
    props = body["Resources"]["Pool"]["Properties"]
    props["AllowClassicFlow"] = True
    props["SupportedLoginProviders"] = {"api.twitter.com": "key;secret"}
    assert kinds(review_of(body)) == sorted([risks.CLASSIC, risks.TWITTER_SECRET])
    props["AllowClassicFlow"] = False
    props["SupportedLoginProviders"] = {"api.twitter.com": "key"}
    assert kinds(review_of(body)) == []


def test_principal_tags_on_a_role_without_tag_session() -> None:
    body = fixture("base")
    body["Resources"]["Tags"] = {
        "Type": "AWS::Cognito::IdentityPoolPrincipalTag",
        "Properties": {
            "IdentityPoolId": {"Ref": "Pool"},
            "IdentityProviderName": {"Fn::GetAtt": ["UserPool", "ProviderName"]},
            "PrincipalTags": {"tenant": "tenant"},
        },
    }
    review = review_of(body)
    # Tags reach the group role and the default role (a user in no group); neither trusts
    # sts:TagSession in the fixture.
    assert sorted(r.where for r in review.risks if r.kind == risks.UNTAGGABLE) == [
        "DefaultRole",
        "EditorsRole",
    ]
    statement = body["Resources"]["EditorsRole"]["Properties"]["AssumeRolePolicyDocument"]
    statement["Statement"][0]["Action"].append("sts:TagSession")
    review = review_of(body)
    assert [r.where for r in review.risks if r.kind == risks.UNTAGGABLE] == ["DefaultRole"]


def with_principal_tags(**props: Any) -> dict[str, Any]:
    body = fixture("base")
    body["Resources"]["Tags"] = {
        "Type": "AWS::Cognito::IdentityPoolPrincipalTag",
        "Properties": {
            "IdentityPoolId": {"Ref": "Pool"},
            "IdentityProviderName": {"Fn::GetAtt": ["UserPool", "ProviderName"]},
            **props,
        },
    }
    return body


@pytest.mark.parametrize(
    "props", [{"UseDefaults": True}, {"PrincipalTags": {"dept": "custom:dept"}}]
)
def test_tags_reaching_a_role_without_tag_session_warn(props: dict[str, Any]) -> None:
    review = review_of(with_principal_tags(**props))
    assert kinds(review) == [risks.UNTAGGABLE, risks.UNTAGGABLE]
    assert {r.where for r in review.risks} == {"DefaultRole", "EditorsRole"}


def test_use_defaults_false_without_tags_is_no_tags() -> None:
    assert kinds(review_of(with_principal_tags(UseDefaults=False))) == []


def with_twitter(value: Any, parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    body = fixture("base")
    body["Resources"]["Pool"]["Properties"]["SupportedLoginProviders"] = {"api.twitter.com": value}
    if parameters is not None:
        body["Parameters"] = parameters
    return body


SECRET_PARAMETER = {"Fn::Join": ["", ["key;", {"Ref": "TwitterSecret"}]]}


@pytest.mark.parametrize(
    ("value", "parameters", "leaks"),
    [
        ("key;plain-secret", None, "in plain text"),
        ({"Fn::Join": [";", ["key", "secret"]]}, None, "in plain text"),
        ({"Fn::Sub": "key;${AWS::Region}-secret"}, None, "in plain text"),
        (SECRET_PARAMETER, {"TwitterSecret": {"Type": "String"}}, "not NoEcho"),
        (
            SECRET_PARAMETER,
            {"TwitterSecret": {"Type": "String", "NoEcho": True, "Default": "s"}},
            "Default",
        ),
        ({"Ref": "Both"}, {"Both": {"Type": "String"}}, "not NoEcho"),
        ("key;{{resolve:secretsmanager:tw:SecretString:secret}}", None, None),
        (SECRET_PARAMETER, {"TwitterSecret": {"Type": "String", "NoEcho": "true"}}, None),
        ("consumer-key-only", None, None),
    ],
)
def test_twitter_secret_is_flagged_only_when_the_template_carries_it(
    value: Any, parameters: dict[str, Any] | None, leaks: str | None
) -> None:
    review = review_of(with_twitter(value, parameters))
    found = [r for r in review.risks if r.kind == risks.TWITTER_SECRET]
    if leaks is None:
        assert found == []
    else:
        [risk] = found
        assert leaks in risk.message


def test_an_allow_with_not_action_is_a_wildcard() -> None:
    body = fixture("base")
    body["Resources"]["EditorsRole"]["Properties"]["Policies"][0]["PolicyDocument"][
        "Statement"
    ].append({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    [risk] = review_of(body).risks
    assert (risk.kind, risk.where) == (risks.WILDCARD, "EditorsRole")
    assert "NotAction [iam:*]" in risk.message


def test_every_rule_has_its_own_kind_and_a_row_in_the_docs() -> None:
    kinds_ = [r.kind for r in risks.RULES]
    assert len(set(kinds_)) == len(kinds_)
    documented = re.findall(r"^   \| `([a-z-]+)` \|", DOCS.read_text(), re.MULTILINE)
    assert documented == kinds_


AMR = "cognito-identity.amazonaws.com:amr"
AUD = "cognito-identity.amazonaws.com:aud"


def trust_condition(body: dict[str, Any], role: str = "EditorsRole") -> dict[str, Any]:
    condition: dict[str, Any] = body["Resources"][role]["Properties"]["AssumeRolePolicyDocument"][
        "Statement"
    ][0]["Condition"]
    return condition


def with_amr(condition: dict[str, Any]) -> dict[str, Any]:
    body = fixture("base")
    trust = trust_condition(body)
    del trust["ForAnyValue:StringLike"]
    trust.update(condition)
    return body


@pytest.mark.parametrize(
    "amr",
    [
        {"ForAnyValue:StringLike": {AMR: "authenticated"}},
        {"ForAnyValue:StringLike": {AMR: "*"}},
        {"ForAnyValue:StringLike": {AMR: ["graph.facebook.com", "auth*"]}},
        {"ForAnyValue:StringEquals": {AMR: "authenticated"}},
        {"ForAnyValue:StringNotLike": {AMR: "unauthenticated"}},
        {},  # no amr condition at all
    ],
)
def test_a_role_any_identity_of_the_pool_may_assume_is_named_with_every_provider(
    amr: dict[str, Any],
) -> None:
    body = with_amr(amr)
    props = body["Resources"]["Pool"]["Properties"]
    props["SupportedLoginProviders"] = {"accounts.google.com": "cid"}
    props["DeveloperProviderName"] = "login.example.app"
    [risk] = [r for r in review_of(body).risks if r.kind == risks.OPEN_TRUST]
    assert risk.where == "EditorsRole"
    for provider in (
        "user pool UserPool (client Client)",
        "accounts.google.com",
        "developer provider login.example.app",
    ):
        assert provider in risk.message


@pytest.mark.parametrize(
    "amr",
    [
        {"ForAnyValue:StringLike": {AMR: {"Fn::GetAtt": ["UserPool", "ProviderName"]}}},
        {"ForAnyValue:StringLike": {AMR: ["graph.facebook.com", "accounts.google.com"]}},
        {"ForAnyValue:StringEquals": {AMR: "*"}},  # Equals: a literal star, no wildcard
        {"ForAllValues:StringLike": {AMR: ["authenticated", "graph.facebook.com"]}},
        {"ForAnyValue:StringLike": {AMR: "unauthenticated"}},
    ],
)
def test_a_role_pinned_to_providers_is_not_open(amr: dict[str, Any]) -> None:
    assert [r for r in review_of(with_amr(amr)).risks if r.kind == risks.OPEN_TRUST] == []


def test_the_default_roles_may_trust_any_identity_and_another_pools_roles_warn() -> None:
    body = fixture("base")  # DefaultRole trusts amr authenticated: it is the default
    assert kinds(review_of(body)) == []
    trust = trust_condition(body)
    trust["ForAnyValue:StringLike"][AMR] = "authenticated"
    trust["StringEquals"][AUD] = "us-east-1:11111111-2222-3333-4444-555555555555"
    [risk] = review_of(body).risks
    assert (risk.kind, risk.where) == (risks.FOREIGN_POOL, "EditorsRole")
    assert "us-east-1:11111111-2222-3333-4444-555555555555" in risk.message


@pytest.mark.parametrize(
    ("aud", "gap"),
    [
        (None, "no aud condition"),
        ({"StringLike": {AUD: "*"}}, "aud only under StringLike *"),
        ({"StringLike": {AUD: "us-east-1:*"}}, "aud only under StringLike us-east-1:*"),
        ({"StringNotEquals": {AUD: "us-east-1:x"}}, "aud only under StringNotEquals"),
    ],
)
def test_a_trust_without_a_pinned_aud_is_flagged(aud: dict[str, Any] | None, gap: str) -> None:
    body = fixture("base")
    trust = trust_condition(body, "GuestRole")  # a default role: flagged all the same
    del trust["StringEquals"]
    trust.update(aud or {})
    [risk] = review_of(body).risks
    assert (risk.kind, risk.where) == (risks.UNPINNED_TRUST, "GuestRole")
    assert gap in risk.message


def test_an_exact_string_like_aud_is_pinned_and_a_missing_amr_is_not() -> None:
    body = fixture("base")
    trust = trust_condition(body, "DefaultRole")
    trust["StringLike"] = {AUD: {"Ref": "Pool"}}
    del trust["StringEquals"]
    assert kinds(review_of(body)) == []
    del trust["ForAnyValue:StringLike"]
    [risk] = review_of(body).risks
    assert (risk.kind, risk.where) == (risks.UNPINNED_TRUST, "DefaultRole")
    assert "no amr condition" in risk.message


@pytest.mark.parametrize(
    ("value", "warns"),
    [(False, True), ("false", True), (None, True), ({"Ref": "Check"}, True), ("true", False)],
)
def test_a_user_pool_provider_without_the_server_side_token_check(value: Any, warns: bool) -> None:
    body = fixture("base")
    [entry] = body["Resources"]["Pool"]["Properties"]["CognitoIdentityProviders"]
    entry.pop("ServerSideTokenCheck")
    if value is not None:
        entry["ServerSideTokenCheck"] = value
    found = [(r.kind, r.where) for r in review_of(body).risks]
    assert found == (
        [(risks.TOKEN_CHECK, "Pool / user pool UserPool (client Client)")] if warns else []
    )


def test_self_sign_up_with_group_roles_names_what_strangers_get() -> None:
    body = fixture("base")
    body["Resources"]["UserPool"]["Properties"] = {}  # AllowAdminCreateUserOnly absent: false
    [risk] = review_of(body).risks
    assert (risk.kind, risk.where) == (risks.SELF_SIGN_UP, "UserPool")
    assert "(editors)" in risk.message
    assert "the default authenticated role DefaultRole of Pool" in risk.message
    assert "EditorsRole" not in risk.message  # group membership is the administrators'
    trust_condition(body)["ForAnyValue:StringLike"][AMR] = "authenticated"
    found = {r.kind: r for r in review_of(body).risks}
    assert (
        "EditorsRole (its trust admits any identity of Pool)" in found[risks.SELF_SIGN_UP].message
    )


def test_self_sign_up_without_group_roles_is_not_flagged() -> None:
    body = fixture("base")
    body["Resources"]["UserPool"]["Properties"] = {
        "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": "false"}
    }
    assert kinds(review_of(body)) == [risks.SELF_SIGN_UP]
    del body["Resources"]["EditorsGroup"]["Properties"]["RoleArn"]
    # No group gives EditorsRole now, yet its trust still admits the user pool's identities.
    assert kinds(review_of(body)) == [risks.UNMAPPED_PROVIDER]


# Hostile trusts on the demo's own template: one group role's trust changed as an attacker (or
# a hurried fork) would, each of which STS would honour. Every one must name that role.
def _trust_statement(body: dict[str, Any], logical_id: str) -> dict[str, Any]:
    statement: dict[str, Any] = body["Resources"][logical_id]["Properties"][
        "AssumeRolePolicyDocument"
    ]["Statement"][0]
    return statement


def _amr(value: Any) -> Callable[[dict[str, Any], dict[str, Any]], None]:
    def change(statement: dict[str, Any], pool: dict[str, Any]) -> None:
        statement["Condition"]["ForAnyValue:StringLike"][AMR] = value

    return change


def _developer_amr(statement: dict[str, Any], pool: dict[str, Any]) -> None:
    provider = statement["Condition"]["ForAnyValue:StringLike"][AMR]
    statement["Condition"]["ForAnyValue:StringLike"][AMR] = [
        provider,
        pool["Properties"]["DeveloperProviderName"],
    ]


def _foreign_pool(statement: dict[str, Any], pool: dict[str, Any]) -> None:
    statement["Condition"]["StringEquals"][AUD] = "us-east-1:11111111-2222-3333-4444-555555555555"
    statement["Condition"]["ForAnyValue:StringLike"][AMR] = "authenticated"


def _principal(value: Any) -> Callable[[dict[str, Any], dict[str, Any]], None]:
    def change(statement: dict[str, Any], pool: dict[str, Any]) -> None:
        statement["Principal"] = value

    return change


def _sub_principal(statement: dict[str, Any], pool: dict[str, Any]) -> None:
    statement["Principal"] = {"Federated": {"Fn::Sub": "cognito-identity.${AWS::URLSuffix}"}}
    statement["Condition"]["ForAnyValue:StringLike"][AMR] = "authenticated"


def _not_action(statement: dict[str, Any], pool: dict[str, Any]) -> None:
    statement["NotAction"] = "sts:AssumeRole"
    del statement["Action"]


HOSTILE_TRUSTS = {
    "amr *.* (every provider name, the developer provider's included)": (
        _amr("*.*"),
        risks.UNMAPPED_PROVIDER,
    ),
    "amr *:* (every provider-and-user entry)": (_amr("*:*"), risks.UNMAPPED_PROVIDER),
    "amr naming the developer provider": (_developer_amr, risks.UNMAPPED_PROVIDER),
    "aud of another pool, amr authenticated": (_foreign_pool, risks.FOREIGN_POOL),
    'Principal "*"': (_principal("*"), risks.ANY_PRINCIPAL),
    "Principal AWS *": (_principal({"AWS": "*"}), risks.ANY_PRINCIPAL),
    "Fn::Sub principal with amr authenticated": (_sub_principal, risks.OPEN_TRUST),
    "Fn::Sub principal from a parameter": (
        _principal({"Federated": {"Fn::Sub": "${IdentityProvider}"}}),
        risks.UNREADABLE_PRINCIPAL,
    ),
    "NotAction": (_not_action, risks.TRUST_NOT_ACTION),
}


@pytest.mark.parametrize("variant", list(HOSTILE_TRUSTS))
def test_a_hostile_trust_on_a_group_role_is_named(synth: Synth, variant: str) -> None:
    change, kind = HOSTILE_TRUSTS[variant]
    body = copy.deepcopy(synth.demo.template)
    clean = review_of(body)
    [pool] = clean.pools
    group = next(g for p in pool.providers for g in p.groups if g.role)
    assert group.role is not None
    role = clean.roles[group.role]
    [pool_resource] = [
        r for r in body["Resources"].values() if r["Type"] == "AWS::Cognito::IdentityPool"
    ]
    change(_trust_statement(body, role.logical_id), pool_resource)
    warned = {(r.kind, r.where) for r in review_of(body).risks}
    assert (kind, role.key) in warned
    if kind == risks.UNMAPPED_PROVIDER:
        [risk] = [r for r in review_of(body).risks if r.kind == kind]
        assert f"developer provider {pool.developer_provider}" in risk.message
