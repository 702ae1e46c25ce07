"""The GitHub workflows call only what the Makefile has, and pull requests run every gate.

`make lint` validates the workflows against GitHub's workflow schema (check-jsonschema); these
tests hold what the schema cannot: that each `make` target they call exists, with the
variables it reads."""

from __future__ import annotations

import re
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
