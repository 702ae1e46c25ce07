"""Invariant 7: the user pool's secure defaults, and what each switch changes."""

from __future__ import annotations

from infra.user_pool import PASSWORD_MIN_LENGTH
from tests.support.template import Template, only


def pool(template: Template) -> dict:
    return only(template, "AWS::Cognito::UserPool")[1]


def client(template: Template) -> dict:
    return only(template, "AWS::Cognito::UserPoolClient")[1]["Properties"]


def test_admin_only_sign_up_by_default(template: Template, variant: Template) -> None:
    assert pool(template)["Properties"]["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool(variant)["Properties"]["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is False


def test_strong_password_policy(template: Template) -> None:
    policy = pool(template)["Properties"]["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] == PASSWORD_MIN_LENGTH >= 14
    for requirement in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols"):
        assert policy[requirement] is True, requirement
    assert policy["TemporaryPasswordValidityDays"] <= 7


def test_totp_mfa_optional_by_default_required_by_switch(
    template: Template, variant: Template
) -> None:
    assert pool(template)["Properties"]["MfaConfiguration"] == "OPTIONAL"
    assert pool(variant)["Properties"]["MfaConfiguration"] == "ON"
    for t in (template, variant):
        assert pool(t)["Properties"]["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]


def test_email_sign_in_and_verified_updates(template: Template) -> None:
    properties = pool(template)["Properties"]
    assert properties["UsernameAttributes"] == ["email"]
    assert properties["AutoVerifiedAttributes"] == ["email"]
    assert properties["UserAttributeUpdateSettings"] == {
        "AttributesRequireVerificationBeforeUpdate": ["email"]
    }
    assert properties["UsernameConfiguration"] == {"CaseSensitive": False}


def test_client_is_public_srp_only_with_revocation(template: Template) -> None:
    properties = client(template)
    assert properties.get("GenerateSecret", False) is False
    assert sorted(properties["ExplicitAuthFlows"]) == [
        "ALLOW_REFRESH_TOKEN_AUTH",
        "ALLOW_USER_SRP_AUTH",
    ]
    assert properties["EnableTokenRevocation"] is True
    assert properties["PreventUserExistenceErrors"] == "ENABLED"
    assert properties["AllowedOAuthFlowsUserPoolClient"] is False
    assert properties["SupportedIdentityProviders"] == ["COGNITO"]


def test_client_attribute_lists_are_explicit_and_exclude_role_inputs(template: Template) -> None:
    properties = client(template)
    assert sorted(properties["ReadAttributes"]) == [
        "custom:tenant",
        "email",
        "email_verified",
        "family_name",
        "given_name",
    ]
    # The hook's inputs (e-mail, tenant, IdP groups) and verification status are never
    # user-writable: this client's tokens may call UpdateUserAttributes.
    assert sorted(properties["WriteAttributes"]) == ["family_name", "given_name"]


def test_sandbox_can_be_destroyed_prod_is_protected(template: Template, variant: Template) -> None:
    assert pool(template)["Properties"]["DeletionProtection"] == "INACTIVE"
    assert pool(template)["DeletionPolicy"] == "Delete"
    assert pool(variant)["Properties"]["DeletionProtection"] == "ACTIVE"
    assert pool(variant)["DeletionPolicy"] == "Retain"
    assert pool(variant)["UpdateReplacePolicy"] == "Retain"


def test_feature_plan_and_threat_protection(template: Template, variant: Template) -> None:
    assert pool(template)["Properties"]["UserPoolTier"] == "ESSENTIALS"
    assert "UserPoolAddOns" not in pool(template)["Properties"]
    assert pool(variant)["Properties"]["UserPoolTier"] == "PLUS"
    assert pool(variant)["Properties"]["UserPoolAddOns"] == {"AdvancedSecurityMode": "ENFORCED"}
