"""Invariant 2: enhanced flow only, server-side token check, token mapping that denies."""

from __future__ import annotations

from tests.support.template import Template, only


def test_identity_pool_defaults(template: Template) -> None:
    _, pool = only(template, "AWS::Cognito::IdentityPool")
    properties = pool["Properties"]
    assert properties["AllowClassicFlow"] is False
    assert properties["AllowUnauthenticatedIdentities"] is False
    [provider] = properties["CognitoIdentityProviders"]
    assert provider["ServerSideTokenCheck"] is True


def test_guest_access_is_a_switch(variant: Template) -> None:
    _, pool = only(variant, "AWS::Cognito::IdentityPool")
    assert pool["Properties"]["AllowUnauthenticatedIdentities"] is True
    assert pool["Properties"]["AllowClassicFlow"] is False


def test_role_mapping_is_token_based_and_denies_ambiguity(template: Template) -> None:
    pool_id, _ = only(template, "AWS::Cognito::UserPool")
    client_id, _ = only(template, "AWS::Cognito::UserPoolClient")
    identity_pool_id, _ = only(template, "AWS::Cognito::IdentityPool")
    _, attachment = only(template, "AWS::Cognito::IdentityPoolRoleAttachment")
    properties = attachment["Properties"]
    assert properties["IdentityPoolId"] == {"Ref": identity_pool_id}
    # cognito-idp.<region>.amazonaws.com/<poolId>:<clientId>, built from the pool's ProviderName.
    assert properties["RoleMappings"] == {
        "UserPool": {
            "Type": "Token",
            "AmbiguousRoleResolution": "Deny",
            "IdentityProvider": {
                "Fn::Join": [
                    "",
                    [{"Fn::GetAtt": [pool_id, "ProviderName"]}, ":", {"Ref": client_id}],
                ]
            },
        }
    }


def test_provider_name_is_region_agnostic(template: Template) -> None:
    """Without config.region the template works in any region (no us-east-1 from the CLI)."""
    _, pool = only(template, "AWS::Cognito::IdentityPool")
    [provider] = pool["Properties"]["CognitoIdentityProviders"]
    parts = provider["ProviderName"]["Fn::Join"][1]
    assert parts[0] == "cognito-idp."
    assert {"Ref": "AWS::Region"} in parts


def test_default_roles_are_attached(template: Template) -> None:
    _, attachment = only(template, "AWS::Cognito::IdentityPoolRoleAttachment")
    roles = attachment["Properties"]["Roles"]
    assert roles["authenticated"]["Fn::GetAtt"][0].startswith("IdentitiesAuthenticatedRole")
    assert roles["unauthenticated"]["Fn::GetAtt"][0].startswith("IdentitiesGuestRole")
