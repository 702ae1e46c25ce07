"""The pre token hook in the template: trigger, function, permission, settings, no cycle."""

from __future__ import annotations

import copy
import json
import re
import tomllib
from pathlib import Path

import pytest
from aws_cdk import aws_lambda as lambda_

from infra.config import (
    WRITABLE,
    ConfigError,
    EventVersion,
    FeaturePlan,
    parse_config,
    refuse_user_writable_inputs,
)
from infra.python_function import POWERTOOLS_LAYER_PARAMETER, POWERTOOLS_VERSION, RUNTIME
from tests.support.configs import demo_raw
from tests.support.invariants import lambda_permission_violations
from tests.support.template import (
    Template,
    dependency_cycle,
    only,
    permission_for,
    under,
)

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def function(template: Template) -> tuple[str, dict]:
    return under(template, "AWS::Lambda::Function", "TokenHook")


def test_trigger_uses_the_configured_event_version(template: Template, variant: Template) -> None:
    for t, version in ((template, "V2_0"), (variant, "V1_0")):
        _, pool = only(t, "AWS::Cognito::UserPool")
        function_id, _ = function(t)
        assert pool["Properties"]["LambdaConfig"] == {
            "PreTokenGenerationConfig": {
                "LambdaArn": {"Fn::GetAtt": [function_id, "Arn"]},
                "LambdaVersion": version,
            }
        }


def test_function_is_arm64_newest_python_short_timeout_with_log_retention(
    template: Template,
) -> None:
    _, fn = function(template)
    properties = fn["Properties"]
    assert properties["Architectures"] == ["arm64"]
    assert properties["Runtime"] == RUNTIME.name == "python3.14"
    assert properties["Timeout"] <= 3  # Cognito gives a trigger 5 s
    log_group_id = properties["LoggingConfig"]["LogGroup"]["Ref"]
    assert template["Resources"][log_group_id]["Properties"]["RetentionInDays"] == 30


def test_runtime_is_the_newest_python_cdk_knows() -> None:
    minors = [
        int(name.split("_")[2]) for name in dir(lambda_.Runtime) if name.startswith("PYTHON_3_")
    ]
    assert RUNTIME.name == f"python3.{max(minors)}"


def test_powertools_layer_is_the_pinned_version(template: Template) -> None:
    pins = tomllib.loads(PYPROJECT.read_text())["project"]["optional-dependencies"]["runtime"]
    [pin] = [p for p in pins if p.startswith("aws-lambda-powertools==")]
    assert pin == f"aws-lambda-powertools=={POWERTOOLS_VERSION}"
    _, fn = function(template)
    assert fn["Properties"]["Layers"] == [f"{{{{resolve:ssm:{POWERTOOLS_LAYER_PARAMETER}}}}}"]
    assert POWERTOOLS_LAYER_PARAMETER.endswith(f"/arm64/python3.14/{POWERTOOLS_VERSION}")


def test_invoke_permission_names_the_pool_and_the_account(template: Template) -> None:
    pool_id, _ = only(template, "AWS::Cognito::UserPool")
    function_id, _ = function(template)
    permission = permission_for(template, "cognito-idp.amazonaws.com")
    assert permission["Properties"] == {
        "Action": "lambda:InvokeFunction",
        "FunctionName": {"Fn::GetAtt": [function_id, "Arn"]},
        "Principal": "cognito-idp.amazonaws.com",
        "SourceArn": {"Fn::GetAtt": [pool_id, "Arn"]},
        "SourceAccount": {"Ref": "AWS::AccountId"},
    }
    assert lambda_permission_violations(template) == []


