"""External providers (docs/examples/all-providers.json): logins, rules, tags, config errors."""

from __future__ import annotations

import copy
import json

import pytest
from aws_cdk import App, Stack

from infra.config import (
    MAX_RULES,
    ConfigError,
    ProvidersConfig,
    TwitterConfig,
    cdk_json_context,
    parse_config,
)
from infra.external_providers import ExternalProviders
from tests.conftest import ALL_PROVIDERS, TWITTER_SECRET
from tests.infra.test_principal_tags import trusts_tag_session
from tests.infra.test_sample_bucket import role_of
from tests.support.template import Template, only, resources
from tests.test_app import config_error


def pool(template: Template) -> dict:
    return only(template, "AWS::Cognito::IdentityPool")[1]["Properties"]


def mappings(template: Template) -> dict:
    return only(template, "AWS::Cognito::IdentityPoolRoleAttachment")[1]["Properties"][
        "RoleMappings"
    ]


def example() -> dict:
    return json.loads(ALL_PROVIDERS.read_text())


def test_default_config_has_no_external_provider(template: Template) -> None:
    properties = pool(template)
    for key in ("SupportedLoginProviders", "OpenIdConnectProviderARNs", "SamlProviderARNs"):
        assert key not in properties
    assert set(mappings(template)) == {"UserPool"}
    assert not resources(template, "AWS::IAM::OIDCProvider")
    assert not resources(template, "AWS::IAM::SAMLProvider")


def test_every_provider_is_a_login_provider(all_providers: Template) -> None:
    properties = pool(all_providers)
    assert properties["SupportedLoginProviders"] == {
        "accounts.google.com": "000000000000-example.apps.googleusercontent.com",
        "graph.facebook.com": "000000000000000",
        "www.amazon.com": "amzn1.application.00000000000000000000000000000000",
        "appleid.apple.com": "com.example.signin",
        # CloudFormation takes Twitter's secret in plain text (docs/providers.md).
        "api.twitter.com": f"example-consumer-key;{TWITTER_SECRET}",
    }
    oidc_id, oidc = only(all_providers, "AWS::IAM::OIDCProvider")
    assert oidc["Properties"]["Url"] == "https://idp.example.com"
    assert properties["OpenIdConnectProviderARNs"] == [{"Ref": oidc_id}]
    saml_id, saml = only(all_providers, "AWS::IAM::SAMLProvider")
    assert saml["Properties"]["Name"] == "ExampleCorp"
    assert properties["SamlProviderARNs"] == [{"Ref": saml_id}]


def role_ref(template: Template, group: str) -> dict:
    return {"Fn::GetAtt": [role_of(template, group), "Arn"]}


def test_rules_mappings_in_order_with_deny(all_providers: Template) -> None:
    found = mappings(all_providers)
    assert set(found) == {
        "UserPool",
        "UserPoolFederated",
        "accounts.google.com",
        "idp.example.com",
        "SamlExampleCorp",
    }
    assert found["accounts.google.com"] == {
        "Type": "Rules",
        "AmbiguousRoleResolution": "Deny",
        "IdentityProvider": "accounts.google.com",
        "RulesConfiguration": {
            "Rules": [
                {
                    "Claim": "hd",
                    "MatchType": "Equals",
                    "Value": "example.com",
                    "RoleARN": role_ref(all_providers, "editors"),
                }
            ]
        },
    }
    oidc_rules = found["idp.example.com"]["RulesConfiguration"]["Rules"]
    assert [(r["Value"], r["RoleARN"]) for r in oidc_rules] == [
        ("admins", role_ref(all_providers, "admins")),
        ("staff", role_ref(all_providers, "viewers")),
    ]
    saml_id, _ = only(all_providers, "AWS::IAM::SAMLProvider")
    assert found["SamlExampleCorp"]["IdentityProvider"] == {"Ref": saml_id}
    assert found["SamlExampleCorp"]["AmbiguousRoleResolution"] == "Deny"
    assert found["SamlExampleCorp"]["RulesConfiguration"]["Rules"] == [
        {
            "Claim": "https://aws.amazon.com/SAML/Attributes/Role",
            "MatchType": "StartsWith",
            "Value": "corp-viewer",
            "RoleARN": role_ref(all_providers, "viewers"),
        }
    ]


