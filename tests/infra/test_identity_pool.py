"""Invariant 2: enhanced flow only, server-side token check, token mapping that denies."""

from __future__ import annotations

from aws_cdk.assertions import Match, Template

from tests.support.template import pool_role

POOL = "AWS::Cognito::IdentityPool"
ATTACHMENT = "AWS::Cognito::IdentityPoolRoleAttachment"


def test_identity_pool_defaults(assertions: Template) -> None:
    assertions.resource_count_is(POOL, 1)
    assertions.has_resource_properties(
        POOL,
        {
            "AllowClassicFlow": False,
            "AllowUnauthenticatedIdentities": False,
            "CognitoIdentityProviders": [{"ServerSideTokenCheck": True}],
        },
    )


def test_guest_access_is_a_switch(variant_assertions: Template) -> None:
    variant_assertions.resource_count_is(POOL, 1)
    variant_assertions.has_resource_properties(
        POOL, {"AllowUnauthenticatedIdentities": True, "AllowClassicFlow": False}
    )


def test_role_mapping_is_token_based_and_denies_ambiguity(assertions: Template) -> None:
    pool_id = assertions.get_resource_id("AWS::Cognito::UserPool")
    client_id = assertions.get_resource_id("AWS::Cognito::UserPoolClient")
    identity_pool_id = assertions.get_resource_id(POOL)
    assertions.resource_count_is(ATTACHMENT, 1)
    # cognito-idp.<region>.amazonaws.com/<poolId>:<clientId>, built from the pool's ProviderName.
    provider = {
        "Fn::Join": ["", [{"Fn::GetAtt": [pool_id, "ProviderName"]}, ":", {"Ref": client_id}]]
    }
    assertions.has_resource_properties(
        ATTACHMENT,
        {
            "IdentityPoolId": {"Ref": identity_pool_id},
            "RoleMappings": Match.exact(
                {
                    "UserPool": {
                        "Type": "Token",
                        "AmbiguousRoleResolution": "Deny",
                        "IdentityProvider": provider,
                    }
                }
            ),
        },
    )


def test_provider_name_is_region_agnostic(assertions: Template) -> None:
    """Without config.region the template works in any region (no us-east-1 from the CLI)."""
    pool_id = assertions.get_resource_id("AWS::Cognito::UserPool")
    name = ["cognito-idp.", {"Ref": "AWS::Region"}, ".", {"Ref": "AWS::URLSuffix"}, "/"]
    assertions.has_resource_properties(
        POOL,
        {
            "CognitoIdentityProviders": [
                {"ProviderName": {"Fn::Join": ["", [*name, {"Ref": pool_id}]]}}
            ]
        },
    )


def test_default_roles_are_attached(assertions: Template) -> None:
    assert pool_role(assertions, "authenticated").startswith("IdentitiesAuthenticatedRole")
    assert pool_role(assertions, "unauthenticated").startswith("IdentitiesGuestRole")
