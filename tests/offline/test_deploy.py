"""Deploying what a forker adds: moto's CloudFormation models create what they can, anything
else outside the credential path is an inert stand-in, listed; inside it, a clear refusal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from offline.deploy import INERT, MOTO, Deployer
from offline.template import Template, TemplateError

REGION, ACCOUNT = "us-east-1", "123456789012"


def deploy(tmp_path: Path, resources: dict[str, Any], outputs: dict[str, Any]) -> Any:
    path = tmp_path / "forked-sandbox.template.json"
    path.write_text(json.dumps({"Resources": resources, "Outputs": outputs}))
    with mock_aws():
        session = boto3.Session(region_name=REGION)
        deployment = Deployer(Template.load(path), session, REGION, ACCOUNT).deploy()
        return deployment, deployment.outputs("http://offline.test")


def test_a_type_moto_models_is_created_and_its_attributes_resolve(tmp_path: Path) -> None:
    queue = {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "forkers-queue"}}
    arn = {"Value": {"Fn::GetAtt": ["Queue", "Arn"]}}

    deployment, outputs = deploy(tmp_path, {"Queue": queue}, {"QueueArn": arn})

    assert outputs["QueueArn"] == f"arn:aws:sqs:{REGION}:{ACCOUNT}:forkers-queue"
    assert deployment.describe() == [f"AWS::SQS::Queue x1: {MOTO}"]


def test_an_unknown_type_outside_the_credential_path_is_an_inert_stand_in(
    tmp_path: Path,
) -> None:
    schedule = {"Type": "AWS::Scheduler::ScheduleGroup", "Properties": {"Name": "forkers"}}

    deployment, _ = deploy(tmp_path, {"Schedules": schedule}, {})

    assert deployment.describe() == [f"AWS::Scheduler::ScheduleGroup x1: {INERT}"]


@pytest.mark.parametrize(
    ("resource_type", "why"),
    [
        ("AWS::Cognito::UserPoolRiskConfigurationAttachment", "who signs in"),
        ("AWS::IAM::RolePolicy", "what a role trusts or allows"),
    ],
)
def test_an_unknown_type_in_the_credential_path_is_refused_by_name_and_why(
    tmp_path: Path, resource_type: str, why: str
) -> None:
    with pytest.raises(TemplateError) as refused:
        deploy(tmp_path, {"Forkers": {"Type": resource_type, "Properties": {}}}, {})

    assert f"Forkers ({resource_type}): " in str(refused.value)
    assert why in str(refused.value)


def principal_tag_template(**properties: Any) -> dict[str, Any]:
    pool = {
        "Type": "AWS::Cognito::IdentityPool",
        "Properties": {"IdentityPoolName": "tags", "AllowUnauthenticatedIdentities": False},
    }
    tag = {
        "Type": "AWS::Cognito::IdentityPoolPrincipalTag",
        "Properties": {
            "IdentityPoolId": {"Ref": "Pool"},
            "IdentityProviderName": "cognito-idp.us-east-1.amazonaws.com/us-east-1_pool",
            **properties,
        },
    }
    return {"Pool": pool, "Tags": tag}


def test_principal_tags_follow_the_explicit_map(tmp_path: Path) -> None:
    resources = principal_tag_template(UseDefaults=False, PrincipalTags={"tenant": "custom:tenant"})

    deployment, _ = deploy(tmp_path, resources, {})

    [settings] = deployment.identity_pools.values()
    assert settings.principal_tags == {
        "cognito-idp.us-east-1.amazonaws.com/us-east-1_pool": {"tenant": "custom:tenant"}
    }


def test_default_principal_tag_mappings_stop_the_run_by_name(tmp_path: Path) -> None:
    """Developer guide, "Default provider mappings": the attributes, not the tag keys."""
    with pytest.raises(TemplateError) as refused:
        deploy(tmp_path, principal_tag_template(UseDefaults=True), {})

    assert "Tags (AWS::Cognito::IdentityPoolPrincipalTag): UseDefaults" in str(refused.value)
