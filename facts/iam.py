"""IAM's policy language: its wildcards, and the one policy evaluator (identity-based policies,
resource policies such as a bucket policy, and trust policies, with policy variables and
conditions) that the offline run and the tests judge requests with.

It follows the IAM user guide, cited beside each rule:

- "Policy evaluation logic": an explicit Deny in any policy wins; otherwise, within one account,
  an Allow in either the identity-based or the resource-based policy allows; else implicit deny.
- "IAM JSON policy elements: Variables and tags": ``${key}`` in ``Resource`` and in condition
  values is the request context's value (``Version`` 2012-10-17 only); ``${*}``, ``${?}`` and
  ``${$}`` are the literal characters. A variable whose key the request lacks has "no equal or
  like value": the value holding it matches nothing, so a statement that needs it never applies.
- "IAM JSON policy elements: Condition operators": the string, ARN, Bool, Null, numeric and date
  operators, their ``...IfExists`` forms, and a missing key: false, except that a negated
  operator (``StringNotEquals``, ``ArnNotLike``, ...) is then true.
- "Single-valued vs. multivalued context keys": ``ForAnyValue`` / ``ForAllValues``; a missing or
  empty key makes ``ForAllValues`` true and ``ForAnyValue`` false.

Anything else (another operator, ``NotPrincipal``) raises ``Unsupported``: a policy that grows
beyond this model fails loudly instead of being judged by a guess.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

VARIABLES_VERSION = "2012-10-17"  # older policies take ${...} literally (same guide section)
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_LITERALS = {"*": "*", "?": "?", "$": "$"}


def as_list(value: Any) -> list[Any]:
    """IAM policies and CloudFormation take one value or a list of them in most places; absent
    (None) is none."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def glob_matches(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM's wildcards in ``Action``, ``Resource`` and ``StringLike``: ``*`` is any run of
    characters and ``?`` any one; nothing else is special (unlike fnmatch's ``[...]``). A
    ``value`` that is itself a pattern matches only where ``pattern`` covers it."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    flags = re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL
    return re.fullmatch(regex, value, flags) is not None


class Unsupported(NotImplementedError):
    """A policy element or condition operator this evaluator does not model."""


class Decision(enum.Enum):
    ALLOW = "allow"
    EXPLICIT_DENY = "explicit deny"
    IMPLICIT_DENY = "implicit deny"


@dataclass(frozen=True)
class Request:
    """One request as IAM sees it. ``resource`` is None when the service does not say which
    resource (then only a ``Resource: "*"`` Allow applies, and any Deny naming the action does:
    wrong in neither direction). ``context`` keys are matched without regard to case, as IAM
    matches condition keys; a list value is a multivalued key. ``principals`` are the ARNs a
    resource policy's ``Principal`` may name the caller by (role and session ARNs, for
    example) and ``account`` the caller's account."""

    action: str
    resource: str | None
    context: Mapping[str, str | Sequence[str]] = field(default_factory=dict)
    principals: Sequence[str] = ()
    account: str = ""
    federated: str = ""  # the web identity provider of AssumeRoleWithWebIdentity (trust policies)


def decide(
    request: Request,
    identity_policies: Iterable[Mapping[str, Any]],
    resource_policies: Iterable[Mapping[str, Any]] = (),
    session_policies: Iterable[Mapping[str, Any]] | None = None,
) -> Decision:
    """Policy evaluation logic, same account: explicit deny anywhere, else allow from either.

    ``session_policies`` (None: the session has none) bound what the others allow: IAM user
    guide, "Session policies": the session's permissions are the intersection of the role's
    policies and the session policies. A resource policy naming the session's own ARN would
    escape that bound; it is not modelled, so such a grant is judged the stricter way.
    """
    context = {key.lower(): value for key, value in request.context.items()}
    allowed = _allowed(request, context, identity_policies, resource_policies)
    if allowed is Decision.ALLOW and session_policies is not None:
        return _allowed(request, context, session_policies, ())
    return allowed


def _allowed(
    request: Request,
    context: Mapping[str, str | Sequence[str]],
    identity_policies: Iterable[Mapping[str, Any]],
    resource_policies: Iterable[Mapping[str, Any]],
) -> Decision:
    allowed = False
    for policy, resource_based in [
        *((p, False) for p in identity_policies),
        *((p, True) for p in resource_policies),
    ]:
        variables = policy.get("Version") == VARIABLES_VERSION
        for statement in as_list(policy.get("Statement", [])):
            if not _applies(statement, request, context, variables, resource_based):
                continue
            if statement["Effect"] == "Deny":
                return Decision.EXPLICIT_DENY
            allowed = True
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY


def is_allowed(
    request: Request,
    identity_policies: Iterable[Mapping[str, Any]],
    resource_policies: Iterable[Mapping[str, Any]] = (),
    session_policies: Iterable[Mapping[str, Any]] | None = None,
) -> bool:
    return decide(request, identity_policies, resource_policies, session_policies) is Decision.ALLOW


# Statements --------------------------------------------------------------------------------------


def _applies(
    statement: Mapping[str, Any],
    request: Request,
    context: Mapping[str, str | Sequence[str]],
    variables: bool,
    resource_based: bool,
) -> bool:
    if "NotPrincipal" in statement:
        raise Unsupported("NotPrincipal")
    if resource_based and not _principal_matches(statement, request):
        return False
    # Action names are not case-sensitive ("IAM JSON policy elements: Action").
    if not _element_matches(statement, "Action", request.action.lower(), str.lower):
        return False
    if "Resource" not in statement and "NotResource" not in statement:
        pass  # a trust policy: the role it is attached to is the resource
    elif request.resource is None:
        if statement["Effect"] == "Allow" and as_list(statement.get("Resource")) != ["*"]:
            return False
    else:
        substitute = _substituter(context, variables)
        if not _element_matches(statement, "Resource", request.resource, substitute):
            return False
    return _conditions_hold(statement.get("Condition", {}), context, variables)


def _element_matches(
    statement: Mapping[str, Any], name: str, value: str, prepare: Callable[[str], str | None]
) -> bool:
    """``Action``/``Resource`` or their ``Not`` forms (the "NotAction" and "NotResource"
    sections: the statement applies to everything the list does not match)."""
    negated = f"Not{name}" in statement
    patterns = as_list(statement[f"Not{name}" if negated else name])
    hit = any(p is not None and glob_matches(p, value) for p in map(prepare, patterns))
    return hit is not negated


def _principal_matches(statement: Mapping[str, Any], request: Request) -> bool:
    """IAM user guide, "IAM JSON policy elements: Principal": ``"*"`` and ``{"AWS": "*"}``
    are everyone; an ARN names a role or a session; an account (its id or root ARN) delegates
    to that account's own policies, so it lets a Deny apply but grants nothing by itself.
    Service principals never name the callers this evaluator judges."""
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    if request.federated and request.federated in as_list(principal.get("Federated", [])):
        return True
    names = as_list(principal.get("AWS", []))
    if "*" in names or any(name in request.principals for name in names):
        return True
    account_names = {request.account, f"arn:aws:iam::{request.account}:root"}
    return statement["Effect"] == "Deny" and any(name in account_names for name in names)


def _substituter(
    context: Mapping[str, str | Sequence[str]], variables: bool
) -> Callable[[str], str | None]:
    """A pattern with its variables filled in, or None when one names a missing key (or a
    multivalued one: a variable stands for one value)."""

    def substitute(pattern: str) -> str | None:
        if not variables:
            return pattern
        missing = False

        def fill(match: re.Match[str]) -> str:
            nonlocal missing
            name = match.group(1)
            if name in _LITERALS:
                return _LITERALS[name]
            value = context.get(name.lower())
            if not isinstance(value, str):
                missing = True
                return ""
            return value

        filled = _VARIABLE.sub(fill, pattern)
        return None if missing else filled

    return substitute


# Conditions --------------------------------------------------------------------------------------


def _conditions_hold(
    condition: Mapping[str, Any], context: Mapping[str, str | Sequence[str]], variables: bool
) -> bool:
    """Every operator block, and every key within it, must hold (logical AND); a key's list of
    values is an OR ("Creating a condition with multiple keys or values")."""
    substitute = _substituter(context, variables)
    for raw_operator, tests in condition.items():
        qualifier, _, operator = raw_operator.rpartition(":")
        if qualifier not in ("", "ForAnyValue", "ForAllValues"):
            raise Unsupported(f"condition operator {raw_operator}")
        if_exists = operator.endswith("IfExists") and operator != "Null"
        base = operator.removesuffix("IfExists") if if_exists else operator
        for key, expected in tests.items():
            patterns = [substitute(str(value)) for value in as_list(expected)]
            actual = context.get(key.lower())
            if not _condition_holds(base, qualifier, if_exists, patterns, actual):
                return False
    return True


def _condition_holds(
    operator: str,
    qualifier: str,
    if_exists: bool,
    patterns: list[str | None],
    actual: str | Sequence[str] | None,
) -> bool:
    if operator == "Null":
        # true: the key must be absent; false: present ("Condition operator to check existence
        # of condition keys").
        return any(p is not None and (p.lower() == "true") is (actual is None) for p in patterns)
    compare, negated = _operator(operator)
    values = [actual] if isinstance(actual, str) else list(actual or [])
    if not values:
        if qualifier == "ForAllValues" or if_exists:
            return True
        return negated and qualifier == ""

    def one(value: str) -> bool:
        # A pattern whose variable is missing has no equal or like value.
        hits = [p is not None and compare(p, value) for p in patterns]
        if negated:
            return all(p is not None for p in patterns) and not any(hits)
        return any(hits)

    if qualifier == "ForAllValues":
        return all(one(value) for value in values)
    if qualifier == "ForAnyValue":
        return any(one(value) for value in values)
    # Without a set operator a key is compared as one value; a multivalued key in the request
    # matches only when it holds exactly one (the guide advises a set operator for those).
    return len(values) == 1 and one(values[0])


Comparison = Callable[[str, str], bool]


def _operator(name: str) -> tuple[Comparison, bool]:
    positive = _NEGATED.get(name, name)
    compare = _COMPARISONS.get(positive)
    if compare is None:
        raise Unsupported(f"condition operator {name}")
    return compare, name in _NEGATED


def _number(text: str) -> float:
    return float(text)


def _date(text: str) -> float:
    """ISO 8601 or epoch seconds, as the date operators accept (condition operators reference)."""
    try:
        return float(text)
    except ValueError:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _ordered(convert: Callable[[str], float], test: Callable[[float, float], bool]) -> Comparison:
    return lambda pattern, value: test(convert(value), convert(pattern))


def _bool(pattern: str, value: str) -> bool:
    return pattern.lower() == value.lower()


_COMPARISONS: dict[str, Comparison] = {
    "StringEquals": lambda pattern, value: value == pattern,
    "StringEqualsIgnoreCase": lambda pattern, value: value.lower() == pattern.lower(),
    "StringLike": glob_matches,
    # ARNs: the service and resource parts are wildcard-matched like StringLike; ArnEquals
    # and ArnLike behave alike ("Amazon Resource Name (ARN) condition operators").
    "ArnEquals": glob_matches,
    "ArnLike": glob_matches,
    "Bool": _bool,
    "NumericEquals": _ordered(_number, lambda a, b: a == b),
    "NumericLessThan": _ordered(_number, lambda a, b: a < b),
    "NumericLessThanEquals": _ordered(_number, lambda a, b: a <= b),
    "NumericGreaterThan": _ordered(_number, lambda a, b: a > b),
    "NumericGreaterThanEquals": _ordered(_number, lambda a, b: a >= b),
    "DateEquals": _ordered(_date, lambda a, b: a == b),
    "DateLessThan": _ordered(_date, lambda a, b: a < b),
    "DateLessThanEquals": _ordered(_date, lambda a, b: a <= b),
    "DateGreaterThan": _ordered(_date, lambda a, b: a > b),
    "DateGreaterThanEquals": _ordered(_date, lambda a, b: a >= b),
}
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
}
