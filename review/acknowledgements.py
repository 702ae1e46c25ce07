"""Acknowledged findings, as the synth records them in the cloud assembly.

- cdk-nag 3 (a CDK validation plugin) writes each acknowledgement into
  ``<stack>.metadata.json`` as ``aws:cdk:acknowledged-rules`` on the construct path
  (``infra/acknowledgements.py`` makes them), and unacknowledged findings into
  ``validation-report.json``.
- checkov reads its skips from each resource's ``Metadata.checkov.skip`` in the template.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from facts.iam import as_list
from review.template import Template


@dataclass(frozen=True)
class Acknowledgement:
    tool: str  # cdk-nag | checkov
    finding: str
    where: str
    reason: str


@dataclass(frozen=True)
class OpenFinding:
    """A cdk-nag finding nobody acknowledged (an error one fails the synth)."""

    rule: str
    level: str
    where: str
    description: str


def cdk_nag(outdir: Path, stack: str) -> list[Acknowledgement]:
    path = outdir / f"{stack}.metadata.json"
    if not path.is_file():
        return []
    found = []
    for construct, entries in json.loads(path.read_text()).items():
        for entry in entries:
            if entry.get("type") == "aws:cdk:acknowledged-rules":
                for finding, reason in entry.get("data", {}).items():
                    found.append(
                        Acknowledgement(
                            "cdk-nag",
                            finding.split("::", 1)[-1],
                            construct.removeprefix(f"/{stack}/"),
                            str(reason),
                        )
                    )
    return found


def open_findings(outdir: Path, stack: str) -> list[OpenFinding]:
    path = outdir / "validation-report.json"
    if not path.is_file():
        return []
    found = []
    for plugin in json.loads(path.read_text()).get("pluginReports", []):
        for violation in plugin.get("violations", []):
            for construct in violation.get("violatingConstructs", []):
                where = str(construct.get("constructPath", ""))
                if where.lstrip("/").split("/")[0] != stack:
                    continue
                found.append(
                    OpenFinding(
                        str(violation.get("ruleName", "")),
                        str(violation.get("severity", "")),
                        where.lstrip("/").removeprefix(f"{stack}/"),
                        str(violation.get("description", "")),
                    )
                )
    return found


def checkov_skips(template: Template) -> list[Acknowledgement]:
    found = []
    for logical_id, resource in template.resources.items():
        metadata = resource.get("Metadata") if isinstance(resource, dict) else None
        checkov = metadata.get("checkov") if isinstance(metadata, dict) else None
        for skip in as_list(checkov.get("skip") if isinstance(checkov, dict) else None):
            found.append(
                Acknowledgement(
                    "checkov",
                    str(skip.get("id", "")),
                    template.name_of(logical_id),
                    str(skip.get("comment", "")),
                )
            )
    return found
