"""The pipeline's deploy roles, attacked: each stage's role admits one GitHub Actions job only,
the deploy workflow's job in the GitHub environment named after the stage, run from the
configured branch of the configured repository; and it may only assume the CDK bootstrap roles.

The trust is judged by the offline IAM evaluator as STS judges AssumeRoleWithWebIdentity
(``StringEquals``: exact, case-sensitive), with the ``sub`` GitHub puts in a job's token under
the repository's subject template ``repo, context, workflow_ref`` (GitHub docs, "OpenID Connect
reference": "Customizing the subject claims", and the claims ``context`` stands for:
``environment:<name>`` for a job in an environment, else ``ref:<ref>`` or ``pull_request``), and
under GitHub's default template too, for a repository where nobody set it. AWS supports no other
GitHub claim in a trust policy ("Configuring OpenID Connect in Amazon Web Services"), so ``aud``
and ``sub`` are all a trust can pin.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment
from aws_cdk.assertions import Match, Template

from app import add_deploy_role
from facts import iam
from infra.config import AppConfig, ConfigError, parse_config
from infra.deploy_role import GITHUB_ISSUER, STS_AUDIENCE, SUBJECT_CLAIM_KEYS, github_subject
from infra.deploy_role_stack import DeployRoleStack
from tests.support.invariants import lambda_permission_violations, trust_violations
from tests.support.template import Synth, resolve

ACCOUNT, REGION = "123456789012", "eu-west-1"
PROVIDER_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{GITHUB_ISSUER}"
PSEUDO = {"AWS::Partition": "aws", "AWS::AccountId": ACCOUNT, "AWS::Region": REGION}
WORKFLOW = ".github/workflows/deploy.yml"


def deploy_role_template(synth: Synth) -> dict[str, Any]:
    """The all-providers example switches the pipeline on: its (sandbox) deploy-role stack."""
    name = synth.providers.config.deploy_role_stack_name
    template: dict[str, Any] = json.loads(
        (Path(synth.outdir) / f"{name}.template.json").read_text()
    )
    return template


def github_roles(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each role GitHub's OIDC provider may assume: logical id -> its trust, resolved."""
    names = dict(PSEUDO)
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] == "AWS::IAM::OIDCProvider":
            names[logical_id] = PROVIDER_ARN
    roles = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        trust = resource["Properties"]["AssumeRolePolicyDocument"]
        federated = [
            resolve(statement["Principal"]["Federated"], names)
            for statement in trust["Statement"]
            if "Federated" in statement.get("Principal", {})
        ]
        if any(GITHUB_ISSUER in principal for principal in federated):
            roles[logical_id] = resolve(trust, names)
    return roles


