"""External providers (docs/examples/all-providers.json): logins, rules, tags, config errors."""

from __future__ import annotations

import copy
import json

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Match, Template

from infra.config import (
    MAX_RULES,
    ConfigError,
    ProvidersConfig,
    TwitterConfig,
    cdk_json_context,
    parse_config,
)
from infra.external_providers import ExternalProviders
from tests.infra.test_principal_tags import trusts_tag_session
from tests.support.session_synth import ALL_PROVIDERS, TWITTER_SECRET
from tests.support.template import Synth, Synthesized, pool_role
from tests.test_app import config_error

ATTACHMENT = "AWS::Cognito::IdentityPoolRoleAttachment"


def example() -> dict:
    return json.loads(ALL_PROVIDERS.read_text())


def test_default_config_has_no_external_provider(assertions: Template) -> None:
    assertions.has_resource_properties(
        "AWS::Cognito::IdentityPool",
        {
            "SupportedLoginProviders": Match.absent(),
            "OpenIdConnectProviderARNs": Match.absent(),
            "SamlProviderARNs": Match.absent(),
        },
    )
    assertions.has_resource_properties(
        ATTACHMENT, {"RoleMappings": Match.object_equals({"UserPool": Match.any_value()})}
    )
    assertions.resource_count_is("AWS::IAM::OIDCProvider", 0)
    assertions.resource_count_is("AWS::IAM::SAMLProvider", 0)


def test_every_provider_is_a_login_provider(providers_assertions: Template) -> None:
    template = providers_assertions  # the all-providers example
    oidc_id = template.get_resource_id("AWS::IAM::OIDCProvider")
    template.has_resource_properties("AWS::IAM::OIDCProvider", {"Url": "https://idp.example.com"})
    saml_id = template.get_resource_id("AWS::IAM::SAMLProvider")
    template.has_resource_properties(
        "AWS::IAM::SAMLProvider", {"Name": "allproviders-sandbox-ExampleCorp"}
    )
    template.resource_count_is("AWS::Cognito::IdentityPool", 1)
    template.has_resource_properties(
        "AWS::Cognito::IdentityPool",
        {
            "SupportedLoginProviders": Match.exact(
                {
                    "accounts.google.com": "000000000000-example.apps.googleusercontent.com",
                    "graph.facebook.com": "000000000000000",
                    "www.amazon.com": "amzn1.application.00000000000000000000000000000000",
                    "appleid.apple.com": "com.example.signin",
                    # CloudFormation takes Twitter's secret in plain text (docs/providers.md).
                    "api.twitter.com": f"example-consumer-key;{TWITTER_SECRET}",
                }
            ),
            "OpenIdConnectProviderARNs": [{"Ref": oidc_id}],
            "SamlProviderARNs": [{"Ref": saml_id}],
        },
    )


def group_role(stack: Synthesized, group: str) -> dict:
    """The ARN of a group's role, which the config names ``<appName>-<stage>-<group>``."""
    name = stack.config.group_role_name(group)
    role_id = stack.assertions.get_resource_id("AWS::IAM::Role", {"Properties": {"RoleName": name}})
    return {"Fn::GetAtt": [role_id, "Arn"]}


def test_rules_mappings_in_order_with_deny(synth: Synth) -> None:
    stack = synth.providers
    saml_id = stack.assertions.get_resource_id("AWS::IAM::SAMLProvider")

    def rules(provider: object, *in_order: dict) -> dict:
        return {
            "Type": "Rules",
            "AmbiguousRoleResolution": "Deny",
            "IdentityProvider": provider,
            "RulesConfiguration": {"Rules": list(in_order)},
        }

    def rule(claim: str, match_type: str, value: str, group: str) -> dict:
        return {
            "Claim": claim,
            "MatchType": match_type,
            "Value": value,
            "RoleARN": group_role(stack, group),
        }

    stack.assertions.resource_count_is(ATTACHMENT, 1)
    stack.assertions.has_resource_properties(
        ATTACHMENT,
        {
            "RoleMappings": Match.object_equals(
                {
                    "UserPool": Match.any_value(),
                    "UserPoolFederated": Match.any_value(),
                    "accounts.google.com": rules(
                        "accounts.google.com", rule("hd", "Equals", "example.com", "editors")
                    ),
                    "idp.example.com": rules(
                        "idp.example.com",
                        rule("groups", "Equals", "admins", "admins"),
                        rule("groups", "Contains", "staff", "viewers"),
                    ),
                    "SamlExampleCorp": rules(
                        {"Ref": saml_id},
                        rule(
                            "https://aws.amazon.com/SAML/Attributes/Role",
                            "StartsWith",
                            "corp-viewer",
                            "viewers",
                        ),
                    ),
                }
            )
        },
    )


def test_principal_tag_maps_per_provider(providers_assertions: Template) -> None:
    tag = "AWS::Cognito::IdentityPoolPrincipalTag"
    providers_assertions.resource_count_is(tag, 2)  # Google's and the user pool's
    providers_assertions.has_resource_properties(
        tag,
        {
            "IdentityProviderName": "accounts.google.com",
            "PrincipalTags": Match.exact({"tenant": "hd"}),
        },
    )
    providers_assertions.all_resources_properties(tag, {"UseDefaults": False})


def test_tag_session_where_tags_flow(providers_assertions: Template) -> None:
    trust = trusts_tag_session(providers_assertions)
    assert {k for k, v in trust.items() if not v} == {
        pool_role(providers_assertions, "unauthenticated")
    }


def with_providers(**providers: object) -> dict:
    raw = copy.deepcopy(example())
    raw["providers"] = providers
    return raw


