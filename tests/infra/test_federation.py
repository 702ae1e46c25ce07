"""User pool federation (docs/examples/all-providers.json): IdPs, the federated client."""

from __future__ import annotations

import copy
import json

import pytest
from aws_cdk.assertions import Capture, Match, Template

from infra.config import (
    WRITABLE,
    ConfigError,
    parse_config,
    refuse_mapped_attributes_writable_by_users,
)
from infra.monitoring import HOOK_SERVICE
from tests.support.invariants import lambda_permission_violations
from tests.support.session_synth import ALL_PROVIDERS
from tests.support.template import (
    COGNITO_IDP,
    Synth,
    has_only_permission,
    invoke_permission,
    service_function,
)

CLIENT = "AWS::Cognito::UserPoolClient"
IDP = "AWS::Cognito::UserPoolIdentityProvider"
# Only the federated client signs in through OAuth (managed login); the native one uses SRP.
FEDERATED = {"AllowedOAuthFlowsUserPoolClient": True}
NATIVE = {"AllowedOAuthFlowsUserPoolClient": False}
TRIGGER_SERVICE = "inbound-federation"
TRIGGER = service_function(TRIGGER_SERVICE)
HOOK = service_function(HOOK_SERVICE)


def test_federated_client_takes_idps_only_and_cannot_update_attributes(
    providers_assertions: Template,
) -> None:
    idps = providers_assertions.find_resources(IDP)
    supported, writes = Capture(), Capture()
    providers_assertions.has_resource_properties(
        CLIENT,
        {
            **FEDERATED,
            "SupportedIdentityProviders": supported,  # no COGNITO: only the IdPs
            "WriteAttributes": writes,
            # no aws.cognito.signin.user.admin: its tokens cannot update attributes
            "AllowedOAuthScopes": ["openid", "email", "profile"],
            "ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH"],
            "CallbackURLs": ["https://app.example.com/callback", "http://localhost:5173/callback"],
            "LogoutURLs": ["https://app.example.com/"],
        },
    )
    assert sorted(supported.as_array(), key=repr) == sorted(
        ({"Ref": logical_id} for logical_id in idps), key=repr
    )
    assert sorted(writes.as_array()) == ["custom:idp_groups", "email"]


def test_native_client_cannot_write_mapped_attributes(providers_assertions: Template) -> None:
    providers_assertions.resource_properties_count_is(CLIENT, NATIVE, 1)
    writes = Capture()
    providers_assertions.has_resource_properties(CLIENT, {**NATIVE, "WriteAttributes": writes})
    assert not {"email", "custom:idp_groups"} & set(writes.as_array())


def test_idps_map_their_groups_into_the_attribute_the_hook_reads(
    providers_assertions: Template,
) -> None:
    for idp, claim in (
        ("CorpSaml", "http://schemas.xmlsoap.org/claims/Group"),
        ("CorpOidc", "groups"),
    ):
        providers_assertions.has_resource_properties(
            IDP, {"ProviderName": idp, "AttributeMapping": {"custom:idp_groups": claim}}
        )


def test_oidc_client_secret_stays_in_secrets_manager(providers_assertions: Template) -> None:
    oidc = {"ProviderType": "OIDC"}
    providers_assertions.resource_properties_count_is(IDP, oidc, 1)
    reference = r"^\{\{resolve:secretsmanager:allproviders/corp-oidc-client-secret"
    providers_assertions.has_resource_properties(
        IDP,
        {**oidc, "ProviderDetails": {"client_secret": Match.string_like_regexp(reference)}},
    )


def test_federated_tokens_also_use_token_mapping(providers_assertions: Template) -> None:
    template = providers_assertions
    pool_id = template.get_resource_id("AWS::Cognito::UserPool")
    native_id = template.get_resource_id(CLIENT, {"Properties": NATIVE})
    federated_id = template.get_resource_id(CLIENT, {"Properties": FEDERATED})
    mapping = {
        "Type": "Token",
        "AmbiguousRoleResolution": "Deny",
        "IdentityProvider": {
            "Fn::Join": [
                "",
                [{"Fn::GetAtt": [pool_id, "ProviderName"]}, ":", {"Ref": federated_id}],
            ]
        },
    }
    template.has_resource_properties(
        "AWS::Cognito::IdentityPoolRoleAttachment",
        {"RoleMappings": {"UserPoolFederated": Match.object_equals(mapping)}},
    )
    template.has_resource_properties(
        "AWS::Cognito::IdentityPool",
        {
            "CognitoIdentityProviders": [
                {"ClientId": {"Ref": native_id}, "ServerSideTokenCheck": True},
                {"ClientId": {"Ref": federated_id}, "ServerSideTokenCheck": True},
            ]
        },
    )


def test_domain_for_managed_login_carries_the_stage(providers_assertions: Template) -> None:
    # Domain prefixes are unique in a region: each stage needs its own.
    providers_assertions.resource_count_is("AWS::Cognito::UserPoolDomain", 1)
    providers_assertions.has_resource_properties(
        "AWS::Cognito::UserPoolDomain", {"Domain": "allproviders-example-login-sandbox"}
    )


