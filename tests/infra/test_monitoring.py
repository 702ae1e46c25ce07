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
from aws_cdk.assertions import Capture, Match, Template

from infra.config import ConfigError, cdk_json_context, parse_config
from infra.monitoring import (
    CALLER_REFUSED,
    DEPENDENCY_FAILURES,
    HOOK_SERVICE,
    ITEM_REFUSED,
    ITEMS_SERVICE,
    LOCKED_SIGN_INS,
    SIGN_IN_DATA_ERROR,
    SIGN_IN_OUTCOMES,
    SIGN_IN_SERVICE,
    SIGN_IN_UNAVAILABLE,
    STORED_DATA_ERRORS,
    TRIGGER_SOURCES,
)
from tests.support.configs import ALARM_TOPIC_ARN, demo_raw
from tests.support.template import Synth, service_function

ROOT = Path(__file__).resolve().parents[2]
ALARM = "AWS::CloudWatch::Alarm"
ALARMS = (
    "HookErrors",
    "HookThrottles",
    "HookDuration",
    "SignInErrors",
    "SignInLockouts",
    "SignInDataErrors",
    "SignInUnavailable",
    "ApiClientErrors",
    "ApiServerErrors",
    "ItemsErrors",
    "ItemsCallerRefused",
    "ItemsApiClientErrors",
    "ItemsApiServerErrors",
)
PERIOD = 300


def function_id(template: Template, service: str) -> str:
    return template.get_resource_id(
        "AWS::Lambda::Function", {"Properties": service_function(service)}
    )


def environment(template: Template, service: str) -> dict[str, Any]:
    variables = Capture(Match.object_like({"POWERTOOLS_SERVICE_NAME": service}))
    template.has_resource_properties(
        "AWS::Lambda::Function", {"Environment": {"Variables": variables}}
    )
    found: dict[str, Any] = variables.as_object()
    return found


def dashboard_body(template: Template) -> str:
    """The dashboard JSON with every reference replaced by ``<logical id>``."""
    body = Capture()
    template.resource_count_is("AWS::CloudWatch::Dashboard", 1)
    template.has_resource_properties("AWS::CloudWatch::Dashboard", {"DashboardBody": body})
    _, parts = body.as_object()["Fn::Join"]  # it names the pool, the functions, the alarms
    return "".join(
        part if isinstance(part, str) else f"<{part.get('Ref') or part['Fn::GetAtt'][0]}>"
        for part in parts
    )


def test_exactly_the_documented_alarms_exist(synth: Synth) -> None:
    for stack in (synth.demo.assertions, synth.variant.assertions):
        stack.resource_count_is(ALARM, len(ALARMS))
        # CloudFormation names the alarms: unique per stack, always within its length limit.
        stack.all_resources_properties(
            ALARM, {"TreatMissingData": "notBreaching", "AlarmName": Match.absent()}
        )
        alarms = stack.find_resources(ALARM)
        for name in ALARMS:
            assert len([a for a in alarms if a.startswith(f"Monitoring{name}")]) == 1, name


@pytest.mark.parametrize(
    ("service", "metric", "statistic", "threshold"),
    [
        pytest.param(HOOK_SERVICE, "Errors", "Sum", 1, id="HookErrors"),
        pytest.param(HOOK_SERVICE, "Throttles", "Sum", 1, id="HookThrottles"),
        pytest.param(SIGN_IN_SERVICE, "Errors", "Sum", 1, id="SignInErrors"),
        pytest.param(ITEMS_SERVICE, "Errors", "Sum", 1, id="ItemsErrors"),
    ],
)
def test_function_alarms_fire_on_the_first_failure(
    assertions: Template, service: str, metric: str, statistic: str, threshold: int
) -> None:
    function = {"Name": "FunctionName", "Value": {"Ref": function_id(assertions, service)}}
    assertions.has_resource_properties(
        ALARM,
        {
            "Namespace": "AWS/Lambda",
            "MetricName": metric,
            "Statistic": statistic,
            "Dimensions": [Match.object_equals(function)],
            "Threshold": threshold,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "Period": PERIOD,
            "EvaluationPeriods": 1,
            "DatapointsToAlarm": 1,
        },
    )


