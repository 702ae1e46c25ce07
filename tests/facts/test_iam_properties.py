"""The IAM evaluator (facts/iam.py) on random policies: every condition operator, qualifier,
``IfExists``, ``Null``, policy variables (present, missing, with a default, the special
characters) and ``NotAction``/``NotResource``, held to what the IAM user guide states. Where
the guide is silent the evaluator takes the reading that grants less; the properties below hold
under that reading too (an Allow that applies means its Deny twin applies)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from facts.iam import Decision, Request, decide, is_allowed

# Generating a random policy costs more than judging it: these counts keep the whole file to a
# few seconds of `make test`'s 60 s (random policies: FEW; one operator or pattern: MANY).
FEW = settings(max_examples=50, deadline=None)
MANY = settings(max_examples=100, deadline=None)

BUCKET = "arn:aws:s3:::b"
TEAM = "aws:PrincipalTag/team"
ABSENT = "aws:PrincipalTag/absent"  # a modelled key no generated request carries
AMR = "cognito-identity.amazonaws.com:amr"  # multivalued
SINGLE_KEYS = [TEAM, "s3:prefix", "aws:EpochTime", "aws:SourceIp", "aws:PrincipalArn"]

POSITIVE = [
    "StringEquals",
    "StringEqualsIgnoreCase",
    "StringLike",
    "ArnEquals",
    "ArnLike",
    "Bool",
    "NumericEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "IpAddress",
]
NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
    "NotIpAddress": "IpAddress",
}
OPERATORS = [*POSITIVE, *NEGATED]
QUALIFIERS = ["", "ForAnyValue:", "ForAllValues:"]

VARIABLES = [
    f"${{{TEAM}}}",
    f"${{{ABSENT}}}",
    f"${{{ABSENT}, 'd*'}}",
    f"${{{TEAM}, 'x'}}",
    "${*}",
    "${?}",
    "${$}",
]
pieces = st.sampled_from(["a", "b", "*", "?", "/", ":", "$", *VARIABLES])
patterns = st.lists(pieces, max_size=4).map("".join)
typed = st.sampled_from(
    ["10", "9", "1893456000", "2030-01-01T00:00:00Z", "203.0.113.5", "203.0.113.0/24", "true"]
)
arns = st.builds(lambda p: f"arn:aws:s3:::{p}", patterns)
policy_values = st.one_of(patterns, typed, arns)
request_values = st.one_of(st.text("ab*?/:$", max_size=4), typed, arns)


@st.composite
def conditions(draw: st.DrawFn) -> dict[str, Any]:
    blocks: dict[str, Any] = {}
    for _ in range(draw(st.integers(0, 2))):
        operator = draw(st.sampled_from([*OPERATORS, "Null"]))
        if operator != "Null":
            operator = draw(st.sampled_from(QUALIFIERS)) + operator
            operator += draw(st.sampled_from(["", "IfExists"]))
        key = draw(st.sampled_from([*SINGLE_KEYS, AMR, ABSENT]))
        values = (
            draw(st.sampled_from(["true", "false"]))
            if operator == "Null"
            else draw(st.lists(policy_values, min_size=1, max_size=2))
        )
        blocks.setdefault(operator, {})[key] = values
    return blocks


actions = st.sampled_from(["s3:GetObject", "s3:*", "s3:Put*", "s3:?etObject", "*"])


@st.composite
def statements(draw: st.DrawFn, effect: str | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": effect or draw(st.sampled_from(["Allow", "Deny"]))}
    statement["NotAction" if draw(st.booleans()) else "Action"] = draw(
        st.lists(actions, min_size=1, max_size=2)
    )
    resources = draw(
        st.lists(st.builds(lambda p: f"{BUCKET}/{p}", patterns), min_size=1, max_size=2)
    )
    statement["NotResource" if draw(st.booleans()) else "Resource"] = resources
    condition = draw(conditions())
    if condition:
        statement["Condition"] = condition
    return statement


@st.composite
def requests(draw: st.DrawFn) -> Request:
    context: dict[str, Any] = {}
    for key in SINGLE_KEYS:
        if draw(st.booleans()):
            context[key] = draw(request_values)
    if draw(st.booleans()):
        context[AMR] = draw(st.lists(request_values, max_size=3))
    action = draw(st.sampled_from(["s3:GetObject", "s3:PutObject"]))
    resource = f"{BUCKET}/{draw(st.text('ab*?/:$', max_size=4))}"
    return Request(action, resource, context)


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


EVERYTHING = {"Effect": "Allow", "Action": "*", "Resource": "*"}


def flipped(statement: dict[str, Any]) -> dict[str, Any]:
    return {**statement, "Effect": "Deny" if statement["Effect"] == "Allow" else "Allow"}


@FEW
@given(requests(), st.lists(statements(), max_size=3), statements(effect="Deny"), st.booleans())
def test_an_explicit_deny_wins_wherever_it_is(
    request: Request, others: list[dict[str, Any]], denial: dict[str, Any], in_resource: bool
) -> None:
    """Policy evaluation logic: a Deny that applies overrides every Allow in every policy."""
    if decide(request, [policy(EVERYTHING, denial)]) is not Decision.EXPLICIT_DENY:
        return
    if in_resource:
        bucket_policy = policy({**denial, "Principal": "*"})
        decision = decide(request, [policy(EVERYTHING, *others)], [bucket_policy])
    else:
        decision = decide(request, [policy(*others), policy(EVERYTHING, denial)])
    assert decision is Decision.EXPLICIT_DENY


@FEW
@given(requests(), statements(effect="Allow"))
def test_what_an_allow_grants_its_deny_twin_denies(request: Request, grant: dict[str, Any]) -> None:
    """Applying is one question for both effects; an undecided case grants nothing and denies,
    so it is never read one way for an Allow and the other for its Deny."""
    if is_allowed(request, [policy(grant)]):
        assert decide(request, [policy(EVERYTHING, flipped(grant))]) is Decision.EXPLICIT_DENY


@FEW
@given(requests(), st.lists(statements(), max_size=4), statements(), st.randoms())
def test_allows_add_denies_remove_and_neither_order_nor_key_case_matters(
    request: Request, statements: list[dict[str, Any]], added: dict[str, Any], random: Any
) -> None:
    """Policy evaluation logic: the decision is a function of which statements apply, so an
    Allow only adds, a Deny only removes, the statements' order is irrelevant; and condition
    keys ("Key names are case-insensitive", Variables and tags)."""
    decision = decide(request, [policy(*statements)])
    after = decide(request, [policy(*statements, added)])
    if added["Effect"] == "Allow":
        assert after is Decision.ALLOW or decision is not Decision.ALLOW
    else:
        assert decision is Decision.ALLOW or after is not Decision.ALLOW
    shuffled = [*statements, added]
    random.shuffle(shuffled)
    assert decide(request, [policy(*shuffled)]) is after
    shouted = {key.upper(): value for key, value in request.context.items()}
    loud = Request(request.action, request.resource, shouted)
    assert decide(loud, [policy(*statements)]) is decision


@FEW
@given(requests(), st.lists(statements(), max_size=3), st.lists(statements(), max_size=3))
def test_a_session_policy_only_bounds(
    request: Request, role: list[dict[str, Any]], session: list[dict[str, Any]]
) -> None:
    """ "Session policies": the intersection of the role's and the session's permissions."""
    if is_allowed(request, [policy(*role)], session_policies=[policy(*session)]):
        assert is_allowed(request, [policy(*role)])
        assert is_allowed(request, [policy(*session)])


def absent_key_condition(request: Request, operator: str, values: list[str]) -> Decision:
    statement = {**EVERYTHING, "Condition": {operator: {ABSENT: values}}}
    return decide(request, [policy(statement)])


@MANY
@given(requests(), st.sampled_from(list(NEGATED)), st.lists(policy_values, min_size=1, max_size=3))
def test_a_negated_operator_matches_a_missing_key(
    request: Request, operator: str, values: list[str]
) -> None:
    """Condition operators: "If the policy condition requires that the key is not matched, such
    as StringNotLike or ArnNotLike, and the right key is not present, the condition is true"."""
    assert absent_key_condition(request, operator, values) is Decision.ALLOW
    assert absent_key_condition(request, NEGATED[operator], values) is Decision.IMPLICIT_DENY