def test_principal_tag_maps_per_provider(all_providers: Template) -> None:
    tags = {
        repr(t["Properties"]["IdentityProviderName"]): t["Properties"]["PrincipalTags"]
        for t in resources(all_providers, "AWS::Cognito::IdentityPoolPrincipalTag").values()
    }
    assert tags["'accounts.google.com'"] == {"tenant": "hd"}
    assert len(tags) == 2  # Google's and the user pool's
    for t in resources(all_providers, "AWS::Cognito::IdentityPoolPrincipalTag").values():
        assert t["Properties"]["UseDefaults"] is False


def test_tag_session_where_tags_flow(all_providers: Template) -> None:
    trust = trusts_tag_session(all_providers)
    assert {k for k, v in trust.items() if not v} == {role_of(all_providers, "guest")}


def with_providers(**providers: object) -> dict:
    raw = copy.deepcopy(example())
    raw["providers"] = providers
    return raw


GOOGLE = {"clientId": "x.apps.googleusercontent.com"}


@pytest.mark.parametrize(
    ("providers", "expected"),
    [
        (
            {
                "google": {
                    **GOOGLE,
                    "rules": [
                        {
                            "claim": "hd",
                            "matchType": "Equals",
                            "value": f"d{i}.com",
                            "role": "viewers",
                        }
                        for i in range(MAX_RULES + 1)
                    ],
                }
            },
            r"providers\.google\.rules: has 26 rules; Cognito allows 25",
        ),
        (
            {
                "google": {
                    **GOOGLE,
                    "rules": [
                        {
                            "claim": "email",
                            "matchType": "Equals",
                            "value": "a@b.c",
                            "role": "admins",
                        }
                    ],
                }
            },
            r"providers\.google\.rules\[0\]\.claim: google identities do not carry 'email' as a "
            r"claim only the provider sets; a rule or tag on a claim the user controls",
        ),
        (
            {"facebook": {"appId": "1", "principalTags": {"tenant": "name"}}},
            r"providers\.facebook\.principalTags\.tenant: facebook identities do not carry 'name'",
        ),
        (
            {
                "oidc": [
                    {
                        "issuerUrl": "https://idp.example.com",
                        "clientIds": ["c"],
                        "rules": [
                            {
                                "claim": "groups",
                                "matchType": "Equals",
                                "value": "x",
                                "role": "admins",
                            }
                        ],
                    }
                ]
            },
            r"providers\.oidc\[0\]\.rules\[0\]\.claim: .*list the IdP-asserted claims in "
            r"trustedClaims",
        ),
        (
            {
                "google": {
                    **GOOGLE,
                    "rules": [
                        {"claim": "hd", "matchType": "Equals", "value": "x.com", "role": "root"}
                    ],
                }
            },
            r"providers\.google\.rules\[0\]\.role: 'root' is neither a configured group",
        ),
        (
            {
                "google": {
                    **GOOGLE,
                    "rules": [
                        {"claim": "hd", "matchType": "Like", "value": "x.com", "role": "admins"}
                    ],
                }
            },
            r"providers\.google\.rules\[0\]\.matchType: unknown value 'Like'",
        ),
        (
            {"twitter": {"consumerKey": "k", "consumerSecret": "committed!"}},
            r"providers\.twitter\.consumerSecret: a secret must never be written into a "
            r"committed file",
        ),
        ({"myspace": {"id": "x"}}, r"providers\.myspace: is not a known key"),
        (
            {"saml": [{"name": "Corp", "metadataFile": "nope.xml"}]},
            r"providers\.saml\[0\]\.metadataFile: 'nope\.xml' is not a file",
        ),
        ({"google": {}}, r"providers\.google\.clientId: is missing"),
    ],
)
def test_provider_config_errors(providers: dict, expected: str) -> None:
    with pytest.raises(ConfigError, match=rf"^config\.{expected}"):
        parse_config(with_providers(**providers))


def test_twitter_without_a_secret_at_synth_fails_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TWITTER_CONSUMER_SECRET", raising=False)
    error = config_error({**cdk_json_context(), "configFile": str(ALL_PROVIDERS)})
    assert "config.providers.twitter: needs its consumer secret at synth" in error


def test_the_construct_alone_refuses_twitter_without_its_secret() -> None:
    # The synth stops earlier with a ConfigError; this is the construct's own contract.
    stack = Stack(App(), "Bare")
    providers = ProvidersConfig(twitter=TwitterConfig(consumer_key="k"))
    with pytest.raises(ValueError, match="twitter_secret is required"):
        ExternalProviders(stack, "WithoutSecret", config=providers)
    ExternalProviders(stack, "WithSecret", config=providers, twitter_secret=TWITTER_SECRET)
