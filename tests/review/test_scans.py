"""cfn-lint and checkov: their results, or "not run" when they are not installed."""

from __future__ import annotations

import json
from pathlib import Path

from review.scans import cfn_lint, checkov


def script(path: Path, body: str) -> Path:
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


def test_missing_scanners_are_recorded_as_not_run(tmp_path: Path) -> None:
    assert cfn_lint([], tmp_path / "cfn-lint").status == "not run"
    assert checkov([], tmp_path / "checkov").status == "not run"


def test_cfn_lint_findings_fail(tmp_path: Path) -> None:
    passing = script(tmp_path / "ok", "exit 0")
    assert cfn_lint([Path("x.template.json")], passing).status == "passed"
    failing = script(tmp_path / "bad", "echo 'x.json:1:1:1:2:E3012:wrong type'; exit 2")
    scan = cfn_lint([Path("x.template.json")], failing)
    assert scan.status == "failed"
    assert scan.findings == ["x.json:1:1:1:2:E3012:wrong type"]


def test_checkov_summary_and_failed_checks(tmp_path: Path) -> None:
    report = {
        "summary": {"passed": 5, "failed": 1, "skipped": 2},
        "results": {
            "failed_checks": [
                {"check_id": "CKV_AWS_1", "resource": "AWS::S3::Bucket.B", "check_name": "n"}
            ]
        },
    }
    fake = script(tmp_path / "checkov", f"echo '{json.dumps(report)}'; exit 1")
    scan = checkov([Path("x.template.json")], fake)
    assert scan.status == "failed"
    assert scan.summary.startswith("5 passed, 1 failed, 2 skipped")
    assert scan.findings == ["CKV_AWS_1 AWS::S3::Bucket.B: n"]