GOOGLE = {"clientId": "x.apps.googleusercontent.com"}


def loose_rule(match_type: str, role: str) -> dict[str, str]:
    return {"claim": "hd", "matchType": match_type, "value": "corp", "role": role}


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
        *(
            (
                {"google": {**GOOGLE, "rules": [loose_rule(match_type, "admins")]}},
                rf"providers\.google\.rules\[0\]\.matchType: {match_type} 'corp' gives the "
                r"admin-preset role of 'admins' to values other than 'corp' too",
            )
            for match_type in ("Contains", "StartsWith", "NotEqual")
        ),
        (
            {
                "google": {
                    **GOOGLE,
                    "rules": [{**loose_rule("Contains", "admins"), "acknowledgeLooseMatch": "ok"}],
                }
            },
            r"providers\.google\.rules\[0\]\.acknowledgeLooseMatch: 'ok' is not a reason of 20 to "
            r"500 characters",
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


def saml_and_oidc_names(template: Template) -> set[str]:
    names = {
        str(resource["Properties"]["Name"])
        for resource in template.find_resources("AWS::IAM::SAMLProvider").values()
    }
    return names | {
        str(resource["Properties"]["Url"])
        for resource in template.find_resources("AWS::IAM::OIDCProvider").values()
    }


def test_a_second_stage_in_the_account_shares_no_provider_name_with_the_first(
    synth: Synth,
) -> None:
    """IAM holds one SAML provider per name and one OIDC provider per issuer URL in an account:
    the second stage's SAML provider carries its stage, and it imports the first stage's OIDC
    provider by ARN instead of creating a second one."""
    first = synth.providers
    raw = example()
    raw["stage"] = "dev-bob"
    oidc = raw["providers"]["oidc"][0]
    issuer = oidc["issuerUrl"].removeprefix("https://")
    del oidc["clientIds"], oidc["thumbprints"]
    oidc["providerArn"] = f"arn:aws:iam::123456789012:oidc-provider/{issuer}"
    second = parse_config(raw)
    stack = Stack(App(), "SecondStage")
    external = ExternalProviders(
        stack,
        "Providers",
        config=second.providers,
        twitter_secret=TWITTER_SECRET,
        saml_names={saml.name: second.saml_provider_name(saml) for saml in second.providers.saml},
    )
    template = Template.from_stack(stack)
    first_names = saml_and_oidc_names(first.assertions)
    assert len(first_names) == 2, "the first stage creates a SAML and an OIDC provider"
    second_names = saml_and_oidc_names(template)
    assert second_names == {f"{second.stack_name}-ExampleCorp"}
    assert first_names & second_names == set()
    template.resource_count_is("AWS::IAM::OIDCProvider", 0)
    [imported] = external.oidc_providers
    assert stack.resolve(imported.oidc_provider_arn) == oidc["providerArn"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"providerArn": "arn:aws:iam::123456789012:oidc-provider/other.example.com"},
            r"providers\.oidc\[0\]\.providerArn: names the provider of 'other\.example\.com', "
            r"and issuerUrl is 'https://idp\.example\.com'",
        ),
        (
            {"providerArn": "arn:aws:iam::123456789012:oidc-provider/idp.example.com"},
            r"providers\.oidc\[0\]\.clientIds: belongs to the provider providerArn names",
        ),
        (
            {
                "providerArn": "arn:aws:iam::123456789012:oidc-provider/idp.example.com",
                "clientIds": [],
                "thumbprints": [],
                "__account": "210987654321",
            },
            r"providers\.oidc\[0\]\.providerArn: is in account 123456789012, and the stack in "
            r"210987654321",
        ),
        (
            {"providerArn": "arn:aws:iam::123:oidc-provider/idp.example.com"},
            r"providers\.oidc\[0\]\.providerArn: 'arn:aws:iam::123:oidc-provider/"
            r"idp\.example\.com' is not the ARN of an IAM OIDC provider",
        ),
    ],
)
def test_an_imported_oidc_provider_must_be_this_issuers_in_this_account(
    change: dict, expected: str
) -> None:
    raw = example()
    account = change.pop("__account", None)
    if account:
        raw["account"] = account
    raw["providers"]["oidc"][0].update(change)
    with pytest.raises(ConfigError, match=rf"^config\.{expected}"):
        parse_config(raw)


def test_a_saml_provider_name_too_long_with_its_stage_names_the_key() -> None:
    raw = example()
    raw["providers"]["saml"][0]["name"] = "S" * 120
    with pytest.raises(ConfigError, match=r"^config\.providers\.saml\[0\]\.name: makes the IAM"):
        parse_config(raw)
    # A stage deployed before names carried the stage keeps its provider (and so its SAML
    # users' identity ids) by naming it.
    raw["providers"]["saml"][0]["iamName"] = "ExampleCorp"
    config = parse_config(raw)
    assert config.saml_provider_name(config.providers.saml[0]) == "ExampleCorp"


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


def test_a_loose_match_gives_an_admin_role_only_when_acknowledged_and_others_freely() -> None:
    reason = "Our IdP's hd claim is one of three fixed domains; none contains another."
    acknowledged = {**loose_rule("Contains", "admins"), "acknowledgeLooseMatch": reason}
    viewer = loose_rule("NotEqual", "viewers")
    config = parse_config(with_providers(google={**GOOGLE, "rules": [acknowledged, viewer]}))
    assert config.providers.google is not None
    [admin_rule, viewer_rule] = config.providers.google.rules
    assert admin_rule.acknowledge_loose_match == reason
    assert viewer_rule.acknowledge_loose_match is None
