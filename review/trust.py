"""Who a role's ``cognito-identity.amazonaws.com`` trust admits: which identity pools, which
identities.

An identity pool token carries ``aud`` (the identity pool id) and ``amr``: ``unauthenticated``,
or ``authenticated`` plus every provider the identity signed in with (Cognito developer guide,
"Role trust and permissions":
https://docs.aws.amazon.com/cognito/latest/developerguide/role-trust-and-permissions.html).
Whoever holds such a token may call ``sts:AssumeRoleWithWebIdentity`` with any role ARN (the
basic flow; STS reads the role's trust, never the pool's settings), so the trust policy alone
decides who may take a role.

Conditions are evaluated on the resolved template text, as IAM evaluates them: ``ForAnyValue``
(any value of the key satisfies the operator), ``ForAllValues`` (every value does), negated
operators (no pattern matches); an operator without a qualifier is read as ``ForAnyValue``,
the looser reading. Operators other than string and ARN comparisons count as satisfied, so a
condition this module cannot read never hides an open trust.
"""

from __future__ import annotations

import re

from facts.cognito import AMR, AUD, AUTHENTICATED, COGNITO_IDENTITY, UNAUTHENTICATED
from facts.iam import glob_matches
from review.access import Pool
from review.roles import Role, Statement

# Stands for a provider name no specific pattern names: only a pattern like "*" matches it.
ANY_PROVIDER = "\x00any provider"

_OPERATOR = re.compile(
    r"^(ForAnyValue:|ForAllValues:)?(String|Arn)(Not)?(Equals|Like)(IgnoreCase)?(IfExists)?$"
)


def identity_pool_trusts(role: Role) -> list[Statement]:
    """The Allow statements of the role's trust that Cognito identity pool tokens can use."""
    return [
        s
        for s in role.trust
        if s.effect == "Allow"
        and f"Federated:{COGNITO_IDENTITY}" in s.principals
        and any(
            glob_matches(a, "sts:AssumeRoleWithWebIdentity", ignore_case=True) for a in s.actions
        )
    ]


def _holds(operator: str, patterns: list[str], values: list[str]) -> bool:
    """Whether the condition ``operator: patterns`` holds for a key with these values."""
    match = _OPERATOR.match(operator)
    if match is None:
        return True  # not a string comparison: not read here (see the module docstring)
    qualifier, kind, negated, comparison, fold, _ = match.groups()

    def matches(value: str) -> bool:
        if comparison == "Like" or kind == "Arn":
            return any(glob_matches(p, value, ignore_case=bool(fold)) for p in patterns)
        return any(p.lower() == value.lower() if fold else p == value for p in patterns)

    results = [matches(v) != bool(negated) for v in values]
    return all(results) if qualifier == "ForAllValues:" else any(results)


def _conditions_on(statement: Statement, key: str) -> list[tuple[str, list[str]]]:
    return [
        (operator, values)
        for operator, keys in statement.conditions.items()
        for name, values in keys.items()
        if name.lower() == key.lower()
    ]


def admits(statement: Statement, key: str, values: list[str]) -> bool:
    """Every condition of the statement on ``key`` holds for a token with these values."""
    return all(_holds(op, patterns, values) for op, patterns in _conditions_on(statement, key))


def admits_any_authenticated(statement: Statement) -> bool:
    """An identity of any provider satisfies the statement's ``amr`` conditions."""
    return admits(statement, AMR, [AUTHENTICATED, ANY_PROVIDER])


def admits_pool(statement: Statement, pool: Pool) -> bool:
    """The pool's tokens satisfy the statement's ``aud`` conditions (any pool's do when it has
    none)."""
    return admits(statement, AUD, [f"<{pool.key}>"])


def aud_gap(statement: Statement) -> str | None:
    """Why the statement does not pin ``aud`` to fixed identity pool ids, or None."""
    found = _conditions_on(statement, AUD)
    if not found:
        return "no aud condition"
    for operator, patterns in found:
        match = _OPERATOR.match(operator)
        pinned = (
            match is not None
            and not match.group(3)
            and not (match.group(4) == "Like" and any("*" in p or "?" in p for p in patterns))
        )
        if pinned:
            return None
    return "aud only under " + ", ".join(f"{op} {' | '.join(p)}" for op, p in found)


def has_amr(statement: Statement) -> bool:
    return bool(_conditions_on(statement, AMR))


def implies_authenticated(pattern: str, *, glob: bool) -> bool:
    """Every ``amr`` value this pattern (a glob, or a literal) matches belongs to an
    authenticated identity: a value other than ``unauthenticated`` only appears in an
    authenticated identity's token."""
    if glob:
        return not glob_matches(pattern, UNAUTHENTICATED)
    return pattern != UNAUTHENTICATED


def login_providers(pool: Pool) -> list[str]:
    """Every provider an identity of the pool may sign in with, as the report names them."""
    names = [
        f"{provider.kind} {provider.label}" if provider.kind in ("OIDC", "SAML") else provider.label
        for provider in pool.providers
    ]
    if pool.developer_provider:
        names.append(f"developer provider {pool.developer_provider}")
    return names
