"""Which stages the gate reviews (the config's and the deploy workflows', of base and head), and
which of them are protected, read from what each stage's synth produces."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.config import AppConfig, parse_config
from review import stages
from review.baseline import commit_of, ref_reader
from review.losses import SynthesizedStack
from review.stages import StagesError
from review.template import Template
from tests.review.conftest import protected_by_config
from tests.support.template import Synth

ROOT = Path(__file__).resolve().parents[2]


def reader(files: dict[str, str]) -> stages.Reader:
    return files.get


def test_the_default_stage_is_the_configs() -> None:
    assert stages.DEFAULT_STAGE == AppConfig().stage == parse_config({}).stage
    assert stages.config_stage(reader({"cdk.json": '{"context": {"config": {}}}'}), None) == (
        AppConfig().stage
    )


def test_the_config_stage_comes_from_the_config_file_when_one_is_given() -> None:
    files = {
        "cdk.json": json.dumps({"context": {"config": {"stage": "qa"}}}),
        "prod.json": json.dumps({"stage": "production"}),
    }
    assert stages.config_stage(reader(files), None) == "qa"
    assert stages.config_stage(reader(files), "prod.json") == "production"


def test_the_stages_the_deploy_workflow_deploys_are_reviewed() -> None:
    workflow = (
        "jobs:\n  a:\n    steps:\n      - run: make deploy STAGE=sandbox APPROVAL=never\n"
        "  b:\n    steps:\n      - run: make deploy STAGE='production' APPROVAL=never\n"
        "      - run: make diff STAGE=ignored\n"
    )
    files = {"cdk.json": json.dumps({"context": {"config": {"stage": "dev"}}}), "w.yml": workflow}
    assert stages.stages_of(reader(files), ["w.yml"], None) == ["dev", "sandbox", "production"]


def test_a_stage_the_review_cannot_read_stops_it() -> None:
    workflow = "      - run: make deploy STAGE=${{ matrix.stage }}\n"
    with pytest.raises(StagesError, match=r"w\.yml: .*STAGES="):
        stages.deployed_stages(workflow, "w.yml")


def test_this_checkouts_stages_include_its_configs_and_its_workflows() -> None:
    read, workflows = stages.checkout_reader(ROOT)
    found = stages.stages_of(read, workflows, None)
    deploy_calls = [
        stage
        for path in workflows
        for stage in stages.deployed_stages((ROOT / path).read_text(), path)
    ]
    assert found[0] == stages.config_stage(read, None)
    assert set(deploy_calls) <= set(found)


def test_a_commits_files_are_read_from_git() -> None:
    read, workflows = ref_reader(commit_of("HEAD"))
    assert read("no/such/file") is None
    committed = read("cdk.json")
    assert committed is not None and "context" in json.loads(committed)
    assert all(path.startswith(".github/workflows/") for path in workflows)


def test_stages_given_by_hand_are_checked() -> None:
    assert stages.parse_stages("sandbox prod,sandbox") == ["sandbox", "prod"]
    with pytest.raises(StagesError, match="STAGES: 'Prod!'"):
        stages.parse_stages("sandbox Prod!")


@pytest.mark.parametrize("stack", ["demo", "variant", "providers", "forked"])
def test_a_stage_is_protected_exactly_when_the_config_protects_it(synth: Synth, stack: str) -> None:
    synthesized = getattr(synth, stack)
    template = Template.from_json(synthesized.config.stack_name, synthesized.template)
    assert stages.protected(SynthesizedStack(template)) is protected_by_config(synthesized.config)


def test_termination_protection_marks_a_protected_stage() -> None:
    empty = Template.from_json("s", {"Resources": {}})
    assert not stages.protected(SynthesizedStack(empty, False))
    assert stages.protected(SynthesizedStack(empty, True))