def test_hook_duration_alarm_is_80_percent_of_the_hook_timeout(assertions: Template) -> None:
    timeout = Capture()
    assertions.has_resource_properties(
        "AWS::Lambda::Function", {**service_function(HOOK_SERVICE), "Timeout": timeout}
    )
    hook = {"Name": "FunctionName", "Value": {"Ref": function_id(assertions, HOOK_SERVICE)}}
    assertions.has_resource_properties(
        ALARM,
        {
            "MetricName": "Duration",
            "ExtendedStatistic": "p99",
            "Dimensions": [hook],
            "Threshold": 0.8 * timeout.as_number() * 1000,
            "EvaluationPeriods": 3,
            "DatapointsToAlarm": 2,
        },
    )


# Values for the environment entries the template fills in at deploy time.
DEPLOY_TIME = {
    "USER_TABLE": "emf-users",
    "ITEMS_TABLE": "emf-items",
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


def emf_lines(template: Template, service: str, *args: str) -> list[dict[str, Any]]:
    """Run the function's handler with the environment its template gives it (in a process
    of its own: the handlers read their settings at import) and return the EMF it prints."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("POWERTOOLS_", "AWS_"))},
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        **{
            name: deploy_time_value(name, value)
            for name, value in environment(template, service).items()
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


def assert_alarm_reads(synth: Synth, metric: str, threshold: int, emf: dict[str, Any]) -> None:
    """An alarm of the stack judges ``metric`` in 5-minute sums from ``threshold`` on, under
    the namespace and dimensions the function's EMF line ``emf`` publishes it with."""
    namespace, dimensions = Capture(), Capture()
    synth.demo.assertions.has_resource_properties(
        ALARM,
        {
            "MetricName": metric,
            "Namespace": namespace,
            "Dimensions": dimensions,
            "Statistic": "Sum",
            "Threshold": threshold,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "Period": PERIOD,
            "EvaluationPeriods": 1,
        },
    )
    assert namespace.as_string() == synth.demo.config.stack_name
    assert published(emf, metric) == {
        "Namespace": namespace.as_string(),
        "Dimensions": sorted(dimensions.as_array(), key=lambda d: d["Name"]),
    }


@pytest.fixture(scope="module")
def sign_in_emf(synth: Synth) -> list[dict[str, Any]]:
    """The developer-auth function's EMF lines: a locked user's answer, a refused record's, and
    a throttled token's."""
    return emf_lines(synth.demo.assertions, SIGN_IN_SERVICE, "sign-in")


@pytest.mark.parametrize(
    ("metric", "threshold"),
    [
        ("SignInLocked", LOCKED_SIGN_INS),
        (SIGN_IN_DATA_ERROR, STORED_DATA_ERRORS),
        (SIGN_IN_UNAVAILABLE, DEPENDENCY_FAILURES),
    ],
)
def test_sign_in_alarms_read_what_the_sign_in_function_publishes(
    synth: Synth, sign_in_emf: list[dict[str, Any]], metric: str, threshold: int
) -> None:
    """Lock-outs alarm past a few (one user retrying makes some); a stored record no session
    may carry, and a dependency that failed, alarm at once: the function answers them (500,
    503) without failing, so neither the function's errors alarm nor, below its minimum of
    requests, the API's 5xx rate sees them."""
    [emf] = [line for line in sign_in_emf if metric in line]
    assert_alarm_reads(synth, metric, threshold, emf)


def test_caller_refused_alarm_reads_what_the_items_function_publishes(synth: Synth) -> None:
    """One CallerRefused in five minutes alarms: a caller IAM let in with credentials the
    function refuses means a grant outside the identity pool's roles reaches the API."""
    [emf] = emf_lines(synth.demo.assertions, ITEMS_SERVICE, "stranger")
    assert_alarm_reads(synth, CALLER_REFUSED, 1, emf)


@pytest.mark.parametrize(
    ("api", "metric", "threshold"),
    [
        pytest.param("login", "4XXError", 50, id="ApiClientErrors"),
        pytest.param("login", "5XXError", 1, id="ApiServerErrors"),
        pytest.param("items", "4XXError", 50, id="ItemsApiClientErrors"),
        pytest.param("items", "5XXError", 1, id="ItemsApiServerErrors"),
    ],
)
def test_api_error_rate_alarms(synth: Synth, api: str, metric: str, threshold: int) -> None:
    api_name = [{"Name": "ApiName", "Value": f"{synth.demo.config.stack_name}-{api}"}]

    def sum_of(metric_name: str) -> dict[str, Any]:
        return {
            "Metric": Match.object_equals(
                {"Namespace": "AWS/ApiGateway", "MetricName": metric_name, "Dimensions": api_name}
            ),
            "Stat": "Sum",
            "Period": PERIOD,
        }

    synth.demo.assertions.has_resource_properties(
        ALARM,
        {
            "Metrics": [
                {
                    "Expression": "IF(requests >= 20, 100 * errors / requests, 0)",
                    "ReturnData": True,
                },
                {"Id": "errors", "MetricStat": sum_of(metric), "ReturnData": False},
                {"Id": "requests", "MetricStat": sum_of("Count"), "ReturnData": False},
            ],
            "Threshold": threshold,
        },
    )


def test_api_metrics_are_keyed_by_a_name_unique_to_this_stack(synth: Synth) -> None:
    for stack in (synth.demo, synth.variant):
        apis = stack.assertions.find_resources("AWS::ApiGateway::RestApi")
        names = {api["Properties"]["Name"] for api in apis.values()}
        name = stack.config.stack_name
        assert names == {f"{name}-login", f"{name}-items"}


def test_dashboard_shows_sign_ins_tokens_and_credentials(synth: Synth) -> None:
    template = synth.demo.assertions
    name = f"{synth.demo.config.stack_name}-sign-in"
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,255}", name)
    template.has_resource_properties("AWS::CloudWatch::Dashboard", {"DashboardName": name})
    body = dashboard_body(template)
    pool_id = template.get_resource_id("AWS::Cognito::UserPool")
    client_id = template.get_resource_id("AWS::Cognito::UserPoolClient")
    for metric in ("SignInSuccesses", "TokenRefreshSuccesses", "SignInThrottles"):
        assert (
            f'["AWS/Cognito","{metric}","UserPool","<{pool_id}>","UserPoolClient","<{client_id}>"'
            in body
        )
    namespace = synth.demo.config.stack_name
    # What the hook prints when it runs, once per trigger source, is what the widget graphs.
    emf = emf_lines(template, HOOK_SERVICE, "token", *TRIGGER_SOURCES)
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
        assert f'["{namespace}","{outcome}","service","{SIGN_IN_SERVICE}"' in body
    for refusal in (ITEM_REFUSED, CALLER_REFUSED):
        assert f'["{namespace}","{refusal}","service","{ITEMS_SERVICE}"' in body
    for api in template.find_resources("AWS::ApiGateway::RestApi").values():
        for api_metric in ("Count", "4XXError", "5XXError", "Latency", "IntegrationLatency"):
            assert (
                f'"AWS/ApiGateway","{api_metric}","ApiName","{api["Properties"]["Name"]}"' in body
            )
    items = function_id(template, ITEMS_SERVICE)
    for lambda_metric in ("Invocations", "Errors", "Throttles", "Duration"):
        assert f'"AWS/Lambda","{lambda_metric}","FunctionName","<{items}>"' in body
    # The alarm status widget lists every alarm.
    for logical_id in template.find_resources(ALARM):
        assert f"<{logical_id}>" in body


def test_credentials_widget_shows_what_is_published(synth: Synth) -> None:
    """Identity pools publish no per-pool GetId/GetCredentialsForIdentity metric: the widget
    graphs the developer tokens the sign-in function obtains (one per SignInSucceeded)."""
    body = json.loads(dashboard_body(synth.demo.assertions))
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
    synth.demo.assertions.all_resources_properties(
        ALARM, {"AlarmActions": Match.absent(), "OKActions": Match.absent()}
    )
    # An existing topic is referenced, never created: no subscription lands in the template.
    synth.variant.assertions.resource_count_is("AWS::SNS::Topic", 0)
    synth.variant.assertions.resource_count_is("AWS::SNS::Subscription", 0)


def test_alarms_notify_the_configured_topic_only(synth: Synth) -> None:
    assert synth.variant.config.monitoring.alarm_topic_arn == ALARM_TOPIC_ARN
    synth.variant.assertions.all_resources_properties(
        ALARM,
        {
            "AlarmActions": [ALARM_TOPIC_ARN],
            "OKActions": [ALARM_TOPIC_ARN],
            "InsufficientDataActions": Match.absent(),
        },
    )


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
