"""Alarms and the dashboard in the template: the right metrics, thresholds and actions."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from infra.config import ConfigError, cdk_json_context, parse_config
from infra.monitoring import LOCKED_SIGN_INS, SIGN_IN_OUTCOMES, TRIGGER_SOURCES
from tests.support.configs import ALARM_TOPIC_ARN, demo_raw
from tests.support.template import Synth, Template, only, resources, under

ROOT = Path(__file__).resolve().parents[2]
ALARMS = (
    "HookErrors",
    "HookThrottles",
    "HookDuration",
    "SignInErrors",
    "SignInLockouts",
    "ApiClientErrors",
    "ApiServerErrors",
    "ItemsErrors",
    "ItemsApiClientErrors",
    "ItemsApiServerErrors",
)
PERIOD = 300


def alarm(template: Template, name: str) -> dict[str, Any]:
    _, found = under(template, "AWS::CloudWatch::Alarm", f"Monitoring{name}")
    properties: dict[str, Any] = found["Properties"]
    return properties


def function_id(template: Template, prefix: str) -> str:
    logical_id, _ = under(template, "AWS::Lambda::Function", prefix)
    return logical_id


def environment(template: Template, prefix: str) -> dict[str, Any]:
    _, function = under(template, "AWS::Lambda::Function", prefix)
    variables: dict[str, Any] = function["Properties"]["Environment"]["Variables"]
    return variables


def dashboard_body(template: Template) -> str:
    """The dashboard JSON with every reference replaced by ``<logical id>``."""
    _, dashboard = only(template, "AWS::CloudWatch::Dashboard")
    body = dashboard["Properties"]["DashboardBody"]
    if isinstance(body, str):
        return body
    _, parts = body["Fn::Join"]
    return "".join(
        part if isinstance(part, str) else f"<{part.get('Ref') or part['Fn::GetAtt'][0]}>"
        for part in parts
    )


def test_exactly_the_documented_alarms_exist(template: Template, variant: Template) -> None:
    for stack in (template, variant):
        found = resources(stack, "AWS::CloudWatch::Alarm")
        assert len(found) == len(ALARMS)
        for name in ALARMS:
            assert alarm(stack, name)["TreatMissingData"] == "notBreaching"
        # CloudFormation names the alarms: unique per stack, always within its length limit.
        assert all("AlarmName" not in a["Properties"] for a in found.values())


@pytest.mark.parametrize(
    ("name", "function", "metric", "statistic", "threshold"),
    [
        ("HookErrors", "TokenHook", "Errors", "Sum", 1),
        ("HookThrottles", "TokenHook", "Throttles", "Sum", 1),
        ("SignInErrors", "DeveloperAuthSignIn", "Errors", "Sum", 1),
        ("ItemsErrors", "ItemsApiHandler", "Errors", "Sum", 1),
    ],
)
def test_function_alarms_fire_on_the_first_failure(
    template: Template, name: str, function: str, metric: str, statistic: str, threshold: int
) -> None:
    properties = alarm(template, name)
    assert properties["Namespace"] == "AWS/Lambda"
    assert properties["MetricName"] == metric
    assert properties["Statistic"] == statistic
    assert properties["Dimensions"] == [
        {"Name": "FunctionName", "Value": {"Ref": function_id(template, function)}}
    ]
    assert properties["Threshold"] == threshold
    assert properties["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert properties["Period"] == PERIOD
    assert (properties["EvaluationPeriods"], properties["DatapointsToAlarm"]) == (1, 1)


def test_hook_duration_alarm_is_80_percent_of_the_hook_timeout(template: Template) -> None:
    _, hook = under(template, "AWS::Lambda::Function", "TokenHook")
    timeout_ms = hook["Properties"]["Timeout"] * 1000
    properties = alarm(template, "HookDuration")
    assert properties["MetricName"] == "Duration"
    assert properties["ExtendedStatistic"] == "p99"
    assert properties["Dimensions"][0]["Value"] == {"Ref": function_id(template, "TokenHook")}
    assert properties["Threshold"] == 0.8 * timeout_ms
    assert (properties["EvaluationPeriods"], properties["DatapointsToAlarm"]) == (3, 2)


# Values for the environment entries the template fills in at deploy time.
DEPLOY_TIME = {
    "USER_TABLE": "emf-users",
    "IDENTITY_POOL_ID": "eu-west-1:00000000-0000-4000-8000-000000000000",
}
PSEUDO = {"AWS::Partition": "aws", "AWS::AccountId": "111122223333", "AWS::Region": "eu-west-1"}


def deploy_time_value(name: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(deploy_time_value(name, part) for part in parts)
    if isinstance(value, dict) and value.get("Ref") in PSEUDO:
        return PSEUDO[value["Ref"]]
    return DEPLOY_TIME[name]


def emf_lines(template: Template, function: str, *args: str) -> list[dict[str, Any]]:
    """Run the function's handler with the environment its template gives it (in a process
    of its own: the handlers read their settings at import) and return the EMF it prints."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("POWERTOOLS_", "AWS_"))},
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        **{
            name: deploy_time_value(name, value)
            for name, value in environment(template, function).items()
        },
    }
    result = subprocess.run(
        [sys.executable, "-m", "tests.infra.emf", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return [
        json.loads(line)
        for line in result.stdout.splitlines()
        if line.startswith("{") and '"_aws"' in line
    ]


def published(emf: dict[str, Any], metric: str) -> dict[str, Any]:
    """Namespace and dimensions under which one EMF line publishes ``metric``."""
    [directive] = [
        d
        for d in emf["_aws"]["CloudWatchMetrics"]
        if any(m["Name"] == metric for m in d["Metrics"])
    ]
    [dimension_names] = directive["Dimensions"]
    return {
        "Namespace": directive["Namespace"],
        "Dimensions": sorted(
            ({"Name": name, "Value": emf[name]} for name in dimension_names),
            key=lambda d: d["Name"],
        ),
    }


def test_lockout_alarm_reads_what_the_sign_in_function_publishes(synth: Synth) -> None:
    template = synth.demo.template
    properties = alarm(template, "SignInLockouts")
    [emf] = emf_lines(template, "DeveloperAuthSignIn", "locked")
    assert published(emf, "SignInLocked") == {
        "Namespace": properties["Namespace"],
        "Dimensions": sorted(properties["Dimensions"], key=lambda d: d["Name"]),
    }
    assert properties["Namespace"] == synth.demo.config.stack_name
    assert properties["MetricName"] == "SignInLocked"
    assert properties["Statistic"] == "Sum"
    assert properties["Threshold"] == LOCKED_SIGN_INS
    assert properties["Period"] == PERIOD


@pytest.mark.parametrize(
    ("name", "api_prefix", "metric", "threshold"),
    [
        ("ApiClientErrors", "DeveloperAuth", "4XXError", 50),
        ("ApiServerErrors", "DeveloperAuth", "5XXError", 1),
        ("ItemsApiClientErrors", "ItemsApi", "4XXError", 50),
        ("ItemsApiServerErrors", "ItemsApi", "5XXError", 1),
    ],
)
def test_api_error_rate_alarms(
    template: Template, name: str, api_prefix: str, metric: str, threshold: int
) -> None:
    _, api = under(template, "AWS::ApiGateway::RestApi", api_prefix)
    properties = alarm(template, name)
    queries = {query["Id"]: query for query in properties["Metrics"]}
    [returned] = [query for query in properties["Metrics"] if query.get("ReturnData", True)]
    assert returned["Expression"] == "IF(requests >= 20, 100 * errors / requests, 0)"
    api_dimension = [{"Name": "ApiName", "Value": api["Properties"]["Name"]}]
    for query_id, metric_name in (("errors", metric), ("requests", "Count")):
        stat = queries[query_id]["MetricStat"]
        assert stat["Metric"] == {
            "Namespace": "AWS/ApiGateway",
            "MetricName": metric_name,
            "Dimensions": api_dimension,
        }
        assert (stat["Stat"], stat["Period"]) == ("Sum", PERIOD)
    assert properties["Threshold"] == threshold


def test_api_metrics_are_keyed_by_a_name_unique_to_this_stack(synth: Synth) -> None:
    for config, template in (
        (synth.demo.config, synth.demo.template),
        (synth.variant.config, synth.variant.template),
    ):
        names = {
            api["Properties"]["Name"]
            for api in resources(template, "AWS::ApiGateway::RestApi").values()
        }
        assert names == {f"{config.stack_name}-login", f"{config.stack_name}-items"}


def test_dashboard_shows_sign_ins_tokens_and_credentials(synth: Synth) -> None:
    template = synth.demo.template
    _, dashboard = only(template, "AWS::CloudWatch::Dashboard")
    name = dashboard["Properties"]["DashboardName"]
    assert name == f"{synth.demo.config.stack_name}-sign-in"
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,255}", name)
    body = dashboard_body(template)
    pool_id, _ = only(template, "AWS::Cognito::UserPool")
    client_id, _ = under(template, "AWS::Cognito::UserPoolClient", "UsersPoolAppClient")
    for metric in ("SignInSuccesses", "TokenRefreshSuccesses", "SignInThrottles"):
        assert (
            f'["AWS/Cognito","{metric}","UserPool","<{pool_id}>","UserPoolClient","<{client_id}>"'
            in body
        )
    namespace = synth.demo.config.stack_name
    # What the hook prints when it runs, once per trigger source, is what the widget graphs.
    emf = emf_lines(template, "TokenHook", "token", *TRIGGER_SOURCES)
    assert len(emf) == len(TRIGGER_SOURCES)
    for source, line in zip(TRIGGER_SOURCES, emf, strict=True):
        metric = published(line, "TokensIssued")
        dimensions = {d["Name"]: d["Value"] for d in metric["Dimensions"]}
        assert dimensions["triggerSource"] == source
        assert (
            f'["{metric["Namespace"]}","TokensIssued","service","{dimensions["service"]}",'
            f'"triggerSource","{source}"'
        ) in body
    for outcome in SIGN_IN_OUTCOMES:
        assert f'["{namespace}","{outcome}","service","developer-auth"' in body
    for api in resources(template, "AWS::ApiGateway::RestApi").values():
        for api_metric in ("Count", "4XXError", "5XXError", "Latency", "IntegrationLatency"):
            assert (
                f'"AWS/ApiGateway","{api_metric}","ApiName","{api["Properties"]["Name"]}"' in body
            )
    items_id, _ = under(template, "AWS::Lambda::Function", "ItemsApiHandler")
    for lambda_metric in ("Invocations", "Errors", "Throttles", "Duration"):
        assert f'"AWS/Lambda","{lambda_metric}","FunctionName","<{items_id}>"' in body
    # The alarm status widget lists every alarm.
    for logical_id in resources(template, "AWS::CloudWatch::Alarm"):
        assert f"<{logical_id}>" in body


def test_credentials_widget_shows_what_is_published(synth: Synth) -> None:
    """Identity pools publish no per-pool GetId/GetCredentialsForIdentity metric: the widget
    graphs the developer tokens the sign-in function obtains (one per SignInSucceeded)."""
    body = json.loads(dashboard_body(synth.demo.template))
    widgets = {w["properties"].get("title"): w for w in body["widgets"]}
    assert "AWS/Usage" not in json.dumps(body)
    widget = widgets["Developer identity tokens issued (GetOpenIdTokenForDeveloperIdentity)"]
    [metric] = widget["properties"]["metrics"]
    assert metric[:4] == [
        synth.demo.config.stack_name,
        "SignInSucceeded",
        "service",
        "developer-auth",
    ]
    assert metric[4]["label"] == "developer tokens (one per successful POST /login)"
    [text] = [w for w in body["widgets"] if w["type"] == "text"]
    assert "no per-pool CloudWatch metric" in text["properties"]["markdown"]
    assert "CloudTrail" in text["properties"]["markdown"]


def test_alarms_have_no_actions_without_a_topic(synth: Synth) -> None:
    assert synth.demo.config.monitoring.alarm_topic_arn is None
    for found in resources(synth.demo.template, "AWS::CloudWatch::Alarm").values():
        properties = found["Properties"]
        assert not properties.get("AlarmActions") and not properties.get("OKActions")
    # An existing topic is referenced, never created: no subscription lands in the template.
    assert not resources(synth.variant.template, "AWS::SNS::Topic")
    assert not resources(synth.variant.template, "AWS::SNS::Subscription")


def test_alarms_notify_the_configured_topic_only(synth: Synth) -> None:
    assert synth.variant.config.monitoring.alarm_topic_arn == ALARM_TOPIC_ARN
    for found in resources(synth.variant.template, "AWS::CloudWatch::Alarm").values():
        properties = found["Properties"]
        assert properties["AlarmActions"] == [ALARM_TOPIC_ARN]
        assert properties["OKActions"] == [ALARM_TOPIC_ARN]
        assert properties.get("InsufficientDataActions") is None


def test_topic_must_be_an_sns_topic_arn() -> None:
    raw = demo_raw()
    raw["monitoring"] = {"alarmTopicArn": "arn:aws:sqs:eu-west-1:123456789012:alarms"}
    with pytest.raises(ConfigError) as caught:
        parse_config(raw)
    message = str(caught.value)
    assert message.startswith("config.monitoring.alarmTopicArn: ")
    assert "not the ARN of a standard SNS topic" in message
    assert "arn:aws:sns:" in message


def test_topic_must_be_in_the_stack_region() -> None:
    raw = demo_raw()
    raw["region"] = "us-east-1"
    raw["monitoring"] = {"alarmTopicArn": ALARM_TOPIC_ARN}
    with pytest.raises(ConfigError) as caught:
        parse_config(raw)
    assert str(caught.value).startswith(
        "config.monitoring.alarmTopicArn: the topic is in eu-west-1"
    )
    raw["region"] = "eu-west-1"
    assert parse_config(raw).monitoring.alarm_topic_arn == ALARM_TOPIC_ARN


def test_unknown_monitoring_key_is_refused() -> None:
    raw = demo_raw()
    raw["monitoring"] = {"alarmEmail": "ops@example.com"}
    with pytest.raises(ConfigError, match=r"config\.monitoring\.alarmEmail: is not a known key"):
        parse_config(raw)


def test_cdk_json_lists_the_monitoring_key() -> None:
    """A forker finds the key to set where they edit the config."""
    assert "alarmTopicArn" in cdk_json_context()["config"]["monitoring"]
