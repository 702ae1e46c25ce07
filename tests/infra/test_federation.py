"""User pool federation (docs/examples/all-providers.json): IdPs, the federated client."""

from __future__ import annotations

import copy
import json

import pytest

from infra.config import (
    WRITABLE,
    ConfigError,
    parse_config,
    refuse_mapped_attributes_writable_by_users,
)
from tests.conftest import ALL_PROVIDERS
from tests.support.invariants import lambda_permission_violations
from tests.support.template import Template, only, resources


def clients(template: Template) -> dict[str, dict]:
    return {
        logical_id: client["Properties"]
        for logical_id, client in resources(template, "AWS::Cognito::UserPoolClient").items()
    }


def federated(template: Template) -> tuple[str, dict]:
    [found] = [(k, v) for k, v in clients(template).items() if "Federated" in k]
    return found


def test_federated_client_takes_idps_only_and_cannot_update_attributes(
    all_providers: Template,
) -> None:
    _, client = federated(all_providers)
    idps = resources(all_providers, "AWS::Cognito::UserPoolIdentityProvider")
    assert sorted(client["SupportedIdentityProviders"], key=repr) == sorted(
        ({"Ref": logical_id} for logical_id in idps), key=repr
    )
    assert "COGNITO" not in client["SupportedIdentityProviders"]
    assert sorted(client["WriteAttributes"]) == ["custom:idp_groups", "email"]
    assert client["AllowedOAuthScopes"] == ["openid", "email", "profile"]
    assert "aws.cognito.signin.user.admin" not in client["AllowedOAuthScopes"]
    assert client["ExplicitAuthFlows"] == ["ALLOW_REFRESH_TOKEN_AUTH"]
    assert client["CallbackURLs"] == [
        "https://app.example.com/callback",
        "http://localhost:5173/callback",
    ]
    assert client["LogoutURLs"] == ["https://app.example.com/"]


def test_native_client_cannot_write_mapped_attributes(all_providers: Template) -> None:
    [native] = [v for k, v in clients(all_providers).items() if "Federated" not in k]
    assert not {"email", "custom:idp_groups"} & set(native["WriteAttributes"])


def test_idps_map_their_groups_into_the_attribute_the_hook_reads(
    all_providers: Template,
) -> None:
    mapped = {
        idp["Properties"]["ProviderName"]: idp["Properties"]["AttributeMapping"]
        for idp in resources(all_providers, "AWS::Cognito::UserPoolIdentityProvider").values()
    }
    assert mapped["CorpSaml"]["custom:idp_groups"] == "http://schemas.xmlsoap.org/claims/Group"
    assert mapped["CorpOidc"]["custom:idp_groups"] == "groups"


def test_oidc_client_secret_stays_in_secrets_manager(all_providers: Template) -> None:
    [oidc] = [
        idp
        for idp in resources(all_providers, "AWS::Cognito::UserPoolIdentityProvider").values()
        if idp["Properties"]["ProviderType"] == "OIDC"
    ]
    secret = oidc["Properties"]["ProviderDetails"]["client_secret"]
    assert secret.startswith("{{resolve:secretsmanager:allproviders/corp-oidc-client-secret")


def test_federated_tokens_also_use_token_mapping(all_providers: Template) -> None:
    federated_id, _ = federated(all_providers)
    _, attachment = only(all_providers, "AWS::Cognito::IdentityPoolRoleAttachment")
    mapping = attachment["Properties"]["RoleMappings"]["UserPoolFederated"]
    assert mapping["Type"] == "Token" and mapping["AmbiguousRoleResolution"] == "Deny"
    assert {"Ref": federated_id} in mapping["IdentityProvider"]["Fn::Join"][1]
    _, pool = only(all_providers, "AWS::Cognito::IdentityPool")
    providers = pool["Properties"]["CognitoIdentityProviders"]
    assert len(providers) == 2 and all(p["ServerSideTokenCheck"] for p in providers)


def test_domain_for_managed_login_carries_the_stage(all_providers: Template) -> None:
    # Domain prefixes are unique in a region: each stage needs its own.
    _, domain = only(all_providers, "AWS::Cognito::UserPoolDomain")
    assert domain["Properties"]["Domain"] == "allproviders-example-login-sandbox"


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


def test_the_pool_runs_both_triggers(all_providers: Template) -> None:
    """The trigger is set on the L1 beside the hook the L2 writes: both must survive."""
    _, pool = only(all_providers, "AWS::Cognito::UserPool")
    config = pool["Properties"]["LambdaConfig"]
    functions = resources(all_providers, "AWS::Lambda::Function")
    [trigger] = [k for k in functions if k.startswith("InboundFederationTrigger")]
    [hook] = [k for k in functions if k.startswith("TokenHook")]
    assert config["InboundFederation"] == {
        "LambdaArn": {"Fn::GetAtt": [trigger, "Arn"]},
        "LambdaVersion": "V1_0",
    }
    assert config["PreTokenGenerationConfig"]["LambdaArn"] == {"Fn::GetAtt": [hook, "Arn"]}


def test_no_trigger_without_federation(template: Template) -> None:
    _, pool = only(template, "AWS::Cognito::UserPool")
    assert "InboundFederation" not in pool["Properties"]["LambdaConfig"]


def test_only_this_pool_in_this_account_invokes_the_trigger(all_providers: Template) -> None:
    [(pool_id, _)] = resources(all_providers, "AWS::Cognito::UserPool").items()
    permissions = [
        p["Properties"]
        for p in resources(all_providers, "AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"]["Fn::GetAtt"][0].startswith("InboundFederation")
    ]
    assert permissions == [
        {
            "Action": "lambda:InvokeFunction",
            "FunctionName": permissions[0]["FunctionName"],
            "Principal": "cognito-idp.amazonaws.com",
            "SourceArn": {"Fn::GetAtt": [pool_id, "Arn"]},
            "SourceAccount": {"Ref": "AWS::AccountId"},
        }
    ]
    assert lambda_permission_violations(all_providers) == []


def test_the_trigger_gets_each_idps_own_table(all_providers: Template) -> None:
    [trigger] = [
        f["Properties"]
        for k, f in resources(all_providers, "AWS::Lambda::Function").items()
        if k.startswith("InboundFederationTrigger")
    ]
    settings = json.loads(trigger["Environment"]["Variables"]["TRIGGER_CONFIG"])
    assert settings["providers"]["CorpSaml"]["groupMap"] == {
        "Domain Admins": "admins",
        "App Editors": "editors",
        "App Viewers": "viewers",
    }
    assert settings["providers"]["CorpOidc"] == {
        "type": "OIDC",
        "groupsAttribute": "groups",
        "emailAttribute": "email",
        "groupMap": {"viewers": "viewers"},
    }


def test_federated_refresh_tokens_live_as_long_as_configured(all_providers: Template) -> None:
    """A refresh reissues the last federated sign-in's groups: this bounds how long."""
    _, client = federated(all_providers)
    assert client["RefreshTokenValidity"] == 60
    assert client["TokenValidityUnits"]["RefreshToken"] == "minutes"
