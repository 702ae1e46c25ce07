"""A small IAM policy evaluator for attack tests on identity-based policies.

It covers what this app's policies use: Allow/Deny, Action and Resource wildcards (``*``, ``?``),
the ``${cognito-identity.amazonaws.com:sub}`` and ``${aws:PrincipalTag/<key>}`` policy variables
(a statement whose tag is missing does not apply) and ``StringLike`` conditions.
Anything else (another operator, NotAction, NotResource) raises, so a policy that grows beyond
what this models fails the tests instead of being judged wrongly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from offline.policy import glob_matches

IDENTITY_VARIABLE = "${cognito-identity.amazonaws.com:sub}"
TAG_VARIABLE = re.compile(r"\$\{aws:PrincipalTag/([^}]+)\}")


def _substitute(glob: str, identity_id: str, tags: Mapping[str, str]) -> str | None:
    glob = glob.replace(IDENTITY_VARIABLE, identity_id)
    for key in TAG_VARIABLE.findall(glob):
        if key not in tags:
            return None
        glob = glob.replace(f"${{aws:PrincipalTag/{key}}}", tags[key])
    return glob


def _matches(
    globs: Any,
    value: str,
    identity_id: str,
    tags: Mapping[str, str],
    ignore_case: bool = False,
) -> bool:
    for raw in globs if isinstance(globs, list) else [globs]:
        glob = _substitute(raw, identity_id, tags)
        if glob is None:
            continue
        if ignore_case:
            glob, value = glob.lower(), value.lower()
        if glob_matches(glob, value):
            return True
    return False


def _conditions_hold(
    condition: Mapping[str, Any],
    context: Mapping[str, str],
    identity_id: str,
    tags: Mapping[str, str],
) -> bool:
    for operator, tests in condition.items():
        if operator != "StringLike":
            raise NotImplementedError(f"condition operator {operator}")
        for key, globs in tests.items():
            if key not in context or not _matches(globs, context[key], identity_id, tags):
                return False
    return True


def is_allowed(
    policies: list[Mapping[str, Any]],
    action: str,
    resource: str,
    *,
    identity_id: str,
    context: Mapping[str, str] | None = None,
    principal_tags: Mapping[str, str] | None = None,
) -> bool:
    """Whether resolved policy documents allow ``action`` on ``resource`` for ``identity_id``."""
    allowed = False
    for policy in policies:
        for statement in policy["Statement"]:
            unsupported = {"NotAction", "NotResource", "NotPrincipal"} & set(statement)
            if unsupported:
                raise NotImplementedError(f"statement element {sorted(unsupported)}")
            tags = principal_tags or {}
            if not _matches(statement["Action"], action, identity_id, tags, ignore_case=True):
                continue
            if not _matches(statement["Resource"], resource, identity_id, tags):
                continue
            if not _conditions_hold(
                statement.get("Condition", {}), context or {}, identity_id, tags
            ):
                continue
            if statement["Effect"] == "Deny":
                return False
            allowed = True
    return allowed