def test_native_client_writing_a_mapped_attribute_fails_the_synth() -> None:
    # WRITABLE is code, not config: the rule is attacked with the write list a fork might have.
    refuse_mapped_attributes_writable_by_users(frozenset(WRITABLE))
    with pytest.raises(ConfigError, match=r"^config\.federation: the native app client may write"):
        refuse_mapped_attributes_writable_by_users(frozenset({*WRITABLE, "email"}))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"domainPrefix": "my-cognito-login"}, r"federation\.domainPrefix: .* reserves"),
        ({"saml": [], "oidc": []}, r"federation: has no identity provider"),
        (
            {"callbackUrls": ["http://app.example.com/cb"]},
            r"federation\.callbackUrls\[0\]: .* is not",
        ),
        ({"callbackUrls": []}, r"federation\.callbackUrls: is empty"),
        ({"refreshTokenHours": 0}, r"federation\.refreshTokenHours: 0 is out of range"),
        ({"refreshTokenHours": 721}, r"federation\.refreshTokenHours: 721 is out of range"),
    ],
)
def test_federation_config_errors(change: dict, expected: str) -> None:
    raw = copy.deepcopy(json.loads(ALL_PROVIDERS.read_text()))
    raw["federation"] = {**raw["federation"], **change}
    with pytest.raises(ConfigError, match=rf"^config\.{expected}"):
        parse_config(raw)


def idp_maps(raw: dict, kind: str) -> dict:
    return raw["federation"][kind][0].setdefault("groupMap", {})


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda raw: idp_maps(raw, "saml").update({"Domain Admins": "root"}),
            r"federation\.saml\[0\]\.groupMap\.Domain Admins: 'root' is not a configured group",
        ),
        (
            lambda raw: idp_maps(raw, "oidc").update({"Admins": "root"}),
            r"federation\.oidc\[0\]\.groupMap\.Admins: 'root' is not a configured group",
        ),
        (
            lambda raw: idp_maps(raw, "saml").update({" Admins": "admins"}),
            r"federation\.saml\[0\]\.groupMap\. Admins: is not an IdP group name",
        ),
        (
            lambda raw: raw["tokenHook"].update(idpGroupMap={"Admins": "admins"}),
            r"tokenHook\.idpGroupMap: has moved.*groupMap of the IdP that asserts it",
        ),
    ],
)
def test_group_map_errors_name_the_key_and_the_fix(change, expected: str) -> None:
    raw = copy.deepcopy(json.loads(ALL_PROVIDERS.read_text()))
    change(raw)
    with pytest.raises(ConfigError, match=rf"^config\.{expected}"):
        parse_config(raw)


def test_the_pool_runs_both_triggers(providers_assertions: Template) -> None:
    """The trigger is set on the L1 beside the hook the L2 writes: both must survive."""
    template = providers_assertions
    trigger = template.get_resource_id("AWS::Lambda::Function", {"Properties": TRIGGER})
    hook = template.get_resource_id("AWS::Lambda::Function", {"Properties": HOOK})
    template.resource_count_is("AWS::Cognito::UserPool", 1)
    template.has_resource_properties(
        "AWS::Cognito::UserPool",
        {
            "LambdaConfig": {
                "InboundFederation": Match.object_equals(
                    {"LambdaArn": {"Fn::GetAtt": [trigger, "Arn"]}, "LambdaVersion": "V1_0"}
                ),
                "PreTokenGenerationConfig": {"LambdaArn": {"Fn::GetAtt": [hook, "Arn"]}},
            }
        },
    )


def test_no_trigger_without_federation(assertions: Template) -> None:
    assertions.resource_count_is("AWS::Cognito::UserPool", 1)
    assertions.has_resource_properties(
        "AWS::Cognito::UserPool", {"LambdaConfig": {"InboundFederation": Match.absent()}}
    )


def test_only_this_pool_in_this_account_invokes_the_trigger(synth: Synth) -> None:
    template = synth.providers.assertions
    pool_id = template.get_resource_id("AWS::Cognito::UserPool")
    trigger = template.get_resource_id("AWS::Lambda::Function", {"Properties": TRIGGER})
    pool = {"Fn::GetAtt": [pool_id, "Arn"]}
    has_only_permission(template, invoke_permission(trigger, COGNITO_IDP, pool))
    assert lambda_permission_violations(synth.providers.template) == []


def test_the_trigger_gets_each_idps_own_table(providers_assertions: Template) -> None:
    providers = {
        "CorpSaml": {
            "groupMap": Match.exact(
                {
                    "Domain Admins": "admins",
                    "App Editors": "editors",
                    "App Viewers": "viewers",
                }
            )
        },
        "CorpOidc": Match.exact(
            {
                "type": "OIDC",
                "groupsAttribute": "groups",
                "emailAttribute": "email",
                "groupMap": {"viewers": "viewers"},
            }
        ),
    }
    settings = Match.serialized_json(Match.object_like({"providers": providers}))
    providers_assertions.has_resource_properties(
        "AWS::Lambda::Function", service_function(TRIGGER_SERVICE, TRIGGER_CONFIG=settings)
    )


def test_federated_refresh_tokens_live_as_long_as_configured(
    providers_assertions: Template,
) -> None:
    """A refresh reissues the last federated sign-in's groups: this bounds how long."""
    providers_assertions.has_resource_properties(
        CLIENT,
        {
            **FEDERATED,
            "RefreshTokenValidity": 60,
            "TokenValidityUnits": {"RefreshToken": "minutes"},
        },
    )
