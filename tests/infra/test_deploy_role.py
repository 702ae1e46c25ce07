"""The pipeline's deploy role, attacked: only GitHub Actions jobs of the configured repository,
on the configured branches or in the configured environments, may assume it, and it may only
assume the CDK bootstrap roles.

The trust is judged by the offline IAM evaluator as STS judges AssumeRoleWithWebIdentity, with
the claims GitHub puts in a job's token (GitHub docs, "About security hardening with OpenID
Connect": ``sub`` is ``repo:<owner>/<name>:ref:refs/heads/<branch>`` for a push,
``...:environment:<name>`` for a job in an environment, ``...:pull_request`` for a pull request,
and ``aud`` the audience the AWS action asks for). So the trust and the policy are read as JSON,
resolved and judged; what the stack holds is stated with aws_cdk.assertions.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App
from aws_cdk.assertions import Match, Template

from facts import iam
from infra.config import ConfigError, parse_config
from infra.deploy_role import GITHUB_ISSUER, STS_AUDIENCE
from infra.deploy_role_stack import DeployRoleStack
from tests.support.invariants import lambda_permission_violations, trust_violations
from tests.support.template import Synth, resolve

ACCOUNT, REGION = "123456789012", "eu-west-1"
PROVIDER_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{GITHUB_ISSUER}"
PSEUDO = {"AWS::Partition": "aws", "AWS::AccountId": ACCOUNT, "AWS::Region": REGION}


def deploy_role_template(synth: Synth) -> dict[str, Any]:
    """The all-providers example switches the pipeline on: its deploy-role stack."""
    name = synth.providers.config.deploy_role_stack_name
    template: dict[str, Any] = json.loads(
        (Path(synth.outdir) / f"{name}.template.json").read_text()
    )
    return template


def trust_and_policy(template: Template) -> tuple[dict[str, Any], dict[str, Any]]:
    names = dict(PSEUDO)
    for logical_id in template.find_resources("AWS::IAM::OIDCProvider"):
        names[logical_id] = PROVIDER_ARN
    [role] = template.find_resources("AWS::IAM::Role").values()
    properties = resolve(role["Properties"], names)
    [policy] = properties["Policies"]
    return properties["AssumeRolePolicyDocument"], policy["PolicyDocument"]


def may_assume(trust: dict[str, Any], sub: str, aud: str = STS_AUDIENCE) -> bool:
    request = iam.Request(
        "sts:AssumeRoleWithWebIdentity",
        None,
        {f"{GITHUB_ISSUER}:sub": sub, f"{GITHUB_ISSUER}:aud": aud},
        federated=PROVIDER_ARN,
    )
    return iam.is_allowed(request, [], [trust])


@pytest.fixture(scope="module")
def role(synth: Synth) -> tuple[dict[str, Any], dict[str, Any], str]:
    pipeline = synth.providers.config.pipeline
    assert pipeline is not None
    trust, policy = trust_and_policy(Template.from_json(deploy_role_template(synth)))
    return trust, policy, pipeline.repository


def test_a_push_to_the_branch_and_a_job_in_the_environment_may_deploy(role) -> None:
    trust, _, repository = role
    assert may_assume(trust, f"repo:{repository}:ref:refs/heads/main")
    assert may_assume(trust, f"repo:{repository}:environment:prod")


@pytest.mark.parametrize(
    "attack",
    [
        "repo:someone-else/idpools:ref:refs/heads/main",  # another repository
        "repo:{repository}:ref:refs/heads/feature",  # another branch
        "repo:{repository}:pull_request",  # a pull request, a fork's included
        "repo:{repository}:environment:staging",  # another environment
        "repo:{repository}:ref:refs/heads/main-evil",  # a prefix is not the branch
        "repo:{repository}:ref:refs/tags/main",  # a tag named like the branch
    ],
)
def test_other_jobs_are_refused(role, attack: str) -> None:
    trust, _, repository = role
    assert not may_assume(trust, attack.format(repository=repository))


def test_a_token_for_another_audience_is_refused(role) -> None:
    trust, _, repository = role
    assert not may_assume(trust, f"repo:{repository}:ref:refs/heads/main", aud="other")


def test_the_role_may_only_assume_the_cdk_bootstrap_roles(role) -> None:
    _, policy, _ = role

    def allowed(action: str, resource: str) -> bool:
        return iam.is_allowed(iam.Request(action, resource), [policy])

    bootstrap = f"arn:aws:iam::{ACCOUNT}:role/cdk-hnb659fds-deploy-role-{ACCOUNT}-{REGION}"
    assert allowed("sts:AssumeRole", bootstrap)
    assert not allowed("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/idpools-sandbox-admins")
    assert not allowed("s3:GetObject", "arn:aws:s3:::any-bucket/key")
    assert not allowed("iam:CreateRole", f"arn:aws:iam::{ACCOUNT}:role/x")


def test_an_existing_github_provider_is_used_not_created() -> None:
    app = App()
    stack = DeployRoleStack(
        app,
        "DeployRole",
        repository="my-org/my-app",
        branches=["main"],
        environments=[],
        oidc_provider_arn=PROVIDER_ARN,
    )
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::IAM::OIDCProvider", 0)
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [{"Principal": Match.object_equals({"Federated": PROVIDER_ARN})}]
            }
        },
    )
    trust, _ = trust_and_policy(template)
    assert may_assume(trust, "repo:my-org/my-app:ref:refs/heads/main")


def test_the_deploy_role_stack_exists_exactly_for_configs_with_a_pipeline(synth: Synth) -> None:
    names = {path.name for path in Path(synth.outdir).glob("*-deploy-role.template.json")}
    stacks = (synth.demo, synth.variant, synth.providers, synth.forked, synth.configured)
    expected = {
        f"{s.config.deploy_role_stack_name}.template.json" for s in stacks if s.config.pipeline
    }
    assert names == expected


@pytest.mark.parametrize(
    ("pipeline", "message"),
    [
        ({"repository": "no-slash"}, "config.pipeline.repository: 'no-slash' is not a GitHub"),
        ({"repository": "o/r", "branches": ["rel/*"]}, "config.pipeline.branches[0]: 'rel/*'"),
        (
            {"repository": "o/r", "branches": [], "environments": []},
            "config.pipeline: names no branch and no environment",
        ),
        (
            {"repository": "o/r", "oidcProviderArn": "arn:aws:iam::1:oidc-provider/x"},
            "config.pipeline.oidcProviderArn:",
        ),
    ],
)
def test_pipeline_config_errors_name_the_key(pipeline: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"pipeline": copy.deepcopy(pipeline)})
    assert str(caught.value).startswith(message), str(caught.value)


def test_the_deploy_role_stack_passes_the_template_invariants(synth: Synth) -> None:
    # The same gates as the app's stack: cdk-nag ran in the session's synth (it would have
    # failed), cfn-lint and checkov run over every template (tests/test_app.py, make lint).
    template = deploy_role_template(synth)
    assert trust_violations(template) == []
    assert lambda_permission_violations(template) == []
