"""User pool federation (docs/examples/all-providers.json): IdPs, the federated client."""

from __future__ import annotations

import copy
import json

import pytest

from infra.config import ConfigError, parse_config
from infra.federation import refuse_mapped_attributes_writable_by_users
from infra.user_pool import WRITABLE
from tests.conftest import ALL_PROVIDERS
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


def test_domain_for_managed_login(all_providers: Template) -> None:
    _, domain = only(all_providers, "AWS::Cognito::UserPoolDomain")
    assert domain["Properties"]["Domain"] == "allproviders-example-login"


def test_native_client_writing_a_mapped_attribute_fails_the_synth() -> None:
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
    ],
)
def test_federation_config_errors(change: dict, expected: str) -> None:
    raw = copy.deepcopy(json.loads(ALL_PROVIDERS.read_text()))
    raw["federation"] = {**raw["federation"], **change}
    with pytest.raises(ConfigError, match=rf"^config\.{expected}"):
        parse_config(raw)
