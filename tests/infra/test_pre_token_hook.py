"""The pre token hook in the template: trigger, function, permission, settings, no cycle."""

from __future__ import annotations

import copy
import json
import re
import tomllib
from pathlib import Path

import pytest
from aws_cdk.assertions import Capture, Match, Template

from infra.config import (
    WRITABLE,
    ConfigError,
    EventVersion,
    FeaturePlan,
    parse_config,
    refuse_user_writable_inputs,
)
from infra.monitoring import HOOK_SERVICE
from infra.python_function import POWERTOOLS_LAYER_PARAMETER, POWERTOOLS_VERSION, RUNTIME
from tests.support.configs import demo_raw
from tests.support.invariants import lambda_permission_violations
from tests.support.template import (
    COGNITO_IDP,
    Synth,
    has_only_permission,
    invoke_permission,
    service_function,
)

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


HOOK = service_function(HOOK_SERVICE)


def function_id(template: Template) -> str:
    return template.get_resource_id("AWS::Lambda::Function", {"Properties": HOOK})


def test_trigger_uses_the_configured_event_version(synth: Synth) -> None:
    for template, version in ((synth.demo.assertions, "V2_0"), (synth.variant.assertions, "V1_0")):
        template.resource_count_is("AWS::Cognito::UserPool", 1)
        template.has_resource_properties(
            "AWS::Cognito::UserPool",
            {
                "LambdaConfig": Match.object_equals(
                    {
                        "PreTokenGenerationConfig": {
                            "LambdaArn": {"Fn::GetAtt": [function_id(template), "Arn"]},
                            "LambdaVersion": version,
                        }
                    }
                )
            },
        )


def test_function_is_arm64_newest_python_short_timeout_with_log_retention(
    assertions: Template,
) -> None:
    timeout, log_group = Capture(), Capture()
    assertions.has_resource_properties(
        "AWS::Lambda::Function",
        {
            **HOOK,
            "Architectures": ["arm64"],
            "Runtime": RUNTIME.name,
            "Timeout": timeout,
            "LoggingConfig": {"LogGroup": {"Ref": log_group}},
        },
    )
    assert timeout.as_number() <= 3  # Cognito gives a trigger 5 s
    retained = {"Properties": {"RetentionInDays": 30}}
    assert log_group.as_string() in assertions.find_resources("AWS::Logs::LogGroup", retained)


def test_powertools_layer_is_the_pinned_version(assertions: Template) -> None:
    pins = tomllib.loads(PYPROJECT.read_text())["project"]["optional-dependencies"]["runtime"]
    [pin] = [p for p in pins if p.startswith("aws-lambda-powertools==")]
    assert pin == f"aws-lambda-powertools=={POWERTOOLS_VERSION}"
    layer = f"{{{{resolve:ssm:{POWERTOOLS_LAYER_PARAMETER}}}}}"
    assertions.has_resource_properties("AWS::Lambda::Function", {**HOOK, "Layers": [layer]})
    assert POWERTOOLS_LAYER_PARAMETER.endswith(f"/arm64/{RUNTIME.name}/{POWERTOOLS_VERSION}")


def test_invoke_permission_names_the_pool_and_the_account(synth: Synth) -> None:
    template = synth.demo.assertions
    pool_id = template.get_resource_id("AWS::Cognito::UserPool")
    pool = {"Fn::GetAtt": [pool_id, "Arn"]}
    has_only_permission(template, invoke_permission(function_id(template), COGNITO_IDP, pool))
    assert lambda_permission_violations(synth.demo.template) == []


def test_hook_role_may_only_write_its_own_logs(assertions: Template) -> None:
    role, log_group = Capture(), Capture()
    assertions.has_resource_properties(
        "AWS::Lambda::Function",
        {
            **HOOK,
            "Role": {"Fn::GetAtt": [role, "Arn"]},
            "LoggingConfig": {"LogGroup": {"Ref": log_group}},
        },
    )
    own_logs = {
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": {"Fn::GetAtt": [log_group.as_string(), "Arn"]},
    }
    hook_role = assertions.get_resource_id(
        "AWS::IAM::Role",
        {
            "Properties": {
                "ManagedPolicyArns": Match.absent(),
                "Policies": [{"PolicyDocument": {"Statement": [own_logs]}}],
            }
        },
    )
    assert hook_role == role.as_string()
    # Nor through a policy attached apart from the role.
    assertions.resource_properties_count_is(
        "AWS::IAM::Policy", {"Roles": Match.array_with([{"Ref": role.as_string()}])}, 0
    )


def test_templates_have_no_dependency_cycle(synth: Synth) -> None:
    # Template.from_json, which builds each stack's assertions, refuses a template with a cycle
    # (Ref, GetAtt, Sub, DependsOn).
    for stack in (synth.demo, synth.variant, synth.providers, synth.forked, synth.configured):
        assert isinstance(stack.assertions, Template)


def test_a_cycle_through_the_hook_would_be_caught(synth: Synth) -> None:
    """What passing a group role's ARN to the hook by Ref would do."""
    cyclic = copy.deepcopy(synth.demo.template)
    function = function_id(synth.demo.assertions)
    group = synth.demo.config.groups[0].name
    role = synth.demo.assertions.get_resource_id(
        "AWS::IAM::Role", {"Properties": {"RoleName": synth.demo.config.group_role_name(group)}}
    )
    variables = cyclic["Resources"][function]["Properties"]["Environment"]["Variables"]
    variables["GROUP_ROLE"] = {"Fn::GetAtt": [role, "Arn"]}
    with pytest.raises(RuntimeError, match="dependency cycle") as caught:
        Template.from_json(cyclic)
    [cycle] = re.findall(r"dependency cycle: (.*):", str(caught.value))
    assert {function, role} <= set(cycle.split(" -> "))


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
