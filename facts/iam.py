"""IAM's policy language: its wildcards, and the one policy evaluator (identity-based policies,
resource policies such as a bucket policy, and trust policies, with policy variables and
conditions) that the offline run and the tests judge requests with.

It follows the IAM user guide, cited beside each rule:

- "Policy evaluation logic": an explicit Deny in any policy wins; otherwise, within one account,
  an Allow in either the identity-based or the resource-based policy allows; else implicit deny.
- "IAM JSON policy elements: Variables and tags": ``${key}`` in ``Resource`` and in string and
  ARN condition values is the request context's value (``Version`` 2012-10-17 only);
  ``${key, 'default'}`` is the default when the key has no value; ``${*}``, ``${?}`` and ``${$}``
  are the literal characters ("Special characters"). A variable without a value has "no equal or
  like value": a ``Resource`` holding it matches nothing, ``StringEquals`` or ``StringLike`` do
  not match it and the inverted operators do ("Policy variables with no value").
- "IAM JSON policy elements: Condition operators": the string, ARN (six colon-delimited parts
  matched separately), ``Bool``, ``Null``, numeric, date and IP address operators, their
  ``...IfExists`` forms, and a missing key: false, except that a negated operator
  (``StringNotEquals``, ``ArnNotLike``, ...) is then true.
- "Single-valued vs. multivalued context keys": ``ForAnyValue`` / ``ForAllValues``; a missing or
  empty key makes ``ForAllValues`` true and ``ForAnyValue`` false.

Where the guide leaves a case open, the evaluator takes the reading that grants less: such a
case is ``Match.MAYBE``, which lets no Allow apply and every Deny apply (docs/offline.md's
ledger lists each, labelled assumed).

Anything else (another operator, ``NotPrincipal``, a condition key or variable the request's
``KeyModel`` does not cover) raises ``Unsupported``: a policy that grows beyond this model fails
loudly instead of being judged by a guess.
"""

from __future__ import annotations

import enum
import ipaddress
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

VARIABLES_VERSION = "2012-10-17"  # older policies take ${...} literally (same guide section)
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
# "Specifying default values": the default in single quotes, after a comma and a space.
_DEFAULTED = re.compile(r"(.*), '(.*)'", re.DOTALL)
_SPECIAL_CHARACTERS = frozenset("*?$")


@dataclass(frozen=True)
class KeyModel:
    """The condition keys a kind of request context models: a key it names that a request
    lacks is absent, as IAM would find it. Any other key, unless the request carries it, raises
    Unsupported: the evaluator cannot tell a key AWS would set from one it would not."""

    names: frozenset[str]
    prefixes: tuple[str, ...] = ()

    @staticmethod
    def of(*names: str, prefixes: tuple[str, ...] = ()) -> KeyModel:
        return KeyModel(frozenset(n.lower() for n in names), tuple(p.lower() for p in prefixes))

    def covers(self, key: str) -> bool:
        lowered = key.lower()
        return lowered in self.names or lowered.startswith(self.prefixes)


_COGNITO_KEYS = (
    # "Available keys for AWS web identity federation": Cognito identity pool tokens
    "cognito-identity.amazonaws.com:aud",
    "cognito-identity.amazonaws.com:amr",
    "cognito-identity.amazonaws.com:sub",
)
# A request signed with a Cognito identity pool session's credentials (offline/access.py).
ROLE_SESSION_KEYS = KeyModel.of(
    # "AWS global condition context keys" present in a web identity role session's requests
    "aws:CurrentTime",
    "aws:EpochTime",
    "aws:FederatedProvider",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:PrincipalType",
    "aws:RequestedRegion",
    "aws:SecureTransport",
    "aws:SourceIp",
    "aws:TokenIssueTime",
    "aws:userid",
    *_COGNITO_KEYS,
    "s3:prefix",  # ListBucket's prefix parameter
    prefixes=("aws:PrincipalTag/",),
)
# AssumeRoleWithWebIdentity as a trust policy sees it (offline/trust.py): the token's keys and
# the session tags it passes ("Passing session tags in AWS STS").
WEB_IDENTITY_KEYS = KeyModel.of(
    *_COGNITO_KEYS, "aws:TagKeys", "sts:TransitiveTagKeys", prefixes=("aws:RequestTag/",)
)


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
    return _like(Pattern.plain(pattern), value, ignore_case=ignore_case) is Match.YES