def role_policy(template: dict[str, Any]) -> dict[str, Any]:
    [role] = (r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Role")
    [policy] = resolve(role["Properties"]["Policies"], PSEUDO)
    document: dict[str, Any] = policy["PolicyDocument"]
    return document


def may_assume(trust: dict[str, Any], sub: str, aud: str = STS_AUDIENCE) -> bool:
    request = iam.Request(
        "sts:AssumeRoleWithWebIdentity",
        None,
        {f"{GITHUB_ISSUER}:sub": sub, f"{GITHUB_ISSUER}:aud": aud},
        federated=PROVIDER_ARN,
    )
    return iam.is_allowed(request, [], [trust])


def config_for(stage: str, pipeline: dict[str, Any], **rest: Any) -> AppConfig:
    return parse_config({"stage": stage, "pipeline": copy.deepcopy(pipeline), **rest})


PIPELINE = {"repository": "my-org/my-app", "stages": {"sandbox": {}, "prod": {}}}


@pytest.fixture(scope="module")
def prod_role() -> dict[str, Any]:
    """The prod stage's role stack, through the app's own wiring (one small stack, no cdk-nag)."""
    app = App()
    stack = add_deploy_role(app, config_for("prod", PIPELINE), Environment())
    assert stack is not None
    template: dict[str, Any] = Template.from_stack(stack).to_json()
    return template


@pytest.fixture(scope="module")
def roles(synth: Synth, prod_role: dict[str, Any]) -> dict[str, tuple[dict[str, Any], str]]:
    """Stage -> (its role's trust, its repository): the providers example's sandbox role, and
    the prod role of the pipeline above."""
    pipeline = synth.providers.config.pipeline
    assert pipeline is not None
    [sandbox] = github_roles(deploy_role_template(synth)).values()
    [prod] = github_roles(prod_role).values()
    return {"sandbox": (sandbox, pipeline.repository), "prod": (prod, "my-org/my-app")}


def deploy_job(repository: str, stage: str) -> str:
    """The sub of the deploy workflow's job for ``stage``, run from main, under the template."""
    return github_subject(repository, stage, WORKFLOW, "main")


@pytest.mark.parametrize("stage", ["sandbox", "prod"])
def test_the_stages_deploy_job_may_assume_its_role(roles, stage: str) -> None:
    trust, repository = roles[stage]
    assert may_assume(trust, deploy_job(repository, stage))
    assert deploy_job(repository, stage) == (
        f"repo:{repository}:environment:{stage}"
        f":workflow_ref:{repository}/.github/workflows/deploy.yml@refs/heads/main"
    )


OTHER_STAGE = {"sandbox": "prod", "prod": "sandbox"}
PR_WORKFLOW = ".github/workflows/pull-request.yml"
# What else GitHub may put in a token's sub: (what the attacker runs, sub from repository R and
# the role's stage S). Each is refused by each stage's role.
ATTACKS: list[tuple[str, Callable[[str, str], str]]] = [
    (
        "a push to main, no environment",
        lambda r, s: f"repo:{r}:ref:refs/heads/main:workflow_ref:{r}/{WORKFLOW}@refs/heads/main",
    ),
    (
        "a push to another branch",
        lambda r, s: (
            f"repo:{r}:ref:refs/heads/feature:workflow_ref:{r}/{WORKFLOW}@refs/heads/feature"
        ),
    ),
    (
        "the environment, from the deploy workflow on another branch",
        lambda r, s: f"repo:{r}:environment:{s}:workflow_ref:{r}/{WORKFLOW}@refs/heads/feature",
    ),
    (
        "the environment, from a branch whose name starts like main",
        lambda r, s: f"repo:{r}:environment:{s}:workflow_ref:{r}/{WORKFLOW}@refs/heads/main-evil",
    ),
    (
        "a tag",
        lambda r, s: f"repo:{r}:ref:refs/tags/v1.0.0:workflow_ref:{r}/{WORKFLOW}@refs/tags/v1.0.0",
    ),
    (
        "the environment, from a tag named like the branch",
        lambda r, s: f"repo:{r}:environment:{s}:workflow_ref:{r}/{WORKFLOW}@refs/tags/main",
    ),
    (
        "a pull request",
        lambda r, s: f"repo:{r}:pull_request:workflow_ref:{r}/{PR_WORKFLOW}@refs/pull/7/merge",
    ),
    (
        "a pull request whose job names the environment",
        lambda r, s: f"repo:{r}:environment:{s}:workflow_ref:{r}/{PR_WORKFLOW}@refs/pull/7/merge",
    ),
    (
        "a pull request that edits the deploy workflow to run on it",
        lambda r, s: f"repo:{r}:environment:{s}:workflow_ref:{r}/{WORKFLOW}@refs/pull/7/merge",
    ),
    (
        "the environment, from another workflow on main",
        lambda r, s: (
            f"repo:{r}:environment:{s}:workflow_ref:{r}/.github/workflows/other.yml@refs/heads/main"
        ),
    ),
    (
        "the environment, from another repository's workflow",
        lambda r, s: f"repo:{r}:environment:{s}:workflow_ref:evil/tools/{WORKFLOW}@refs/heads/main",
    ),
    (
        "another repository (a fork) with the same workflow and environment",
        lambda r, s: (
            f"repo:someone-else/idpools:environment:{s}:workflow_ref:"
            f"someone-else/idpools/{WORKFLOW}@refs/heads/main"
        ),
    ),
    ("the other stage's deploy job", lambda r, s: deploy_job(r, OTHER_STAGE[s])),
    (
        "the environment in other letter case",
        lambda r, s: deploy_job(r, s).replace(f":environment:{s}:", f":environment:{s.upper()}:"),
    ),
    ("the deploy job's sub with more after it", lambda r, s: deploy_job(r, s) + ":x"),
    # GitHub's default template, in a repository where nobody set the subject template: any
    # job of any workflow on any branch that names the environment gets this sub.
    ("the environment under GitHub's default subject", lambda r, s: f"repo:{r}:environment:{s}"),
    ("a push to main under GitHub's default subject", lambda r, s: f"repo:{r}:ref:refs/heads/main"),
    ("a pull request under GitHub's default subject", lambda r, s: f"repo:{r}:pull_request"),
]


@pytest.mark.parametrize("stage", ["sandbox", "prod"])
@pytest.mark.parametrize(("attack", "sub"), ATTACKS, ids=[a for a, _ in ATTACKS])
def test_every_other_job_is_refused(roles, stage: str, attack: str, sub) -> None:
    trust, repository = roles[stage]
    assert not may_assume(trust, sub(repository, stage)), attack


@pytest.mark.parametrize("stage", ["sandbox", "prod"])
def test_a_token_for_another_audience_is_refused(roles, stage: str) -> None:
    trust, repository = roles[stage]
    assert not may_assume(trust, deploy_job(repository, stage), aud="other")


def branch_and_environment_violations(template: dict[str, Any]) -> list[str]:
    """Every role GitHub's OIDC provider may assume admits exactly one job: ``StringEquals`` on
    ``aud`` (the AWS action's audience) and on one ``sub`` of a job in a GitHub environment;
    so no role admits both a branch and an environment, and none admits either by pattern."""
    violations = []
    for logical_id, trust in github_roles(template).items():
        for statement in trust["Statement"]:
            condition = statement.get("Condition", {})
            equals = condition.get("StringEquals", {})
            sub = equals.get(f"{GITHUB_ISSUER}:sub")
            if set(condition) != {"StringEquals"} or set(equals) != {
                f"{GITHUB_ISSUER}:aud",
                f"{GITHUB_ISSUER}:sub",
            }:
                violations.append(f"{logical_id}: conditions other than aud and sub equal")
            elif equals[f"{GITHUB_ISSUER}:aud"] != STS_AUDIENCE:
                violations.append(f"{logical_id}: aud is not {STS_AUDIENCE}")
            elif not isinstance(sub, str) or ":environment:" not in sub or ":ref:" in sub:
                violations.append(f"{logical_id}: sub {sub!r} is not one environment's job")
    return violations


def test_no_github_role_admits_a_branch_or_more_than_one_job(synth: Synth, prod_role) -> None:
    templates = [json.loads(path.read_text()) for path in synth.outdir.glob("*.template.json")]
    assert sum(len(github_roles(t)) for t in templates) >= 1
    for template in [*templates, prod_role]:
        assert branch_and_environment_violations(template) == []


def test_a_role_trusting_a_branch_and_an_environment_is_caught(prod_role) -> None:
    """The old shape, one role for the sandbox branch and the prod environment, is refused."""
    loosened = copy.deepcopy(prod_role)
    [role] = (r for r in loosened["Resources"].values() if r["Type"] == "AWS::IAM::Role")
    [statement] = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    sub = f"{GITHUB_ISSUER}:sub"
    statement["Condition"]["StringEquals"][sub] = [
        "repo:my-org/my-app:ref:refs/heads/main",
        "repo:my-org/my-app:environment:prod",
    ]
    [violation] = branch_and_environment_violations(loosened)
    assert "is not one environment's job" in violation
    statement["Condition"]["StringEquals"][sub] = "repo:my-org/my-app:environment:prod"
    statement["Condition"]["StringLike"] = {sub: "repo:my-org/*"}
    [violation] = branch_and_environment_violations(loosened)
    assert "conditions other than" in violation


def test_the_role_may_only_assume_the_cdk_bootstrap_roles(prod_role) -> None:
    policy = role_policy(prod_role)

    def allowed(action: str, resource: str) -> bool:
        return iam.is_allowed(iam.Request(action, resource), [policy])

    bootstrap = f"arn:aws:iam::{ACCOUNT}:role/cdk-hnb659fds-deploy-role-{ACCOUNT}-{REGION}"
    assert allowed("sts:AssumeRole", bootstrap)
    other_account = bootstrap.replace(ACCOUNT, "210987654321")
    assert not allowed("sts:AssumeRole", other_account)
    assert not allowed("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/idpools-prod-admins")
    assert not allowed("s3:GetObject", "arn:aws:s3:::any-bucket/key")
    assert not allowed("iam:CreateRole", f"arn:aws:iam::{ACCOUNT}:role/x")


def test_an_existing_github_provider_is_used_not_created() -> None:
    app = App()
    stack = DeployRoleStack(
        app,
        "DeployRole",
        repository="my-org/my-app",
        environment="prod",
        workflow=WORKFLOW,
        branch="main",
        existing_oidc_provider=True,
    )
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::IAM::OIDCProvider", 0)
    provider = {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":iam::",
                {"Ref": "AWS::AccountId"},
                f":oidc-provider/{GITHUB_ISSUER}",
            ],
        ]
    }
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [{"Principal": Match.object_equals({"Federated": provider})}]
            }
        },
    )
    [trust] = github_roles(template.to_json()).values()
    assert may_assume(trust, deploy_job("my-org/my-app", "prod"))


