"""Stages: each deploys as <appName>-<stage>, protected unless the config declares it
disposable, and stages in one account share no name that must be unique there.

A protected stage is judged by resource type over whole templates (a table or bucket a forker
adds is covered), so this module reads templates as plain JSON; one synthesis serves every
assertion (tests/conftest.py: the variant is ``prod``, the forked config a ``production`` stage
nobody declared disposable, with the forker's own key, table and bucket).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App

from app import context_config
from facts.stateful import RETAINED_TYPES
from infra.config import CONTEXT_KEY, ConfigError, Stage, cdk_json_context, parse_config
from tests.support.configs import demo_raw
from tests.support.session_synth import FORKERS_BUCKET, FORKERS_RESOURCE, FORKERS_TABLE
from tests.support.template import Synth, Synthesized, Template

# Properties that set a name CloudFormation does not generate, and that must be unique.
NAMED = {
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::SAMLProvider": "Name",
    "AWS::IAM::OIDCProvider": "Url",
    "AWS::ApiGateway::RestApi": "Name",
    "AWS::CloudWatch::Dashboard": "DashboardName",
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::Cognito::UserPoolDomain": "Domain",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Logs::LogGroup": "LogGroupName",
}
# What the operators lose first, whatever else the list holds.
MUST_KEEP = {
    "AWS::Cognito::UserPool",
    "AWS::Cognito::IdentityPool",
    "AWS::Cognito::UserPoolGroup",
    "AWS::Cognito::UserPoolClient",
    "AWS::DynamoDB::Table",
    "AWS::S3::Bucket",
    "AWS::KMS::Key",
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
    app = App(context={**context, "stage": "dev-alice"})
    config = parse_config(context_config(app))
    assert config.stack_name == f"{context[CONTEXT_KEY]['appName']}-dev-alice"
    assert not config.protected


@pytest.mark.parametrize(
    ("stage", "protected"),
    [
        ("sandbox", False),
        ("dev-alice", False),
        (Stage.PROD, True),
        ("production", True),
        ("prd", True),
        ("staging", True),
        ("developer", True),
    ],
)
def test_every_stage_is_protected_unless_the_config_declares_it_disposable(
    stage: str, protected: bool
) -> None:
    raw = {**demo_raw(), "stage": stage}
    assert raw["disposableStages"] == ["sandbox", "dev-*"]
    assert parse_config(raw).protected is protected
    # Without the key, nothing is disposable: a forker's stage is safe without saying so.
    assert parse_config({"stage": stage}).protected


@pytest.mark.parametrize("pattern", ["*", "p*", "pro?", "*od", "pr*d"])
def test_no_pattern_may_make_prod_disposable(pattern: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"disposableStages": ["sandbox", pattern]})
    assert str(caught.value).startswith(
        f"config.disposableStages[1]: {pattern!r} would make the stage 'prod' disposable"
    )


def test_prod_is_disposable_only_by_its_exact_name() -> None:
    """The deliberate way to delete it (docs/operations.md)."""
    assert not parse_config({"stage": Stage.PROD, "disposableStages": [Stage.PROD]}).protected


def termination_protection(synth: Synth, stack: Synthesized) -> bool:
    manifest = json.loads((synth.outdir / "manifest.json").read_text())
    artifact = manifest["artifacts"][stack.path.name.removesuffix(".template.json")]
    return bool(artifact["properties"].get("terminationProtection", False))


def stateful(template: Template) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] in RETAINED_TYPES
    }


def test_the_retained_types_cover_users_identities_memberships_and_data() -> None:
    assert set(RETAINED_TYPES) >= MUST_KEEP


@pytest.mark.parametrize("stack", ["variant", "forked"])
def test_a_protected_stage_keeps_every_stateful_resource(synth: Synth, stack: str) -> None:
    protected: Synthesized = getattr(synth, stack)
    assert protected.config.protected
    assert protected.config.stage in (Stage.PROD, "production")
    resources = stateful(protected.template)
    assert MUST_KEEP - {"AWS::KMS::Key"} <= {r["Type"] for r in resources.values()}
    for logical_id, resource in resources.items():
        policies = (resource.get("DeletionPolicy"), resource.get("UpdateReplacePolicy"))
        assert policies == ("Retain", "Retain"), logical_id
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::Cognito::UserPool":
            assert properties["DeletionProtection"] == "ACTIVE", logical_id
        if resource["Type"] == "AWS::DynamoDB::Table":
            assert properties["DeletionProtectionEnabled"] is True, logical_id
            recovery = properties["PointInTimeRecoverySpecification"]
            assert recovery["PointInTimeRecoveryEnabled"] is True, logical_id
    assert termination_protection(synth, protected)


def test_what_a_forker_adds_is_kept_in_a_protected_stage(synth: Synth) -> None:
    """The forker wrote their key, table and bucket to be destroyed, the table without deletion
    protection or point-in-time recovery (tests/conftest.py); the stage keeps them by type."""
    resources = stateful(synth.forked.template)
    for construct_id in (FORKERS_RESOURCE, FORKERS_TABLE, FORKERS_BUCKET):
        [resource] = [r for lid, r in resources.items() if lid.startswith(construct_id)]
        assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain"
    [table] = [r for lid, r in resources.items() if lid.startswith(FORKERS_TABLE)]
    assert table["Properties"]["DeletionProtectionEnabled"] is True
    assert table["Properties"]["PointInTimeRecoverySpecification"] == {
        "PointInTimeRecoveryEnabled": True
    }


def test_a_disposable_stage_is_deleted_whole(synth: Synth) -> None:
    sandbox = synth.demo
    assert not sandbox.config.protected
    resources = stateful(sandbox.template)
    assert resources
    for logical_id, resource in resources.items():
        # CloudFormation deletes a resource without a DeletionPolicy.
        assert resource.get("DeletionPolicy", "Delete") == "Delete", logical_id
        properties = resource.get("Properties", {})
        assert properties.get("DeletionProtection") in (None, "INACTIVE"), logical_id
        assert properties.get("DeletionProtectionEnabled") in (None, False), logical_id
    assert not termination_protection(synth, sandbox)


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
