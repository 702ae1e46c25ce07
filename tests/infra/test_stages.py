"""Stages side by side: each deploys as <appName>-<stage> in the same account and region, and
every physical name that must be unique carries the stage.

The physical names are gathered across every resource of two templates and compared, so this
module reads templates as plain JSON.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App

from app import context_config
from infra.config import CONTEXT_KEY, ConfigError, cdk_json_context, parse_config
from tests.support.template import Synth, Template

# Properties that set a name CloudFormation does not generate, and that must be unique.
NAMED = {
    "AWS::IAM::Role": "RoleName",
    "AWS::ApiGateway::RestApi": "Name",
    "AWS::CloudWatch::Dashboard": "DashboardName",
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::Cognito::UserPoolDomain": "Domain",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Logs::LogGroup": "LogGroupName",
}


def physical_names(template: Template) -> set[str]:
    names = set()
    for resource in template["Resources"].values():
        properties: dict[str, Any] = resource.get("Properties", {})
        name = properties.get(NAMED.get(resource["Type"], ""))
        if name is not None:
            names.add(json.dumps(name, sort_keys=True))
        variables = properties.get("Environment", {}).get("Variables", {})
        if "POWERTOOLS_METRICS_NAMESPACE" in variables:
            # Alarms read the namespace: two stages sharing one would read each other's metrics.
            names.add(f"metrics:{variables['POWERTOOLS_METRICS_NAMESPACE']}")
    return names


def test_two_stages_synthesize_side_by_side_without_colliding_names(synth: Synth) -> None:
    sandbox, prod = synth.demo.config, synth.variant.config
    assert sandbox.stage != prod.stage
    assert sandbox.stack_name != prod.stack_name
    assert physical_names(synth.demo.template), "the template names some resources"
    assert physical_names(synth.demo.template) & physical_names(synth.variant.template) == set()


def test_a_stage_given_at_synth_replaces_the_configs() -> None:
    context = cdk_json_context()
    app = App(context={**context, "stage": "alice"})
    config = parse_config(context_config(app))
    assert config.stack_name == f"{context[CONTEXT_KEY]['appName']}-alice"
    assert config.is_sandbox


def test_only_prod_keeps_its_data() -> None:
    assert not parse_config({"stage": "prod"}).is_sandbox
    assert parse_config({"stage": "alice"}).is_sandbox


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"stage": "a" * 50}, "config.stage: '" + "a" * 50 + "' makes the role name"),
        ({"stage": "alice-"}, "config.stage: 'alice-' is not lower-case letters"),
        (
            {
                "stage": "a-long-stage-name",
                "federation": {
                    "domainPrefix": "x" * 50,
                    "callbackUrls": ["https://app.example.com/cb"],
                    "logoutUrls": ["https://app.example.com/"],
                    "oidc": [
                        {
                            "name": "CorpOidc",
                            "issuerUrl": "https://idp.example.com",
                            "clientId": "c",
                            "clientSecretName": "idp/x",
                        }
                    ],
                },
            },
            "config.federation.domainPrefix: with the stage it makes the domain prefix",
        ),
    ],
)
def test_a_stage_too_long_for_a_derived_name_names_the_key(
    raw: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(raw)
    assert str(caught.value).startswith(message), str(caught.value)
