"""A small IAM policy evaluator for attack tests on identity-based policies.

It covers what this app's policies use: Allow/Deny, Action and Resource wildcards (``*``, ``?``),
the ``${cognito-identity.amazonaws.com:sub}`` policy variable and ``StringLike`` conditions.
Anything else (another operator, NotAction, NotResource) raises, so a policy that grows beyond
what this models fails the tests instead of being judged wrongly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

IDENTITY_VARIABLE = "${cognito-identity.amazonaws.com:sub}"


def _pattern(glob: str) -> re.Pattern[str]:
    parts = (".*" if char == "*" else "." if char == "?" else re.escape(char) for char in glob)
    return re.compile("".join(parts), re.DOTALL)


def _matches(globs: Any, value: str, identity_id: str, ignore_case: bool = False) -> bool:
    for glob in globs if isinstance(globs, list) else [globs]:
        glob = glob.replace(IDENTITY_VARIABLE, identity_id)
        if ignore_case:
            glob, value = glob.lower(), value.lower()
        if _pattern(glob).fullmatch(value):
            return True
    return False


def _conditions_hold(condition: Mapping[str, Any], context: Mapping[str, str], identity_id: str):
    for operator, tests in condition.items():
        if operator != "StringLike":
            raise NotImplementedError(f"condition operator {operator}")
        for key, globs in tests.items():
            if key not in context or not _matches(globs, context[key], identity_id):
                return False
    return True


def is_allowed(
    policies: list[Mapping[str, Any]],
    action: str,
    resource: str,
    *,
    identity_id: str,
    context: Mapping[str, str] | None = None,
) -> bool:
    """Whether resolved policy documents allow ``action`` on ``resource`` for ``identity_id``."""
    allowed = False
    for policy in policies:
        for statement in policy["Statement"]:
            unsupported = {"NotAction", "NotResource", "NotPrincipal"} & set(statement)
            if unsupported:
                raise NotImplementedError(f"statement element {sorted(unsupported)}")
            if not _matches(statement["Action"], action, identity_id, ignore_case=True):
                continue
            if not _matches(statement["Resource"], resource, identity_id):
                continue
            if not _conditions_hold(statement.get("Condition", {}), context or {}, identity_id):
                continue
            if statement["Effect"] == "Deny":
                return False
            allowed = True
    return allowed
