"""Warnings: exactly the risks a template has, the shipped config's included."""

from __future__ import annotations

import json
from typing import Any

import pytest

from review import risks
from review.report import StackReview
from tests.review.conftest import fixture, review_of, roles_open_to_any_identity
from tests.support.template import Synth


def kinds(review: StackReview) -> list[str]:
    return sorted(r.kind for r in review.risks)


def test_the_shipped_config_warns_only_of_roles_open_to_any_identity(
    synth: Synth, default_review: StackReview
) -> None:
    """No warning but one per role whose trust admits any signed-in identity (none once the
    group roles pin their providers; expected from the template, not assumed)."""
    body = json.loads(
        (synth.outdir / f"{synth.default_config.stack_name}.template.json").read_text()
    )
    expected = roles_open_to_any_identity(body, default_review.stack)
    assert [(r.kind, r.where) for r in default_review.risks] == [
        (risks.OPEN_TRUST, name) for name in expected
    ]


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
    open_roles = roles_open_to_any_identity(all_providers, providers_review.stack)
    assert kinds(providers_review) == sorted(
        [risks.PARTIAL, risks.PARTIAL, risks.PARTIAL, risks.TWITTER_SECRET]
        + [risks.OPEN_TRUST] * len(open_roles)
    )
    assert [r.where for r in providers_review.risks if r.kind == risks.OPEN_TRUST] == open_roles


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
