"""Warnings: none for the shipped config; exactly the risks a template has."""

from __future__ import annotations

from typing import Any

from review import risks
from review.report import StackReview
from tests.review.conftest import fixture, review_of


def kinds(review: StackReview) -> list[str]:
    return sorted(r.kind for r in review.risks)


def test_the_shipped_config_gives_no_warnings(default_review: StackReview) -> None:
    assert default_review.risks == []


def test_guest_a_contains_rule_and_a_wildcard_action_give_exactly_those_warnings() -> None:
    review = review_of(fixture("risky"))
    assert kinds(review) == sorted([risks.GUEST, risks.PARTIAL, risks.WILDCARD])
    by_kind = {r.kind: r for r in review.risks}
    assert "s3:Get*" in by_kind[risks.WILDCARD].message
    assert by_kind[risks.WILDCARD].where == "GuestRole"
    assert "Contains" in by_kind[risks.PARTIAL].message


def test_all_providers_example_warns_of_partial_matches_and_the_twitter_secret(
    providers_review: StackReview,
) -> None:
    assert kinds(providers_review) == sorted(
        [risks.PARTIAL, risks.PARTIAL, risks.PARTIAL, risks.TWITTER_SECRET]
    )


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
