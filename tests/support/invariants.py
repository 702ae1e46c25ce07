"""DESIGN.md security invariants as checks over a synthesized template.

Each check returns the list of violations, so a test can assert that the shipped template has
none and that a template loosened on purpose has exactly the expected one.
"""

from __future__ import annotations

from typing import Any

from tests.support.template import Template, resources

COGNITO_IDENTITY = "cognito-identity.amazonaws.com"
AMR_VALUES = {"authenticated", "unauthenticated"}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def trust_violations(template: Template) -> list[str]:
    """Invariant 1: every role Cognito Identity may assume pins ``aud`` and ``amr``.

    ``aud`` must be exactly this template's identity pool (``StringEquals``, a ``Ref`` to the
    ``AWS::Cognito::IdentityPool``); ``amr`` must be one of authenticated/unauthenticated under
    ``ForAnyValue:StringLike``. Any other condition operator or value is a loosening.
    """
    pools = set(resources(template, "AWS::Cognito::IdentityPool"))
    violations = []
    for logical_id, role in resources(template, "AWS::IAM::Role").items():
        for statement in role["Properties"]["AssumeRolePolicyDocument"]["Statement"]:
            federated = _as_list(statement.get("Principal", {}).get("Federated", []))
            if COGNITO_IDENTITY not in federated or statement.get("Effect") != "Allow":
                continue
            condition = statement.get("Condition", {})
            aud = condition.get("StringEquals", {}).get(f"{COGNITO_IDENTITY}:aud")
            amr = condition.get("ForAnyValue:StringLike", {}).get(f"{COGNITO_IDENTITY}:amr")
            if not (isinstance(aud, dict) and aud.get("Ref") in pools):
                violations.append(f"{logical_id}: aud is {aud!r}, not this identity pool")
            if amr not in AMR_VALUES:
                violations.append(f"{logical_id}: amr is {amr!r}, not one of {sorted(AMR_VALUES)}")
            extra = set(condition) - {"StringEquals", "ForAnyValue:StringLike"}
            extra |= set(condition.get("StringEquals", {})) - {f"{COGNITO_IDENTITY}:aud"}
            extra |= set(condition.get("ForAnyValue:StringLike", {})) - {f"{COGNITO_IDENTITY}:amr"}
            if extra:
                violations.append(f"{logical_id}: unexpected trust conditions {sorted(extra)}")
            actions = set(_as_list(statement.get("Action", [])))
            if not actions <= {"sts:AssumeRoleWithWebIdentity", "sts:TagSession"}:
                violations.append(f"{logical_id}: trust allows {sorted(actions)}")
    return violations


def lambda_permission_violations(template: Template) -> list[str]:
    """Invariant 5: a service principal may invoke a function only from one exact source."""
    violations = []
    for logical_id, permission in resources(template, "AWS::Lambda::Permission").items():
        properties = permission["Properties"]
        if not str(properties.get("Principal", "")).endswith(".amazonaws.com"):
            continue
        source_arn = properties.get("SourceArn")
        if source_arn is None:
            violations.append(f"{logical_id}: no SourceArn")
        elif "/*/*" in repr(source_arn):
            violations.append(f"{logical_id}: SourceArn {source_arn!r} has a /*/* wildcard")
        if "SourceAccount" not in properties:
            violations.append(f"{logical_id}: no SourceAccount")
    return violations