def test_each_stage_may_have_an_account_of_its_own() -> None:
    pipeline = {
        "repository": "my-org/my-app",
        "stages": {"sandbox": {"account": "111111111111"}, "prod": {"account": "222222222222"}},
    }
    sandbox, prod = config_for("sandbox", pipeline), config_for("prod", pipeline)
    assert (sandbox.stage_account, prod.stage_account) == ("111111111111", "222222222222")
    # Both of a stage's stacks go to its account: `cdk deploy` refuses credentials of another.
    stack = add_deploy_role(App(), prod, Environment(account=prod.stage_account))
    assert stack is not None and stack.account == "222222222222"
    # A stage the pipeline does not deploy has no deploy role, and the config's account.
    alice = config_for("alice", pipeline, account="333333333333")
    assert alice.stage_account == "333333333333"
    assert add_deploy_role(App(), alice, Environment()) is None


def test_the_deploy_role_stack_exists_exactly_for_stages_the_pipeline_deploys(
    synth: Synth,
) -> None:
    names = {path.name for path in Path(synth.outdir).glob("*-deploy-role.template.json")}
    stacks = (synth.demo, synth.variant, synth.providers, synth.forked, synth.configured)
    expected = {
        f"{s.config.deploy_role_stack_name}.template.json"
        for s in stacks
        if s.config.pipeline and s.config.pipeline.stage(s.config.stage)
    }
    assert expected and names == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"pipeline": {"repository": "no-slash"}}, "config.pipeline.repository: 'no-slash' is not"),
        (
            {"pipeline": {"repository": "o/r", "stages": {}}},
            "config.pipeline.stages: names no stage",
        ),
        (
            {"pipeline": {"repository": "o/r", "stages": {"Prod": {}}}},
            "config.pipeline.stages.Prod: 'Prod' is not a stage name",
        ),
        (
            {"pipeline": {"repository": "o/r", "stages": {"prod": {"account": "12"}}}},
            "config.pipeline.stages.prod.account: '12' is not a 12-digit",
        ),
        (
            {"pipeline": {"repository": "o/r", "branch": "rel/*"}},
            "config.pipeline.branch: 'rel/*' is not a branch name",
        ),
        (
            {"pipeline": {"repository": "o/r", "workflow": "deploy.yml"}},
            "config.pipeline.workflow: 'deploy.yml' is not a workflow file's path",
        ),
        # The keys of the one role every stage shared are gone: the synth says so.
        (
            {"pipeline": {"repository": "o/r", "environments": ["prod"]}},
            "config.pipeline.environments: is not a known key",
        ),
        (
            {
                "stage": "prod",
                "account": "111111111111",
                "pipeline": {"repository": "o/r", "stages": {"prod": {"account": "222222222222"}}},
            },
            "config.pipeline.stages.prod.account: is 222222222222, while account is 111111111111",
        ),
    ],
)
def test_pipeline_config_errors_name_the_key(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(copy.deepcopy(raw))
    assert str(caught.value).startswith(message), str(caught.value)


def test_the_deploy_role_stack_passes_the_template_invariants(synth: Synth) -> None:
    # The same gates as the app's stack: cdk-nag ran in the session's synth (it would have
    # failed), cfn-lint and checkov run over every template (tests/test_app.py, make lint).
    template = deploy_role_template(synth)
    assert trust_violations(template) == []
    assert lambda_permission_violations(template) == []


def test_the_docs_set_the_subject_template_the_roles_trust() -> None:
    """The one-time GitHub setting in docs/forking.md is the template github_subject follows."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "forking.md").read_text()
    [setting] = re.findall(r'\{"use_default": false, "include_claim_keys": \[[^\]]*\]\}', text)
    assert json.loads(setting) == {
        "use_default": False,
        "include_claim_keys": list(SUBJECT_CLAIM_KEYS),
    }
    # repo, then context (environment:<name>), then workflow_ref, each as key:value.
    assert github_subject("o/r", "prod", WORKFLOW, "main").split(":") == [
        "repo",
        "o/r",
        "environment",
        "prod",
        "workflow_ref",
        f"o/r/{WORKFLOW}@refs/heads/main",
    ]
