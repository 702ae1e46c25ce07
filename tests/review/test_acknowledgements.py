"""Every acknowledgement the synth recorded, with its reason."""

from __future__ import annotations

import json
from pathlib import Path

from review.acknowledgements import cdk_nag, open_findings
from review.report import StackReview


def test_cdk_nag_and_checkov_acknowledgements_with_reasons(default_review: StackReview) -> None:
    acks = default_review.acknowledgements
    nag = {(a.where, a.finding) for a in acks if a.tool == "cdk-nag"}
    assert ("Users/Pool", "AwsSolutions-COG2") in nag
    assert any(
        where == "Groups/editorsRole" and finding.startswith("AwsSolutions-IAM5[")
        for where, finding in nag
    )
    checkov = {(a.where, a.finding) for a in acks if a.tool == "checkov"}
    assert any(finding == "CKV_AWS_18" for _, finding in checkov)
    assert all(len(a.reason) >= 20 for a in acks)
    assert default_review.open_findings == []


def test_unacknowledged_findings_are_read_from_the_validation_report(tmp_path: Path) -> None:
    report = {
        "pluginReports": [
            {
                "violations": [
                    {
                        "ruleName": "AwsSolutions-IAM5",
                        "severity": "error",
                        "description": "wildcard",
                        "violatingConstructs": [
                            {"constructPath": "/app-sandbox/Groups/adminsRole/Resource"},
                            {"constructPath": "/other-stack/Role/Resource"},
                        ],
                    }
                ]
            }
        ]
    }
    (tmp_path / "validation-report.json").write_text(json.dumps(report))
    [finding] = open_findings(tmp_path, "app-sandbox")
    assert (finding.rule, finding.where) == ("AwsSolutions-IAM5", "Groups/adminsRole/Resource")
    assert cdk_nag(tmp_path, "app-sandbox") == []  # no metadata file: nothing acknowledged