@MANY
@given(requests(), st.sampled_from(OPERATORS), st.lists(policy_values, min_size=1, max_size=3))
def test_set_operators_and_if_exists_on_a_missing_key(
    request: Request, operator: str, values: list[str]
) -> None:
    """Single-valued vs. multivalued context keys: ForAllValues on a missing key is true,
    ForAnyValue false; "...IfExists": "If the key is not present, evaluate the condition
    element as true"."""
    assert absent_key_condition(request, f"ForAllValues:{operator}", values) is Decision.ALLOW
    denied = absent_key_condition(request, f"ForAnyValue:{operator}", values)
    assert denied is Decision.IMPLICIT_DENY
    assert absent_key_condition(request, f"{operator}IfExists", values) is Decision.ALLOW


@MANY
@given(requests(), st.sampled_from(["true", "false"]))
def test_null_is_true_exactly_when_the_key_is_absent(request: Request, value: str) -> None:
    for key in [*SINGLE_KEYS, ABSENT]:
        statement = {**EVERYTHING, "Condition": {"Null": {key: value}}}
        absent = key not in request.context
        assert is_allowed(request, [policy(statement)]) is ((value == "true") is absent)


@FEW
@given(requests(), statements(), patterns, patterns)
def test_a_missing_variable_in_resource_grants_and_denies_nothing(
    request: Request, statement: dict[str, Any], before: str, after: str
) -> None:
    """Variables and tags, "Policy variables with no value": a Resource holding one "will not
    match any resource"."""
    statement.pop("NotResource", None)
    statement["Resource"] = f"{BUCKET}/{before}${{{ABSENT}}}{after}"
    assert decide(request, [policy(statement)]) is Decision.IMPLICIT_DENY


