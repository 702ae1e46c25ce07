"""Developer-authenticated identities in the template: provider, table, API, permission, IAM."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Capture, Match, Template

from infra.config import PLACEHOLDER_PROVIDER, ConfigError, parse_config, tag_transforms
from infra.developer_auth import TIMEOUT_SECONDS, TTL_ATTRIBUTE
from infra.monitoring import SIGN_IN_SERVICE
from infra.rest_api import STAGE
from tests.lambdas.settings import TAG_TRANSFORMS
from tests.support.configs import demo_raw
from tests.support.template import (
    Synth,
    Synthesized,
    api_invoke_permission,
    has_only_permission,
    rest_api_id,
    service_function,
    stage_id_of,
)

USER_KEY = {"KeySchema": [{"AttributeName": "username", "KeyType": "HASH"}]}
SIGN_IN = service_function(SIGN_IN_SERVICE)


def login_api(stack: Synthesized) -> str:
    return rest_api_id(stack, "login")


def login_stage(stack: Synthesized) -> str:
    return stage_id_of(stack, login_api(stack))


def test_identity_pool_has_the_configured_developer_provider(synth: Synth) -> None:
    expected = synth.demo.config.developer_auth.provider_name
    template = synth.demo.assertions
    template.resource_count_is("AWS::Cognito::IdentityPool", 1)
    template.has_resource_properties(
        "AWS::Cognito::IdentityPool", {"DeveloperProviderName": expected}
    )
    template.has_output("DeveloperProviderName", {"Value": expected})


def test_shipped_provider_is_the_placeholder_forkers_must_replace(synth: Synth) -> None:
    assert synth.demo.config.developer_auth.provider_name == PLACEHOLDER_PROVIDER
    assert "replace" in PLACEHOLDER_PROVIDER


def test_user_table_is_on_demand_recoverable_encrypted(
    assertions: Template, variant_assertions: Template
) -> None:
    assertions.has_resource(
        "AWS::DynamoDB::Table",
        {
            "Properties": {
                **USER_KEY,
                "BillingMode": "PAY_PER_REQUEST",
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                "SSESpecification": {"SSEEnabled": True},
            },
            "DeletionPolicy": "Delete",
        },
    )
    variant_assertions.has_resource(
        "AWS::DynamoDB::Table",
        {
            "Properties": {**USER_KEY, "DeletionProtectionEnabled": True},
            "DeletionPolicy": "Retain",
        },
    )


def test_unknown_username_records_expire_through_the_tables_ttl(assertions: Template) -> None:
    assertions.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            **USER_KEY,
            "TimeToLiveSpecification": Match.object_equals(
                {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}
            ),
        },
    )
    # tests/lambdas/developer_auth/test_app.py checks the function writes this attribute.


def test_tag_transforms_reach_the_function_from_the_hooks_claims(assertions: Template) -> None:
    transforms = Match.serialized_json(TAG_TRANSFORMS)  # tests/lambdas runs the function so
    assertions.has_resource_properties(
        "AWS::Lambda::Function", service_function(SIGN_IN_SERVICE, TAG_TRANSFORMS=transforms)
    )
    raw = demo_raw()
    raw["principalTags"] = {"tenant": "tenant", "mail": "email", "team": "custom:tenant"}
    raw["tokenHook"]["claims"][0]["transforms"] = ["lower"]
    assert tag_transforms(parse_config(raw)) == {
        "tenant": ["lower"],
        "mail": ["strip", "lower"],
        "team": [],  # the attribute itself, untransformed
    }


def test_stage_is_throttled_and_access_logged(synth: Synth) -> None:
    config = synth.demo.config.developer_auth
    log_format = Capture(Match.string_like_regexp(r"\$context\.requestId"))
    synth.demo.assertions.has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "RestApiId": {"Ref": login_api(synth.demo)},
            "StageName": STAGE,
            "MethodSettings": [
                {
                    "ThrottlingRateLimit": config.rate_limit,
                    "ThrottlingBurstLimit": config.burst_limit,
                }
            ],
            "AccessLogSetting": {"Format": log_format},
        },
    )
    assert "body" not in log_format.as_string()


def test_invoke_permission_is_exactly_post_login_on_this_stage(synth: Synth) -> None:
    template = synth.demo.assertions
    api_id, stage_id = login_api(synth.demo), login_stage(synth.demo)
    function_id = template.get_resource_id("AWS::Lambda::Function", {"Properties": SIGN_IN})
    has_only_permission(
        template, api_invoke_permission(function_id, api_id, stage_id, "POST/login")
    )


def test_body_is_validated_against_the_credentials_schema(synth: Synth) -> None:
    template = synth.demo.assertions
    validator, model = Capture(), Capture()
    template.has_resource_properties(
        "AWS::ApiGateway::Method",
        {
            "HttpMethod": "POST",
            "RestApiId": {"Ref": login_api(synth.demo)},
            "RequestValidatorId": {"Ref": validator},
            "RequestModels": {"application/json": {"Ref": model}},
        },
    )
    validates_bodies = {
        "Properties": {"RestApiId": {"Ref": login_api(synth.demo)}, "ValidateRequestBody": True}
    }
    assert validator.as_string() == template.get_resource_id(
        "AWS::ApiGateway::RequestValidator", validates_bodies
    )
    credentials = {
        "Schema": {
            "required": ["username", "password"],
            "additionalProperties": False,
            "properties": {
                "password": Match.object_equals(
                    {"type": "string", "minLength": 8, "maxLength": 256}
                )
            },
        }
    }
    assert model.as_string() == template.get_resource_id(
        "AWS::ApiGateway::Model", {"Properties": credentials}
    )


def test_function_may_only_update_and_delete_in_its_table_and_ask_for_developer_tokens(
    assertions: Template,
) -> None:
    role = Capture()
    assertions.has_resource_properties(
        "AWS::Lambda::Function", {**SIGN_IN, "Role": {"Fn::GetAtt": [role, "Arn"]}}
    )
    table_id = assertions.get_resource_id("AWS::DynamoDB::Table", {"Properties": USER_KEY})
    pool_id = assertions.get_resource_id("AWS::Cognito::IdentityPool")
    attached = {"Roles": Match.array_with([{"Ref": role.as_string()}])}
    assertions.resource_properties_count_is("AWS::IAM::Policy", attached, 1)
    assertions.has_resource_properties(
        "AWS::IAM::Policy",
        {
            **attached,
            "PolicyDocument": {
                "Statement": [
                    Match.object_equals(
                        {
                            "Action": ["dynamodb:DeleteItem", "dynamodb:UpdateItem"],
                            "Effect": "Allow",
                            "Resource": {"Fn::GetAtt": [table_id, "Arn"]},
                        }
                    ),
                    Match.object_equals(
                        {
                            "Action": "cognito-identity:GetOpenIdTokenForDeveloperIdentity",
                            "Effect": "Allow",
                            "Resource": {
                                "Fn::Join": [
                                    "",
                                    [
                                        "arn:",
                                        {"Ref": "AWS::Partition"},
                                        ":cognito-identity:",
                                        {"Ref": "AWS::Region"},
                                        ":",
                                        {"Ref": "AWS::AccountId"},
                                        ":identitypool/",
                                        {"Ref": pool_id},
                                    ],
                                ]
                            },
                        }
                    ),
                ]
            },
        },
    )


def test_waf_is_a_switch(synth: Synth) -> None:
    synth.demo.assertions.resource_count_is("AWS::WAFv2::WebACL", 0)
    variant = synth.variant.assertions
    acl_id = variant.get_resource_id("AWS::WAFv2::WebACL")
    for rule in ("AWSManagedRulesCommonRuleSet", "SignInRatePerIp"):
        variant.has_resource_properties(
            "AWS::WAFv2::WebACL", {"Rules": Match.array_with([Match.object_like({"Name": rule})])}
        )
    variant.resource_count_is("AWS::WAFv2::WebACLAssociation", 1)
    stage_id = login_stage(synth.variant)
    variant.has_resource_properties(
        "AWS::WAFv2::WebACLAssociation",
        {
            "WebACLArn": {"Fn::GetAtt": [acl_id, "Arn"]},
            "ResourceArn": {"Fn::Join": ["", Match.array_with([{"Ref": stage_id}])]},
        },
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"tokenMinutes": 61},
            r"developerAuth\.tokenMinutes: 61 is out of range. Use a whole number from 1 to 60",
        ),
        ({"tokenMinutes": 0}, r"developerAuth\.tokenMinutes: 0 is out of range"),
        ({"providerName": "bad name!"}, r"developerAuth\.providerName: 'bad name!' is not"),
        (
            {"corsOrigins": ["https://app.example.com"]},
            r"developerAuth\.corsOrigins: has moved: one list, corsOrigins at the top",
        ),
        ({"maxFailedAttempts": 0}, r"developerAuth\.maxFailedAttempts: 0 is out of range"),
        ({"waf": "yes"}, r"developerAuth\.waf: expected bool"),
    ],
)
def test_developer_auth_config_errors(change: dict, expected: str) -> None:
    raw = demo_raw()
    raw["developerAuth"] = {**raw.get("developerAuth", {}), **change}
    with pytest.raises(ConfigError, match=rf"^config\.{expected}"):
        parse_config(raw)


def test_the_unknown_names_budget_reaches_the_function(synth: Synth) -> None:
    budget = synth.demo.config.developer_auth.unknown_names_per_window
    synth.demo.assertions.has_resource_properties(
        "AWS::Lambda::Function",
        service_function(SIGN_IN_SERVICE, UNKNOWN_NAMES_PER_WINDOW=str(budget)),
    )


def test_the_function_has_the_timeout_its_deadline_is_set_against(synth: Synth) -> None:
    # tests/lambdas/developer_auth/test_limits.py holds the function's deadline below it.
    synth.demo.assertions.has_resource_properties(
        "AWS::Lambda::Function", {**SIGN_IN, "Timeout": TIMEOUT_SECONDS}
    )
