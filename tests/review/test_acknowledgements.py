"""Every acknowledgement the synth recorded, with its reason."""

from __future__ import annotations

import json
from pathlib import Path

from review.acknowledgements import cdk_nag, open_findings
from review.report import StackReview
from tests.support.template import Synth


def test_cdk_nag_and_checkov_acknowledgements_with_reasons(
    default_review: StackReview, synth: Synth
) -> None:
    acks = default_review.acknowledgements
    nag = {(a.where, a.finding) for a in acks if a.tool == "cdk-nag"}
    assert ("Users/Pool", "AwsSolutions-COG2") in nag
    # Every group role's wildcards (its folders in the bucket) are acknowledged one by one.
    for group in synth.demo.config.groups:
        assert any(
            where == f"Groups/{group.name}Role" and finding.startswith("AwsSolutions-IAM5[")
            for where, finding in nag
        ), group.name
    checkov = {(a.where, a.finding) for a in acks if a.tool == "checkov"}
    assert any(finding == "CKV_AWS_18" for _, finding in checkov)
    assert all(len(a.reason) >= 20 for a in acks)
    assert default_review.open_findings == []


def test_unacknowledged_findings_are_read_from_the_validation_report(
    tmp_path: Path, synth: Synth
) -> None:
    config = synth.demo.config
    stack, group = config.stack_name, config.groups[0].name
    report = {
        "pluginReports": [
            {
                "violations": [
                    {
                        "ruleName": "AwsSolutions-IAM5",
                        "severity": "error",
                        "description": "wildcard",
                        "violatingConstructs": [
                            {"constructPath": f"/{stack}/Groups/{group}Role/Resource"},
                            {"constructPath": "/other-stack/Role/Resource"},
                        ],
                    }
                ]
            }
        ]
    }
    (tmp_path / "validation-report.json").write_text(json.dumps(report))
    [finding] = open_findings(tmp_path, stack)
    assert (finding.rule, finding.where) == ("AwsSolutions-IAM5", f"Groups/{group}Role/Resource")
    assert cdk_nag(tmp_path, stack) == []  # no metadata file: nothing acknowledged