@MANY
@given(requests(), st.text("ab*?/$", max_size=4), st.text("ab*?/", max_size=3))
def test_a_default_stands_for_the_missing_value(request: Request, default: str, rest: str) -> None:
    """ "Specifying default values": without the key, the variable is its default."""
    context = {k: v for k, v in request.context.items() if k != TEAM}
    with_default = {**EVERYTHING, "Resource": f"{BUCKET}/${{{ABSENT}, '{default}'}}{rest}"}
    with_value = {**EVERYTHING, "Resource": f"{BUCKET}/${{{TEAM}}}{rest}"}
    tagged = Request(request.action, request.resource, {**context, TEAM: default})
    untagged = Request(request.action, request.resource, context)
    assert decide(untagged, [policy(with_default)]) is decide(tagged, [policy(with_value)])


@MANY
@given(st.lists(st.sampled_from(["a", "b", "/", "${*}", "${?}", "${$}"]), max_size=5), st.data())
def test_the_special_characters_stand_for_themselves(parts: list[str], data: st.DataObject) -> None:
    """ "Special characters": ${*}, ${?} and ${$} are the characters, never wildcards."""
    literal = "".join({"${*}": "*", "${?}": "?", "${$}": "$"}.get(p, p) for p in parts)
    key = data.draw(st.one_of(st.just(literal), st.text("ab/*?$", max_size=5)))
    grant = policy({**EVERYTHING, "Resource": f"{BUCKET}/{''.join(parts)}"})
    assert is_allowed(Request("s3:GetObject", f"{BUCKET}/{key}"), [grant]) is (key == literal)


@MANY
@given(st.text("ab*?/$", max_size=4), st.text("ab*?/$", max_size=5))
def test_a_filled_in_value_never_widens_an_allow(tag: str, key: str) -> None:
    """No page says whether a wildcard inside a filled-in value is one: an Allow takes it
    literally, so a tag grants exactly the name it spells."""
    grant = policy({**EVERYTHING, "Resource": f"{BUCKET}/${{{TEAM}}}"})
    request = Request("s3:GetObject", f"{BUCKET}/{key}", {TEAM: tag})
    assert is_allowed(request, [grant]) is (key == tag)


@MANY
@given(requests(), st.sampled_from(list(NEGATED)), st.lists(policy_values, min_size=1, max_size=3))
def test_an_operator_and_its_negation_never_both_grant_and_never_both_spare(
    request: Request, negated: str, values: list[str]
) -> None:
    for key in SINGLE_KEYS:
        if key not in request.context:
            continue
        grants = [
            is_allowed(request, [policy({**EVERYTHING, "Condition": {op: {key: values}}})])
            for op in (negated, NEGATED[negated])
        ]
        denials = [
            decide(
                request,
                [
                    policy(
                        EVERYTHING,
                        {**EVERYTHING, "Effect": "Deny", "Condition": {op: {key: values}}},
                    )
                ],
            )
            for op in (negated, NEGATED[negated])
        ]
        assert not all(grants)
        assert Decision.EXPLICIT_DENY in denials


@MANY
@given(requests(), st.lists(actions, min_size=1, max_size=2))
def test_not_action_is_the_complement_of_action(request: Request, names: list[str]) -> None:
    action = policy({"Effect": "Allow", "Action": names, "Resource": "*"})
    not_action = policy({"Effect": "Allow", "NotAction": names, "Resource": "*"})
    assert is_allowed(request, [action]) is not is_allowed(request, [not_action])


@MANY
@given(requests(), st.lists(st.text("ab*?/", max_size=4), min_size=1, max_size=2))
def test_not_resource_is_the_complement_of_resource(request: Request, names: list[str]) -> None:
    """Without variables: "NotResource ... explicitly matches every resource except those
    specified"."""
    arns = [f"{BUCKET}/{name}" for name in names]
    resource = policy({"Effect": "Allow", "Action": "*", "Resource": arns})
    not_resource = policy({"Effect": "Allow", "Action": "*", "NotResource": arns})
    assert is_allowed(request, [resource]) is not is_allowed(request, [not_resource])


@MANY
@given(requests(), st.lists(st.one_of(arns, patterns), min_size=1, max_size=2))
def test_arn_like_never_matches_more_than_string_like(request: Request, values: list[str]) -> None:
    """ARN operators match each colon-delimited part separately, so a wildcard spans less."""
    key = "aws:PrincipalArn"

    def granted(operator: str) -> bool:
        return is_allowed(request, [policy({**EVERYTHING, "Condition": {operator: {key: values}}})])

    if granted("ArnLike"):
        assert granted("StringLike")
