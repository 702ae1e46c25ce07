"""`python -m review` writes review.md and review.json from a cloud assembly directory."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from review.__main__ import main
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
