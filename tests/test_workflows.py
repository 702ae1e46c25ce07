"""The GitHub workflows call only what the Makefile has, pull requests run every gate with the
base branch's gate code, and the deploy jobs reach only their own stage with pinned code.

`make lint` validates the workflows against GitHub's workflow schema (check-jsonschema); these
tests hold what the schema cannot: that each `make` target they call exists, with the
variables it reads; that every action is pinned to a commit; that each job with an OIDC token
deploys exactly the stage its GitHub environment names, from hash-locked dependencies, and never
a deploy role; and that `make deploy` itself leaves the deploy-role stack alone."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
MAKE_CALL = re.compile(r"\bmake\s+([a-z][\w-]*)((?:\s+[A-Z_]+=\S+)*)")


def run_steps(workflow: Path) -> list[str]:
    document: dict[str, Any] = yaml.safe_load(workflow.read_text())
    return [
        step["run"]
        for job in document["jobs"].values()
        for step in job.get("steps", [])
        if "run" in step
    ]


def make_calls(workflow: Path) -> list[tuple[str, list[str]]]:
    calls = []
    for script in run_steps(workflow):
        for target, assignments in MAKE_CALL.findall(script):
            calls.append((target, [a.split("=")[0] for a in assignments.split()]))
    return calls


def makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-z][\w-]*):", text, re.MULTILINE))


def makefile_variables() -> set[str]:
    return set(re.findall(r"\$\(([A-Z_]+)\)", (ROOT / "Makefile").read_text()))


def test_there_are_workflows() -> None:
    assert [w.name for w in WORKFLOWS], "the pipeline lives in .github/workflows"


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda w: w.name)
def test_every_make_target_a_workflow_calls_exists(workflow: Path) -> None:
    calls = make_calls(workflow)
    assert calls, f"{workflow.name} calls no make target"
    for target, variables in calls:
        assert target in makefile_targets(), f"{workflow.name}: make {target} does not exist"
        for variable in variables:
            assert variable in makefile_variables(), f"{workflow.name}: {variable} is not read"


def test_pull_requests_run_the_tests_both_lints_and_the_widening_review() -> None:
    calls = make_calls(ROOT / ".github" / "workflows" / "pull-request.yml")
    assert ("test", []) in calls
    assert ("lint", []) in calls
    assert ("lint", ["CONFIG"]) in calls
    assert ("review", ["BASE", "FAIL_ON_WIDEN"]) in calls


def test_a_call_to_a_missing_target_would_be_caught(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("jobs:\n  a:\n    steps:\n      - run: make shipit\n")
    [(target, _)] = make_calls(bad)
    assert target not in makefile_targets()


def test_the_workflows_pass_githubs_schema() -> None:
    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# `uses: owner/repo[/path]@<40 hex> # v1.2.3`: a tag can be moved to other code, a commit cannot;
# the comment is the version Dependabot reads and updates with the SHA.
PINNED = re.compile(r"^\s*-?\s*uses:\s*[\w.-]+/[\w./-]+@[0-9a-f]{40}\s+#\s*v\d+(\.\d+)*\s*$")


def uses_lines() -> list[tuple[str, str]]:
    return [
        (workflow.name, line)
        for workflow in WORKFLOWS
        for line in workflow.read_text().splitlines()
        if re.match(r"^\s*-?\s*uses:", line)
    ]


def test_every_action_is_pinned_to_a_commit_with_its_version() -> None:
    lines = uses_lines()
    assert lines
    for workflow, line in lines:
        assert PINNED.match(line), f"{workflow}: {line.strip()} is not pinned to a commit SHA"


@pytest.mark.parametrize(
    "line",
    [
        "      - uses: actions/checkout@v4",
        "      - uses: actions/checkout@11d5960a326750d5838078e36cf38b85af67726",  # 39 hex
        "      - uses: actions/checkout@11d5960a326750d5838078e36cf38b85af677262",  # no version
    ],
)
def test_a_tag_or_an_unlabelled_sha_would_be_caught(line: str) -> None:
    assert not PINNED.match(line)


def workflow_document(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text())
    return document


def all_jobs() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (workflow.name, name, job)
        for workflow in WORKFLOWS
        for name, job in yaml.safe_load(workflow.read_text())["jobs"].items()
    ]


def test_only_the_deploy_jobs_get_an_oidc_token_each_for_its_own_environment() -> None:
    deploying = []
    for workflow, name, job in all_jobs():
        document = workflow_document(workflow)
        assert "id-token" not in document.get("permissions", {}), f"{workflow}: workflow-wide"
        if job.get("permissions", {}).get("id-token") != "write":
            continue
        deploying.append(name)
        assert workflow == "deploy.yml", f"{workflow}/{name} asks for an OIDC token"
        environment = job.get("environment")
        assert isinstance(environment, str), f"{name} has no GitHub environment"
        runs = [step["run"] for step in job["steps"] if "run" in step]
        # The job's role is its environment's (the stage's): it deploys that stage only, and
        # from the hash-locked dependencies only.
        assert [call for call in MAKE_CALL.findall("\n".join(runs))] == [
            ("setup-locked", ""),
            ("deploy", f" STAGE={environment} APPROVAL=never"),
        ], name
    assert deploying == ["sandbox", "prod"]


def test_no_workflow_deploys_a_deploy_role() -> None:
    for workflow in WORKFLOWS:
        targets = [target for target, _ in make_calls(workflow)]
        assert "deploy-role" not in targets, workflow.name


def test_pull_requests_never_get_the_base_repositorys_context() -> None:
    """`pull_request_target` would run with the base's token and secrets while these workflows
    build the pull request's code (GitHub's hardening guide)."""
    # PyYAML reads the key `on` as True.
    assert set(workflow_document("pull-request.yml")[True]) == {"pull_request"}
    for workflow in WORKFLOWS:
        triggers = workflow_document(workflow.name)[True]
        assert "pull_request_target" not in triggers, workflow.name


def test_every_checkout_leaves_no_token_behind() -> None:
    for workflow, name, job in all_jobs():
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False, (workflow, name)


def test_the_review_gate_runs_the_base_branchs_gate_code() -> None:
    steps = workflow_document("pull-request.yml")["jobs"]["review"]["steps"]
    runs = [step.get("run", "") for step in steps]
    [review] = [i for i, run in enumerate(runs) if run.startswith("make review")]
    [restore] = [i for i, run in enumerate(runs) if "git checkout" in run]
    assert restore < review
    assert 'git checkout "origin/$BASE_BRANCH" -- Makefile review' in runs[restore]
    assert "rm -rf review" in runs[restore]  # files the pull request added there go too


def test_the_workflows_name_node_24() -> None:
    versions = [
        step["with"]["node-version"]
        for _, _, job in all_jobs()
        for step in job["steps"]
        if step.get("uses", "").startswith("actions/setup-node@")
    ]
    assert versions and set(versions) == {"24"}


def test_dependabot_keeps_actions_python_and_npm_pins_current() -> None:
    config = ROOT / ".github" / "dependabot.yml"
    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.dependabot", str(config)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    updates = yaml.safe_load(config.read_text())["updates"]
    assert {u["package-ecosystem"] for u in updates} == {"github-actions", "pip", "npm"}


def codeowners() -> list[tuple[str, list[str]]]:
    lines = (ROOT / ".github" / "CODEOWNERS").read_text().splitlines()
    return [
        (fields[0], fields[1:])
        for fields in (line.split() for line in lines)
        if fields and not fields[0].startswith("#")
    ]


def owned(path: str, rules: list[tuple[str, list[str]]]) -> bool:
    """Whether a rule with an owner covers ``path`` (anchored patterns: a file, or a folder/)."""
    return any(
        owners and (path == pattern or (pattern.endswith("/") and path.startswith(pattern)))
        for pattern, owners in rules
    )


def test_an_owner_reviews_what_gates_or_deploys() -> None:
    rules = codeowners()
    for path in [
        "/.github/workflows/deploy.yml",
        "/.github/CODEOWNERS",
        "/review/diff.py",
        "/Makefile",
        "/infra/deploy_role.py",
        "/infra/deploy_role_stack.py",
        "/infra/config/pipeline.py",
        "/requirements/deploy.txt",
    ]:
        assert owned(path, rules), f"CODEOWNERS names no owner for {path}"
    assert not owned("/infra/user_pool.py", rules)


def run_make(tmp_path: Path, *args: str) -> list[str]:
    """``make`` with a stand-in CDK CLI that lists a stage stack and its deploy-role stack and
    records every other call: which stacks would be deployed or destroyed."""
    for name in ("Makefile", "pyproject.toml", "package.json", "package-lock.json"):
        (tmp_path / name).write_bytes((ROOT / name).read_bytes())
    for stamp in (".venv/.installed", "node_modules/.installed"):
        (tmp_path / stamp).parent.mkdir(exist_ok=True)
        (tmp_path / stamp).touch()
    log = tmp_path / "cdk.log"
    log.write_text("")
    cdk = tmp_path / "cdk"
    cdk.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = ls ]; then printf "idpools-prod\\nidpools-prod-deploy-role\\n"; exit 0; fi\n'
        f'echo "$*" >> {log}\n'
    )
    cdk.chmod(0o755)
    subprocess.run(
        [
            str(shutil.which("make")),
            "--no-print-directory",
            *args,
            f"CDK={cdk}",
            "PY=true",
            "INSTALLED=.venv/.installed",
        ],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    )
    return log.read_text().splitlines()


def test_make_deploy_deploys_the_stage_and_never_its_deploy_role(tmp_path: Path) -> None:
    calls = run_make(tmp_path, "deploy", "STAGE=prod")
    [deploy] = [call for call in calls if call.startswith("deploy")]
    assert deploy.split()[-1] == "idpools-prod"
    assert "--all" not in deploy and "deploy-role" not in deploy
    [destroy] = run_make(tmp_path, "destroy", "STAGE=prod")
    assert destroy.split()[-1] == "idpools-prod"
    calls = run_make(tmp_path, "deploy-role", "STAGE=prod")
    [deploy_role] = [call for call in calls if call.startswith("deploy")]
    assert deploy_role.split()[-1] == "idpools-prod-deploy-role"
