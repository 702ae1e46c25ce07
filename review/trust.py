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
ASSUME_WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
_FEDERATED_COGNITO = f"Federated:{COGNITO_IDENTITY}"
# A parameter or pseudo parameter left in a principal by Fn::Sub: it may deploy as anything.
_VARIABLE = re.compile(r"\$\{[^}]*\}")
# What template.resolve leaves for an intrinsic it cannot read (Fn::If, Fn::Select...).
_UNREAD = re.compile(r"Fn::[A-Za-z]+\(")


def identity_pool_trusts(role: Role) -> list[Statement]:
    """The Allow statements of the role's trust that Cognito identity pool tokens can use: the
    principal is, or may deploy as, ``cognito-identity.amazonaws.com`` (``*``, a wildcard, an
    ``Fn::Sub`` variable, an intrinsic the review cannot read, a ``NotPrincipal``), and the
    actions, or a ``NotAction``, leave ``sts:AssumeRoleWithWebIdentity`` in."""
    return [
        s
        for s in role.trust
        if s.effect == "Allow" and _may_name_cognito(s) and _may_assume_web_identity(s)
    ]


def _may_name_cognito(statement: Statement) -> bool:
    if statement.not_principals:
        return not any(_covers(p, _FEDERATED_COGNITO) for p in statement.not_principals)
    return any(p == "*" or _covers(p, _FEDERATED_COGNITO) for p in statement.principals)


def _covers(principal: str, target: str) -> bool:
    """Whether the principal, read as a pattern (an unresolved part may be anything), names
    ``target``."""
    if _UNREAD.search(principal):
        return True
    return glob_matches(_VARIABLE.sub("*", principal), target, ignore_case=True)


def _may_assume_web_identity(statement: Statement) -> bool:
    if statement.not_actions:
        return not any(
            glob_matches(a, ASSUME_WEB_IDENTITY, ignore_case=True) for a in statement.not_actions
        )
    return any(glob_matches(a, ASSUME_WEB_IDENTITY, ignore_case=True) for a in statement.actions)


def unreadable_principals(statement: Statement) -> list[str]:
    """Principals whose value the template leaves open: a parameter other than the partition
    and URL suffix, or an intrinsic the review cannot resolve."""
    return [
        p
        for p in statement.principals + statement.not_principals
        if _UNREAD.search(p)
        or any(v not in ("${AWS::URLSuffix}", "${AWS::Partition}") for v in _VARIABLE.findall(p))
    ]


def any_principal(statement: Statement) -> bool:
    """An Allow whose principal is everyone (``*``, ``AWS: *``, ``Federated: *``) or everyone
    but some (``NotPrincipal``)."""
    if statement.effect != "Allow":
        return False
    return bool(statement.not_principals) or any(
        p == "*" or p.endswith(":*") for p in statement.principals
    )


def admits_provider(statement: Statement, amr_values: tuple[str, ...]) -> bool:
    """An identity signed in with a provider carrying any of these amr values satisfies the
    statement's ``amr`` conditions."""
    return any(admits(statement, AMR, [AUTHENTICATED, value]) for value in amr_values)


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