class Unsupported(NotImplementedError):
    """A policy element, condition operator or condition key this evaluator does not model."""


class Decision(enum.Enum):
    ALLOW = "allow"
    EXPLICIT_DENY = "explicit deny"
    IMPLICIT_DENY = "implicit deny"


class Match(enum.Enum):
    """Whether a statement, or a part of it, matches a request. MAYBE: the IAM user guide does
    not decide between two readings; an Allow applies only on YES and a Deny on YES or MAYBE,
    so the evaluator takes the reading that grants less either way."""

    YES = "yes"
    NO = "no"
    MAYBE = "maybe"


def _any(matches: Iterable[Match]) -> Match:
    found = Match.NO
    for match in matches:
        if match is Match.YES:
            return Match.YES
        if match is Match.MAYBE:
            found = Match.MAYBE
    return found


def _all(matches: Iterable[Match]) -> Match:
    found = Match.YES
    for match in matches:
        if match is Match.NO:
            return Match.NO
        if match is Match.MAYBE:
            found = Match.MAYBE
    return found


_NOT = {Match.YES: Match.NO, Match.NO: Match.YES, Match.MAYBE: Match.MAYBE}


@dataclass(frozen=True)
class Request:
    """One request as IAM sees it. ``resource`` is None when the service does not say which
    resource (then only a ``Resource: "*"`` Allow applies, and any Deny naming the action does:
    wrong in neither direction). ``context`` keys are matched without regard to case, as IAM
    matches condition keys; a list value is a multivalued key. ``principals`` are the ARNs a
    resource policy's ``Principal`` may name the caller by (role and session ARNs, for
    example) and ``account`` the caller's account. ``keys``: the condition keys the context
    models, present or not."""

    action: str
    resource: str | None
    context: Mapping[str, str | Sequence[str]] = field(default_factory=dict)
    principals: Sequence[str] = ()
    account: str = ""
    federated: str = ""  # the web identity provider of AssumeRoleWithWebIdentity (trust policies)
    keys: KeyModel = ROLE_SESSION_KEYS


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
    context = _Context({key.lower(): v for key, v in request.context.items()}, request.keys)
    allowed = _allowed(request, context, identity_policies, resource_policies)
    if allowed is Decision.ALLOW and session_policies is not None:
        return _allowed(request, context, session_policies, ())
    return allowed


def _allowed(
    request: Request,
    context: _Context,
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
            applies = _applies(statement, request, context, variables, resource_based)
            if statement["Effect"] == "Deny":
                if applies is not Match.NO:
                    return Decision.EXPLICIT_DENY
            elif applies is Match.YES:
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
    context: _Context,
    variables: bool,
    resource_based: bool,
) -> Match:
    if "NotPrincipal" in statement:
        raise Unsupported("NotPrincipal")
    if resource_based and not _principal_matches(statement, request):
        return Match.NO
    # Action names are not case-sensitive ("IAM JSON policy elements: Action"); the NotAction
    # section: the statement applies to every action the list does not match.
    negated = "NotAction" in statement
    actions = as_list(statement["NotAction" if negated else "Action"])
    if any(glob_matches(a, request.action, ignore_case=True) for a in actions) is negated:
        return Match.NO
    resource = _resource_matches(statement, request, context, variables)
    if resource is Match.NO:
        return Match.NO
    return _all([resource, _conditions_hold(statement.get("Condition", {}), context, variables)])


def _resource_matches(
    statement: Mapping[str, Any],
    request: Request,
    context: _Context,
    variables: bool,
) -> Match:
    if "Resource" not in statement and "NotResource" not in statement:
        return Match.YES  # a trust policy: the role it is attached to is the resource
    if request.resource is None:
        allows_any = as_list(statement.get("Resource")) == ["*"]
        return Match.YES if statement["Effect"] == "Deny" or allows_any else Match.NO
    substitute = _substituter(context, variables)
    negated = "NotResource" in statement
    patterns = [
        substitute(str(p)) for p in as_list(statement["NotResource" if negated else "Resource"])
    ]
    if not negated:
        # "Policy variables with no value": a resource holding one "will not match any resource".
        return _any(Match.NO if p is None else _like(p, request.resource) for p in patterns)
    # The same sentence names NotResource without saying whether the statement then applies to
    # every resource (nothing excluded) or to none: MAYBE, so such an Allow grants nothing and
    # such a Deny denies everything its actions name.
    excluded = _any(Match.MAYBE if p is None else _like(p, request.resource) for p in patterns)
    return _NOT[excluded]


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


