"""Invariant 7: the user pool's secure defaults, and what each switch changes."""

from __future__ import annotations

from aws_cdk.assertions import Capture, Match, Template

from infra.user_pool import PASSWORD_MIN_LENGTH

POOL = "AWS::Cognito::UserPool"
CLIENT = "AWS::Cognito::UserPoolClient"


def test_admin_only_sign_up_by_default(assertions: Template, variant_assertions: Template) -> None:
    for template, admin_only in ((assertions, True), (variant_assertions, False)):
        template.resource_count_is(POOL, 1)
        template.has_resource_properties(
            POOL, {"AdminCreateUserConfig": {"AllowAdminCreateUserOnly": admin_only}}
        )


def test_strong_password_policy(assertions: Template) -> None:
    assert PASSWORD_MIN_LENGTH >= 14
    days = Capture()
    assertions.has_resource_properties(
        POOL,
        {
            "Policies": {
                "PasswordPolicy": {
                    "MinimumLength": PASSWORD_MIN_LENGTH,
                    "RequireLowercase": True,
                    "RequireUppercase": True,
                    "RequireNumbers": True,
                    "RequireSymbols": True,
                    "TemporaryPasswordValidityDays": days,
                }
            }
        },
    )
    assert days.as_number() <= 7


def test_totp_mfa_optional_by_default_required_by_switch(
    assertions: Template, variant_assertions: Template
) -> None:
    for template, mfa in ((assertions, "OPTIONAL"), (variant_assertions, "ON")):
        template.has_resource_properties(
            POOL, {"MfaConfiguration": mfa, "EnabledMfas": ["SOFTWARE_TOKEN_MFA"]}
        )


def test_email_sign_in_and_verified_updates(assertions: Template) -> None:
    assertions.has_resource_properties(
        POOL,
        {
            "UsernameAttributes": ["email"],
            "AutoVerifiedAttributes": ["email"],
            "UserAttributeUpdateSettings": Match.object_equals(
                {"AttributesRequireVerificationBeforeUpdate": ["email"]}
            ),
            "UsernameConfiguration": Match.object_equals({"CaseSensitive": False}),
        },
    )


def test_client_is_public_srp_only_with_revocation(assertions: Template) -> None:
    assertions.resource_count_is(CLIENT, 1)
    flows = Capture()
    assertions.has_resource_properties(
        CLIENT,
        {
            "GenerateSecret": False,
            "ExplicitAuthFlows": flows,
            "EnableTokenRevocation": True,
            "PreventUserExistenceErrors": "ENABLED",
            "AllowedOAuthFlowsUserPoolClient": False,
            "SupportedIdentityProviders": ["COGNITO"],
        },
    )
    assert sorted(flows.as_array()) == ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"]


def test_client_attribute_lists_are_explicit_and_exclude_role_inputs(assertions: Template) -> None:
    reads, writes = Capture(), Capture()
    assertions.has_resource_properties(CLIENT, {"ReadAttributes": reads, "WriteAttributes": writes})
    assert sorted(reads.as_array()) == [
        "custom:tenant",
        "email",
        "email_verified",
        "family_name",
        "given_name",
    ]
    # The hook's inputs (e-mail, tenant, IdP groups) and verification status are never
    # user-writable: this client's tokens may call UpdateUserAttributes.
    assert sorted(writes.as_array()) == ["family_name", "given_name"]


def test_sandbox_can_be_destroyed_prod_is_protected(
    assertions: Template, variant_assertions: Template
) -> None:
    assertions.has_resource(
        POOL, {"Properties": {"DeletionProtection": "INACTIVE"}, "DeletionPolicy": "Delete"}
    )
    variant_assertions.has_resource(
        POOL,
        {
            "Properties": {"DeletionProtection": "ACTIVE"},
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )


def test_feature_plan_and_threat_protection(
    assertions: Template, variant_assertions: Template
) -> None:
    assertions.has_resource_properties(
        POOL, {"UserPoolTier": "ESSENTIALS", "UserPoolAddOns": Match.absent()}
    )
    variant_assertions.has_resource_properties(
        POOL,
        {
            "UserPoolTier": "PLUS",
            "UserPoolAddOns": Match.object_equals({"AdvancedSecurityMode": "ENFORCED"}),
        },
    )
