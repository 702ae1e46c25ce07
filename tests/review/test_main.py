"""`python -m review` writes review.md and review.json from a cloud assembly directory."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import review.__main__ as review_main
from review.__main__ import main
from review.specification import load
from tests.review.conftest import protected_by_config
from tests.support.template import Synth

ROOT = Path(__file__).resolve().parents[2]


def test_writes_the_report_from_the_assembly(synth: Synth, tmp_path: Path) -> None:
    name = synth.demo.config.stack_name
    for suffix in (".template.json", ".metadata.json"):
        shutil.copy(synth.outdir / f"{name}{suffix}", tmp_path)
    shutil.copy(synth.outdir / "validation-report.json", tmp_path)
    assert main(["--outdir", str(tmp_path), "--no-scan"]) == 0
    markdown = (tmp_path / "review.md").read_text()
    assert f"## Stack `{name}`" in markdown
    data = json.loads((tmp_path / "review.json").read_text())
    assert [s["stack"] for s in data["stacks"]] == [name]


def test_runs_without_jsii_and_reports_a_missing_synth(tmp_path: Path) -> None:
    """A separate interpreter: importing the package loads neither aws_cdk nor jsii."""
    code = (
        "import sys, review.__main__ as m; rc = m.main(['--outdir', sys.argv[1], '--no-scan']);"
        "assert not {'aws_cdk', 'jsii', 'infra'} & set(sys.modules), sorted(sys.modules);"
        "sys.exit(rc)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "run make synth first" in result.stderr


def test_help_keeps_the_usage_paragraphs(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    help_text = capsys.readouterr().out
    assert "\n    python -m review diff OLD.template.json NEW.template.json" in help_text
    assert "\nExit codes: 0 done;" in help_text


def _assembly(outdir: Path, stack: str, body: dict[str, Any]) -> Path:
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / f"{stack}.template.json").write_text(json.dumps(body))
    return outdir


def _rekeyed_tables(body: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    for resource in changed["Resources"].values():
        if resource["Type"] == "AWS::DynamoDB::Table":
            resource["Properties"]["KeySchema"] = [{"AttributeName": "other", "KeyType": "HASH"}]
    return changed


def _renamed_group(body: dict[str, Any], group: str) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    for resource in changed["Resources"].values():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::Cognito::UserPoolGroup" and properties["GroupName"] == group:
            properties["GroupName"] = f"{group}-renamed"
    return changed


@pytest.mark.parametrize("renamed", [False, True], ids=["harmless", "group renamed"])
def test_base_and_head_are_built_at_each_stage_and_only_a_protected_loss_fails(
    synth: Synth, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, renamed: bool
) -> None:
    """The wiring of ``make review BASE=... FAIL_ON_WIDEN=1`` without a synth of its own: the
    base and head "synths" are the session's templates. The head's tables are re-keyed in the
    disposable stage (reported, never failing) and, in one case, a group renamed in the
    protected stage, which fails the gate."""
    sandbox, prod = synth.demo, synth.variant
    assert not protected_by_config(sandbox.config) and protected_by_config(prod.config)
    group = prod.config.groups[-1].name
    bodies = {
        ("base", sandbox.config.stage): (sandbox.config.stack_name, sandbox.template),
        ("base", prod.config.stage): (prod.config.stack_name, prod.template),
        ("head", prod.config.stage): (
            prod.config.stack_name,
            _renamed_group(prod.template, group) if renamed else prod.template,
        ),
    }
    head_sandbox = _rekeyed_tables(sandbox.template)
    outdir = _assembly(tmp_path / "cdk.out", sandbox.config.stack_name, head_sandbox)
    built: list[tuple[str, str | None]] = []

    @contextmanager
    def checkout(ref: str) -> Iterator[Path]:
        assert ref == "main"
        yield tmp_path / "base-tree"

    def synthesize(
        tree: Path, out: Path, label: str, config: str | None = None, stage: str | None = None
    ) -> Path:
        side = "base" if tree == tmp_path / "base-tree" else "head"
        built.append((side, stage))
        stack, body = bodies[(side, str(stage))]
        return _assembly(out, stack, body)

    monkeypatch.setattr(review_main, "checkout", checkout)
    monkeypatch.setattr(review_main, "synthesize", synthesize)
    monkeypatch.setattr(review_main, "commit_of", lambda ref: "0" * 40)
    stages = f"{sandbox.config.stage} {prod.config.stage}"
    argv = ["--outdir", str(outdir), "--no-scan", "--base", "main", "--stages", stages]
    code = main([*argv, "--stage", sandbox.config.stage, "--fail-on-widen"])
    assert built == [
        ("base", sandbox.config.stage),
        ("base", prod.config.stage),
        ("head", prod.config.stage),
    ]
    text = (outdir / "review-diff.txt").read_text()
    loss = f"group {group} would be replaced (GroupName changes: {group} -> {group}-renamed)"
    assert (f"  LOSES   [{prod.config.stack_name}] {loss}" in text) is renamed
    assert f"  loses   [{sandbox.config.stack_name}] table " in text
    assert "no access widened" in text
    assert code == (1 if renamed else 0)
    reported = json.loads((outdir / "review-losses.json").read_text())
    assert [(s["stage"], s["protected"], s["fails"]) for s in reported] == [
        (sandbox.config.stage, False, False),
        (prod.config.stage, True, renamed),
    ]


def test_by_default_the_stages_come_from_this_checkout_and_the_base_both(
    synth: Synth, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stage only the base's deploy workflow names is still built and checked: a pull
    request cannot take a stage out of its own review."""
    sandbox = synth.demo
    outdir = _assembly(tmp_path / "cdk.out", sandbox.config.stack_name, sandbox.template)
    built: list[tuple[str, str | None]] = []

    @contextmanager
    def checkout(ref: str) -> Iterator[Path]:
        yield tmp_path / "base-tree"

    def synthesize(
        tree: Path, out: Path, label: str, config: str | None = None, stage: str | None = None
    ) -> Path:
        built.append(("base" if tree == tmp_path / "base-tree" else "head", stage))
        return _assembly(out, sandbox.config.stack_name, sandbox.template)

    base_workflow = "      - run: make deploy STAGE=only-in-base APPROVAL=never\n"
    base_files = {".github/workflows/deploy.yml": base_workflow}
    monkeypatch.setattr(review_main, "checkout", checkout)
    monkeypatch.setattr(review_main, "synthesize", synthesize)
    monkeypatch.setattr(review_main, "commit_of", lambda ref: "0" * 40)
    monkeypatch.setattr(
        review_main, "ref_reader", lambda commit: (base_files.get, list(base_files))
    )
    argv = ["--outdir", str(outdir), "--no-scan", "--base", "main", "--fail-on-widen"]
    assert main([*argv, "--stage", sandbox.config.stage]) == 0
    assert ("base", "only-in-base") in built
    assert ("head", "only-in-base") in built
    reported = json.loads((outdir / "review-losses.json").read_text())
    assert "only-in-base" in [s["stage"] for s in reported]


def test_a_change_that_unprotects_a_stage_is_judged_as_protected(
    synth: Synth, tmp_path: Path
) -> None:
    """Either side's protection counts: turning a stage's protection off in the change under
    review cannot also switch off the gate that reports it."""
    prod = synth.variant
    assert protected_by_config(prod.config)
    unprotected = copy.deepcopy(prod.template)
    for resource in unprotected["Resources"].values():
        resource.pop("DeletionPolicy", None)
        resource.pop("UpdateReplacePolicy", None)
        properties = resource.get("Properties", {})
        if properties.get("DeletionProtection") == "ACTIVE":
            properties["DeletionProtection"] = "INACTIVE"
    name = prod.config.stack_name
    base = _assembly(tmp_path / "base", name, prod.template)
    head = _assembly(tmp_path / "head", name, unprotected)
    result = review_main._stage_losses(prod.config.stage, base, head, load())
    assert result.protected and result.fails
    assert any("loses DeletionPolicy Retain" in loss.message for loss in result.losses)