# Policy variables --------------------------------------------------------------------------------


class _Part(enum.Enum):
    POLICY = "policy"  # the policy's own text: * and ? are wildcards where the element has them
    SPECIAL = "special"  # ${*}, ${?}, ${$}: the character itself ("Special characters")
    # A value filled in from the request (or a default): whether IAM matches a * or ? in it as a
    # wildcard, no page says; _like answers MAYBE where only the wildcard reading matches.
    VALUE = "value"


@dataclass(frozen=True)
class Pattern:
    """A policy string with its variables filled in, each part remembering where it came from."""

    parts: tuple[tuple[str, _Part], ...]

    @staticmethod
    def plain(text: str) -> Pattern:
        return Pattern(((text, _Part.POLICY),))

    @property
    def text(self) -> str:
        return "".join(text for text, _ in self.parts)


@dataclass(frozen=True)
class _Context:
    values: Mapping[str, str | Sequence[str]]  # keys lower-cased: IAM ignores their case
    keys: KeyModel

    def get(self, key: str) -> str | Sequence[str] | None:
        """The request's value of a condition key or variable: None when absent. A key the
        request lacks and the model does not cover raises: it may be one AWS would set."""
        value = self.values.get(key.lower())
        if value is None and not self.keys.covers(key):
            raise Unsupported(
                f"condition key {key}: the request context does not model it (facts.iam.KeyModel)"
                "; add it where the context is built, with the value AWS sets"
            )
        return value


def _substituter(context: _Context, variables: bool) -> Callable[[str], Pattern | None]:
    """A pattern with its variables filled in, or None when one names a missing key (or a
    multivalued one: a variable stands for one value) and has no default."""

    def substitute(text: str) -> Pattern | None:
        if not variables:
            return Pattern.plain(text)
        parts: list[tuple[str, _Part]] = []
        position = 0
        for match in _VARIABLE.finditer(text):
            parts.append((text[position : match.start()], _Part.POLICY))
            position = match.end()
            filled = _fill(match.group(1), context)
            if filled is None:
                return None
            parts.append(filled)
        parts.append((text[position:], _Part.POLICY))
        return Pattern(tuple(parts))

    return substitute


def _fill(variable: str, context: _Context) -> tuple[str, _Part] | None:
    if variable in _SPECIAL_CHARACTERS:
        return variable, _Part.SPECIAL
    defaulted = _DEFAULTED.fullmatch(variable)
    name, default = defaulted.groups() if defaulted else (variable, None)
    value = context.get(name)
    if isinstance(value, str):
        return value, _Part.VALUE
    return None if default is None else (default, _Part.VALUE)


def _like(pattern: Pattern, value: str, *, ignore_case: bool = False) -> Match:
    """Wildcard matching: YES when it matches with every filled-in value taken literally,
    MAYBE when only taking a ``*`` or ``?`` in such a value as a wildcard matches."""
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    if re.fullmatch(_regex(pattern, values_are_wildcards=False), value, flags):
        return Match.YES
    if re.fullmatch(_regex(pattern, values_are_wildcards=True), value, flags):
        return Match.MAYBE
    return Match.NO


def _regex(pattern: Pattern, *, values_are_wildcards: bool) -> str:
    def one(text: str, part: _Part) -> str:
        wild = part is _Part.POLICY or (part is _Part.VALUE and values_are_wildcards)
        return "".join(
            ".*" if wild and c == "*" else "." if wild and c == "?" else re.escape(c) for c in text
        )

    return "".join(one(text, part) for text, part in pattern.parts)


# Conditions --------------------------------------------------------------------------------------


def _conditions_hold(condition: Mapping[str, Any], context: _Context, variables: bool) -> Match:
    """Every operator block, and every key within it, must hold (logical AND); a key's list of
    values is an OR ("Creating a condition with multiple keys or values")."""
    substitute = _substituter(context, variables)
    results: list[Match] = []
    for raw_operator, tests in condition.items():
        qualifier, _, operator = raw_operator.rpartition(":")
        if qualifier not in ("", "ForAnyValue", "ForAllValues"):
            raise Unsupported(f"condition operator {raw_operator}")
        if_exists = operator.endswith("IfExists") and operator != "Null"
        base = operator.removesuffix("IfExists") if if_exists else operator
        # Variables only in string and ARN operators ("Where you can use policy variables").
        fill = substitute if base.startswith(("String", "Arn")) else Pattern.plain
        for key, expected in tests.items():
            actual = context.get(key)
            patterns = [fill(str(value)) for value in as_list(expected)]
            results.append(_condition_holds(base, qualifier, if_exists, patterns, actual))
    return _all(results)


