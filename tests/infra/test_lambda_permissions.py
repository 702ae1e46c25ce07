"""Invariant 5: a service may invoke a function only from one exact source in this account.

The invariant is computed over every permission of a template (tests/support/invariants.py)
and attacked by adding a loose one to a copy, so this module reads templates as plain JSON.
"""

from __future__ import annotations

import copy

from tests.support.invariants import lambda_permission_violations
from tests.support.template import Template

EXACT = {
    "Action": "lambda:InvokeFunction",
    "FunctionName": {"Fn::GetAtt": ["Fn", "Arn"]},
    "Principal": "apigateway.amazonaws.com",
    "SourceAccount": {"Ref": "AWS::AccountId"},
    "SourceArn": {"Fn::Join": ["", ["arn:aws:execute-api:", {"Ref": "Api"}, "/prod/POST/login"]]},
}


def with_permission(template: Template, **changes: object) -> Template:
    changed = copy.deepcopy(template)
    properties = {**EXACT, **changes}
    properties = {key: value for key, value in properties.items() if value is not None}
    changed["Resources"]["Invoke"] = {"Type": "AWS::Lambda::Permission", "Properties": properties}
    return changed


def test_shipped_templates_have_no_loose_permission(template: Template, variant: Template) -> None:
    assert lambda_permission_violations(template) == []
    assert lambda_permission_violations(variant) == []


def test_exact_permission_passes(template: Template) -> None:
    assert lambda_permission_violations(with_permission(template)) == []


def test_any_stage_any_method_is_caught(template: Template) -> None:
    loose = {"Fn::Join": ["", ["arn:aws:execute-api:", {"Ref": "Api"}, "/*/*"]]}
    assert lambda_permission_violations(with_permission(template, SourceArn=loose)) == [
        f"Invoke: SourceArn {loose!r} has a /*/* wildcard"
    ]


def test_missing_source_is_caught(template: Template) -> None:
    violations = lambda_permission_violations(
        with_permission(template, SourceArn=None, SourceAccount=None)
    )
    assert violations == ["Invoke: no SourceArn", "Invoke: no SourceAccount"]