def test_hook_role_may_only_write_its_own_logs(template: Template) -> None:
    _, fn = function(template)
    role_id = fn["Properties"]["Role"]["Fn::GetAtt"][0]
    role = template["Resources"][role_id]["Properties"]
    assert "ManagedPolicyArns" not in role
    [policy] = role["Policies"]
    [statement] = policy["PolicyDocument"]["Statement"]
    assert statement["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    log_group_id = fn["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    assert statement["Resource"] == {"Fn::GetAtt": [log_group_id, "Arn"]}


def test_templates_have_no_dependency_cycle(template: Template, variant: Template) -> None:
    assert dependency_cycle(template) is None
    assert dependency_cycle(variant) is None


def test_a_cycle_through_the_hook_would_be_caught(template: Template) -> None:
    """What passing a group role's ARN to the hook by Ref would do."""
    cyclic = copy.deepcopy(template)
    function_id, fn = function(cyclic)
    role_id = next(r for r in cyclic["Resources"] if r.startswith("GroupsadminsRole"))
    fn["Properties"]["Environment"]["Variables"]["ADMIN_ROLE"] = {"Fn::GetAtt": [role_id, "Arn"]}
    cycle = dependency_cycle(cyclic)
    assert cycle is not None and function_id in cycle and role_id in cycle


def test_v2_hook_on_lite_plan_fails_the_synth() -> None:
    raw = {**demo_raw(), "featurePlan": "LITE"}
    with pytest.raises(ConfigError, match=r"^config\.tokenHook\.eventVersion: V2_0 needs"):
        parse_config(raw)
    raw["tokenHook"]["eventVersion"] = "V1_0"
    assert parse_config(raw).token_hook.event_version is EventVersion.V1_0


def test_scopes_need_a_v2_hook() -> None:
    raw = demo_raw()
    raw["groups"][0]["scopes"] = ["storage/admin"]
    assert parse_config(raw).groups[0].scopes == ("storage/admin",)
    raw["tokenHook"]["eventVersion"] = "V1_0"
    with pytest.raises(ConfigError, match=r"^config\.groups\[0\]\.scopes: scopes go into"):
        parse_config(raw)


def test_the_user_admin_scope_is_refused() -> None:
    raw = demo_raw()
    raw["groups"][1]["scopes"] = ["storage/write", "aws.cognito.signin.user.admin"]
    with pytest.raises(ConfigError, match=r"^config\.groups\[1\]\.scopes\[1\]: aws\.cognito"):
        parse_config(raw)


def test_claim_from_a_user_writable_attribute_fails_the_synth() -> None:
    writable = sorted(WRITABLE)[0]
    raw = demo_raw()
    raw["tokenHook"]["claims"].append({"claim": "tenant_hint", "source": writable})
    with pytest.raises(ConfigError) as caught:
        parse_config(raw)
    assert str(caught.value).startswith(
        f"config.tokenHook.claims[2].source: '{writable}' is writable by the app client"
    )


def test_idp_group_attribute_writable_by_the_native_client_fails_the_synth() -> None:
    # WRITABLE is code, not config: the rule is attacked with the write list a fork might have.
    config = parse_config(demo_raw())
    refuse_user_writable_inputs(config, frozenset(WRITABLE))
    with pytest.raises(ConfigError, match=r"^config\.federation: custom:idp_groups"):
        refuse_user_writable_inputs(config, frozenset({*WRITABLE, "custom:idp_groups"}))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda raw: raw["tokenHook"]["claims"].append({"claim": "sub", "source": "email"}),
            r"tokenHook\.claims\[2\]\.claim: 'sub' is a claim Cognito reserves",
        ),
        (
            lambda raw: raw["tokenHook"]["claims"].append({"claim": "t", "source": "tenant"}),
            r"tokenHook\.claims\[2\]\.source: 'tenant' is not an attribute.*custom: prefix",
        ),
        (
            lambda raw: raw["tokenHook"]["claims"].append({"claim": "x", "source": "custom:x"}),
            r"tokenHook\.claims\[2\]\.source: 'custom:x' is not an attribute",
        ),
        (
            lambda raw: raw["tokenHook"]["claims"][0].update(transforms=["upper"]),
            r"tokenHook\.claims\[0\]\.transforms\[0\]: unknown value 'upper'",
        ),
        (
            lambda raw: raw["tokenHook"].update(idpGroupMap={"Admins": "admins"}),
            r"tokenHook\.idpGroupMap: has moved.*federation\.saml\[i\]\.groupMap",
        ),
        (
            lambda raw: raw["tokenHook"]["suppressClaims"].append("aud"),
            r"tokenHook\.suppressClaims\[1\]: 'aud' is a claim Cognito reserves",
        ),
        (
            lambda raw: raw["tokenHook"]["suppressClaims"].append("tenant"),
            r"tokenHook\.suppressClaims\[1\]: 'tenant' is also added",
        ),
        (
            lambda raw: raw["tokenHook"]["claims"].append({"claim": "tenant", "source": "email"}),
            r"tokenHook\.claims\[2\]\.claim: 'tenant' is set twice",
        ),
        (
            lambda raw: raw["tokenHook"]["claims"].append({"source": "email"}),
            r"tokenHook\.claims\[2\]\.claim: is missing",
        ),
        (
            lambda raw: raw["groups"][0].update(name="a" * 49),
            r"groups\[0\]\.name: makes the role name 'idpools-sandbox-a+', 65 characters long",
        ),
    ],
)
def test_hook_config_errors_name_the_key(change, expected: str) -> None:
    raw = demo_raw()
    change(raw)
    with pytest.raises(ConfigError, match=rf"^config\.{expected}"):
        parse_config(raw)


def test_lite_plan_with_v1_hook_is_allowed() -> None:
    raw = {**demo_raw(), "featurePlan": "LITE"}
    raw["tokenHook"] = {**raw["tokenHook"], "eventVersion": "V1_0"}
    config = parse_config(raw)
    assert config.feature_plan is FeaturePlan.LITE
    assert re.fullmatch(r"idpools-sandbox-\w+", config.group_role_name("admins"))
    assert json.dumps(config.token_hook.event_version) == '"V1_0"'