def _condition_holds(
    operator: str,
    qualifier: str,
    if_exists: bool,
    patterns: list[Pattern | None],
    actual: str | Sequence[str] | None,
) -> Match:
    if operator == "Null":
        # true: the key must be absent; false: present ("Condition operator to check existence
        # of condition keys").
        absent = actual is None
        return _any(
            Match.YES if p is not None and (p.text.lower() == "true") is absent else Match.NO
            for p in patterns
        )
    compare, negated = _operator(operator)
    values = [actual] if isinstance(actual, str) else list(actual or [])
    if not values:
        if qualifier == "ForAllValues" or if_exists or (negated and qualifier == ""):
            return Match.YES
        return Match.NO

    def one(value: str) -> Match:
        # A variable without a value: positive operators do not match it, inverted ones do.
        hit = _any(compare(p, value) for p in patterns if p is not None)
        return _NOT[hit] if negated else hit

    if qualifier == "ForAllValues":
        return _all(one(value) for value in values)
    if qualifier == "ForAnyValue":
        return _any(one(value) for value in values)
    if len(values) == 1:
        (value,) = values
        return one(value)
    # A multivalued key without a set operator: the guide advises a set operator and does not
    # say how one value is compared with several.
    return Match.MAYBE


Comparison = Callable[[Pattern, str], Match]


def _operator(name: str) -> tuple[Comparison, bool]:
    positive = _NEGATED.get(name, name)
    compare = _COMPARISONS.get(positive)
    if compare is None:
        raise Unsupported(f"condition operator {name}")
    return compare, name in _NEGATED


def _number(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"not a number: {text}")
    return number


def _date(text: str) -> float:
    """ISO 8601 or epoch seconds, as the date operators accept (condition operators reference)."""
    try:
        return _number(text)
    except ValueError:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _ordered(convert: Callable[[str], float], test: Callable[[float, float], bool]) -> Comparison:
    def compare(pattern: Pattern, value: str) -> Match:
        try:
            actual, expected = convert(value), convert(pattern.text)
        except ValueError:
            # Not a number or a date: no page says how IAM compares it.
            return Match.MAYBE
        return Match.YES if test(actual, expected) else Match.NO

    return compare


def _matched(test: Callable[[str, str], bool]) -> Comparison:
    return lambda pattern, value: Match.YES if test(pattern.text, value) else Match.NO


def _arn_like(pattern: Pattern, value: str) -> Match:
    """ "Each of the six colon-delimited components of the ARN is checked separately": a
    wildcard never spans a colon before the resource part. A value or pattern that is not six
    parts is not an ARN and matches nothing."""
    expected, actual = _arn_parts(pattern), value.split(":", 5)
    if expected is None or len(actual) != 6:
        return Match.NO
    return _all(map(_like, expected, actual))


def _arn_parts(pattern: Pattern) -> list[Pattern] | None:
    parts: list[list[tuple[str, _Part]]] = [[]]
    for text, part in pattern.parts:
        for index, piece in enumerate(text.split(":")):
            if index and len(parts) < 6:
                parts.append([])
            elif index:
                parts[-1].append((":", part))  # the resource part keeps its colons
            parts[-1].append((piece, part))
    return [Pattern(tuple(part)) for part in parts] if len(parts) == 6 else None


def _ip_address(pattern: Pattern, value: str) -> Match:
    try:
        network = ipaddress.ip_network(pattern.text, strict=False)
        address = ipaddress.ip_address(value)
    except ValueError:
        return Match.MAYBE  # not an address: no page says how IAM compares it
    return Match.YES if address in network else Match.NO


_COMPARISONS: dict[str, Comparison] = {
    "StringEquals": _matched(lambda pattern, value: value == pattern),
    "StringEqualsIgnoreCase": _matched(lambda pattern, value: value.lower() == pattern.lower()),
    "StringLike": _like,
    # "The ArnEquals and ArnLike condition operators behave identically."
    "ArnEquals": _arn_like,
    "ArnLike": _arn_like,
    "Bool": _matched(lambda pattern, value: pattern.lower() == value.lower()),
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
    "IpAddress": _ip_address,
}
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
    "NotIpAddress": "IpAddress",
}
