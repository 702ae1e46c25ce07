"""Does a role's trust policy let Cognito Identity assume it for this identity?

STS evaluates the trust policy on every ``AssumeRoleWithWebIdentity``: the ones Cognito Identity
makes for ``GetCredentialsForIdentity`` and the ones a token holder makes directly (Cognito
developer guide, "IAM roles": "Role trust and permissions"). The context keys are
``cognito-identity.amazonaws.com:aud`` (the identity pool id), ``:amr`` (``authenticated`` or
``unauthenticated``, plus the provider) and ``:sub`` (the identity id). The operators are the
ones trust policies for Cognito use; any other raises instead of being guessed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from offline.policy import as_list, glob_matches

FEDERATED_PRINCIPAL = "cognito-identity.amazonaws.com"
WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
TAG_SESSION = "sts:TagSession"


def allows(document: Mapping[str, Any], action: str, context: Mapping[str, Sequence[str]]) -> bool:
    """Allowed when an Allow statement for the Cognito principal matches and no Deny does."""
    allowed = False
    for statement in as_list(document.get("Statement", [])):
        if not _names(statement, action):
            continue
        if not _conditions_hold(statement.get("Condition", {}), context):
            continue
        if statement["Effect"] == "Deny":
            return False
        allowed = True
    return allowed


def _names(statement: Mapping[str, Any], action: str) -> bool:
    federated = as_list(statement.get("Principal", {}).get("Federated", []))
    actions = as_list(statement.get("Action", []))
    return FEDERATED_PRINCIPAL in federated and any(
        glob_matches(pattern, action) for pattern in actions
    )


def _conditions_hold(condition: Mapping[str, Any], context: Mapping[str, Sequence[str]]) -> bool:
    for operator, tests in condition.items():
        qualifier, _, test = operator.rpartition(":")
        match = _OPERATORS.get(test)
        if match is None or qualifier not in ("", "ForAnyValue", "ForAllValues"):
            raise NotImplementedError(f"trust condition operator {operator} is not evaluated")
        for key, expected in tests.items():
            values = context.get(key, ())
            patterns = as_list(expected)
            hits = [any(match(pattern, value) for pattern in patterns) for value in values]
            if qualifier == "ForAllValues":
                if not all(hits):
                    return False
            elif not any(hits) or (qualifier == "" and len(values) != 1):
                return False
    return True


_OPERATORS = {
    "StringEquals": lambda pattern, value: value == pattern,
    "StringLike": glob_matches,
}
