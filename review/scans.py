"""The template scanners, run on the templates: cfn-lint and checkov (`make lint` runs both).

A scanner that is not installed is recorded as not run; the review works without them.
checkov lives in its own virtual environment (``.venv-checkov``: it pins an old boto3).
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CFN_LINT = ROOT / ".venv" / "bin" / "cfn-lint"
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
TIMEOUT = 600


@dataclass(frozen=True)
class Scan:
    tool: str
    status: str  # passed | failed | not run
    summary: str
    findings: list[str] = field(default_factory=list)


def cfn_lint(templates: list[Path], executable: Path = CFN_LINT) -> Scan:
    if not executable.is_file():
        return Scan("cfn-lint", "not run", f"{executable} not found (run make setup)")
    # Run from the project root so .cfnlintrc.yaml (its ignores, with reasons) applies.
    result = subprocess.run(  # noqa: S603 - our own pinned tool, fixed arguments
        [str(executable), "--format", "parseable", *map(str, templates)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    findings = [line for line in result.stdout.splitlines() if line.strip()]
    if result.returncode == 0:
        return Scan("cfn-lint", "passed", "no findings (ignored checks: .cfnlintrc.yaml)")
    if not findings:
        return Scan("cfn-lint", "failed", f"exit {result.returncode}: {result.stderr.strip()}")
    return Scan("cfn-lint", "failed", f"{len(findings)} findings", findings)


def checkov(templates: list[Path], executable: Path = CHECKOV) -> Scan:
    if not executable.is_file():
        return Scan("checkov", "not run", f"{executable} not found (make lint installs it)")
    result = subprocess.run(  # noqa: S603 - our own pinned tool, fixed arguments
        [
            str(executable),
            "--quiet",
            "--skip-download",
            "--framework",
            "cloudformation",
            "--output",
            "json",
            *[arg for template in templates for arg in ("-f", str(template))],
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    try:
        reports = json.loads(result.stdout)
    except ValueError:
        return Scan("checkov", "failed", f"exit {result.returncode}: unreadable output")
    passed = failed = skipped = 0
    findings = []
    for report in reports if isinstance(reports, list) else [reports]:
        summary = report.get("summary", {})
        passed += int(summary.get("passed", 0))
        failed += int(summary.get("failed", 0))
        skipped += int(summary.get("skipped", 0))
        for check in report.get("results", {}).get("failed_checks", []):
            findings.append(
                f"{check.get('check_id')} {check.get('resource')}: {check.get('check_name')}"
            )
    status = "passed" if failed == 0 and result.returncode == 0 else "failed"
    return Scan(
        "checkov",
        status,
        f"{passed} passed, {failed} failed, {skipped} skipped (reasons above)",
        findings,
    )
