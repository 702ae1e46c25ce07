"""Developer-authenticated identities in the template: provider, table, API, permission, IAM."""

from __future__ import annotations

import json

import pytest

from infra.config import PLACEHOLDER_PROVIDER, ConfigError, parse_config, tag_transforms
from infra.developer_auth import TTL_ATTRIBUTE
from infra.rest_api import STAGE
from tests.lambdas.settings import TAG_TRANSFORMS
from tests.support.configs import demo_raw
from tests.support.template import (
    Synth,
    Template,
    api_invoke_permission,
    only,
    resources,
    under,
)


def test_identity_pool_has_the_configured_developer_provider(synth: Synth) -> None:
    _, pool = only(synth.demo.template, "AWS::Cognito::IdentityPool")
    expected = synth.demo.config.developer_auth.provider_name
    assert pool["Properties"]["DeveloperProviderName"] == expected
    assert synth.demo.template.get("Outputs", {})["DeveloperProviderName"]["Value"] == expected


def test_shipped_provider_is_the_placeholder_forkers_must_replace(synth: Synth) -> None:
    assert synth.demo.config.developer_auth.provider_name == PLACEHOLDER_PROVIDER
    assert "replace" in PLACEHOLDER_PROVIDER


def test_user_table_is_on_demand_recoverable_encrypted(
    template: Template, variant: Template
) -> None:
    _, table = under(template, "AWS::DynamoDB::Table", "DeveloperAuthUsers")
    properties = table["Properties"]
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["SSESpecification"] == {"SSEEnabled": True}
    assert properties["KeySchema"] == [{"AttributeName": "username", "KeyType": "HASH"}]
    assert table["DeletionPolicy"] == "Delete"
    _, prod = under(variant, "AWS::DynamoDB::Table", "DeveloperAuthUsers")
    assert prod["DeletionPolicy"] == "Retain"
    assert prod["Properties"]["DeletionProtectionEnabled"] is True


def test_unknown_username_records_expire_through_the_tables_ttl(template: Template) -> None:
    _, table = under(template, "AWS::DynamoDB::Table", "DeveloperAuthUsers")
    assert table["Properties"]["TimeToLiveSpecification"] == {
        "AttributeName": TTL_ATTRIBUTE,
        "Enabled": True,
    }
    # tests/lambdas/developer_auth/test_app.py checks the function writes this attribute.


def test_tag_transforms_reach_the_function_from_the_hooks_claims(
    synth: Synth, template: Template
) -> None:
    _, fn = under(template, "AWS::Lambda::Function", "DeveloperAuth")
    environment = fn["Properties"]["Environment"]["Variables"]
    assert json.loads(environment["TAG_TRANSFORMS"]) == TAG_TRANSFORMS  # tests/lambdas runs so
    raw = demo_raw()
    raw["principalTags"] = {"tenant": "tenant", "mail": "email", "team": "custom:tenant"}
    raw["tokenHook"]["claims"][0]["transforms"] = ["lower"]
    assert tag_transforms(parse_config(raw)) == {
        "tenant": ["lower"],
        "mail": ["strip", "lower"],
        "team": [],  # the attribute itself, untransformed
    }


def test_stage_is_throttled_and_access_logged(synth: Synth) -> None:
    _, stage = under(synth.demo.template, "AWS::ApiGateway::Stage", "DeveloperAuth")
    properties = stage["Properties"]
    assert properties["StageName"] == STAGE
    [settings] = properties["MethodSettings"]
    config = synth.demo.config.developer_auth
    assert settings["ThrottlingRateLimit"] == config.rate_limit
    assert settings["ThrottlingBurstLimit"] == config.burst_limit
    assert "$context.requestId" in properties["AccessLogSetting"]["Format"]
    assert "body" not in properties["AccessLogSetting"]["Format"]


def test_invoke_permission_is_exactly_post_login_on_this_stage(template: Template) -> None:
    api_id, _ = under(template, "AWS::ApiGateway::RestApi", "DeveloperAuth")
    stage_id, _ = under(template, "AWS::ApiGateway::Stage", "DeveloperAuth")
    function_id, _ = under(template, "AWS::Lambda::Function", "DeveloperAuth")
    [permission] = [
        p
        for p in resources(template, "AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] == {"Fn::GetAtt": [function_id, "Arn"]}
    ]
    assert permission["Properties"] == api_invoke_permission(
        function_id, api_id, stage_id, "POST/login"
    )


def test_body_is_validated_against_the_credentials_schema(template: Template) -> None:
    [method] = [
        m
        for m in resources(template, "AWS::ApiGateway::Method").values()
        if m["Properties"]["HttpMethod"] == "POST"
    ]
    validator_id = method["Properties"]["RequestValidatorId"]["Ref"]
    validator = template["Resources"][validator_id]["Properties"]
    assert validator["ValidateRequestBody"] is True
    model_id = method["Properties"]["RequestModels"]["application/json"]["Ref"]
    schema = template["Resources"][model_id]["Properties"]["Schema"]
    assert schema["required"] == ["username", "password"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["password"] == {"type": "string", "minLength": 8, "maxLength": 256}


def test_function_may_only_read_and_update_its_table_and_ask_for_developer_tokens(
    template: Template,
) -> None:
    _, fn = under(template, "AWS::Lambda::Function", "DeveloperAuth")
    role_id = fn["Properties"]["Role"]["Fn::GetAtt"][0]
    table_id, _ = under(template, "AWS::DynamoDB::Table", "DeveloperAuthUsers")
    pool_id, _ = only(template, "AWS::Cognito::IdentityPool")
    statements = [
        statement
        for policy in resources(template, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert statements == [
        {
            "Action": "dynamodb:UpdateItem",
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [table_id, "Arn"]},
        },
        {
            "Action": "cognito-identity:GetOpenIdTokenForDeveloperIdentity",
            "Effect": "Allow",
            "Resource": statements[1]["Resource"],
        },
    ]
    assert {"Ref": pool_id} in statements[1]["Resource"]["Fn::Join"][1]


def test_waf_and_cors_are_switches(template: Template, variant: Template) -> None:
    assert not resources(template, "AWS::WAFv2::WebACL")
    assert not [
        m
        for m in resources(template, "AWS::ApiGateway::Method").values()
        if m["Properties"]["HttpMethod"] == "OPTIONS"
    ]
    _, acl = only(variant, "AWS::WAFv2::WebACL")
    names = [rule["Name"] for rule in acl["Properties"]["Rules"]]
    assert "AWSManagedRulesCommonRuleSet" in names and "SignInRatePerIp" in names
    _, association = only(variant, "AWS::WAFv2::WebACLAssociation")
    stage_id, _ = under(variant, "AWS::ApiGateway::Stage", "DeveloperAuth")
    assert stage_id in repr(association["Properties"]["ResourceArn"])
    [options] = [
        m
        for m in resources(variant, "AWS::ApiGateway::Method").values()
        if m["Properties"]["HttpMethod"] == "OPTIONS"
    ]
    assert "https://app.example.com" in repr(options)


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
            {"corsOrigins": ["http://evil.example"]},
            r"developerAuth\.corsOrigins\[0\]: .* is not an https:// origin",
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
