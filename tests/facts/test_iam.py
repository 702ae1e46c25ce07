"""The one IAM policy evaluator (facts/iam.py), judged directly: the rules the IAM user guide
states, each as a case a wrong evaluator would get wrong. The evaluator knows no config: the
bucket, role and identity here are made up, and no demo name is needed."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facts.iam import (
    WEB_IDENTITY_KEYS,
    Decision,
    Request,
    Unsupported,
    decide,
    glob_matches,
    is_allowed,
)

BUCKET = "arn:aws:s3:::bucket"
ME = "us-east-1:11111111-1111-1111-1111-111111111111"
SUB = "cognito-identity.amazonaws.com:sub"
ROLE = "arn:aws:iam::123456789012:role/reader"
SESSION = "arn:aws:sts::123456789012:assumed-role/reader/CognitoIdentityCredentials"


def policy(*statements: dict[str, Any], version: str = "2012-10-17") -> dict[str, Any]:
    return {"Version": version, "Statement": list(statements)}


def allow(action: Any = "s3:GetObject", resource: Any = f"{BUCKET}/*", **more: Any) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **more}


def deny(action: Any = "s3:GetObject", resource: Any = f"{BUCKET}/*", **more: Any) -> dict:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **more}


def get(key: str, **context: Any) -> Request:
    return Request("s3:GetObject", f"{BUCKET}/{key}", context, (ROLE, SESSION), "123456789012")


def test_nothing_allowed_is_an_implicit_deny() -> None:
    assert decide(get("a"), []) is Decision.IMPLICIT_DENY
    assert decide(get("a"), [policy(allow("s3:PutObject"))]) is Decision.IMPLICIT_DENY


def test_actions_ignore_case_and_resources_do_not() -> None:
    assert is_allowed(get("a"), [policy(allow("S3:getobject"))])
    assert not is_allowed(get("A"), [policy(allow(resource=f"{BUCKET}/a"))])
    # The wildcard matcher the review shares: case-sensitive unless asked.
    assert not glob_matches("arn:aws:s3:::b/A*", "arn:aws:s3:::b/ab")
    assert glob_matches("arn:aws:s3:::b/A*", "arn:aws:s3:::b/ab", ignore_case=True)


actions = st.sampled_from(["s3:GetObject", "s3:PutObject", "s3:*", "*", "s3:Get*", "s3:?etObject"])
keys = st.text(alphabet="abc/*?", min_size=1, max_size=6)


@given(
    allows=st.lists(st.tuples(actions, keys), max_size=4),
    denied=st.tuples(actions, keys),
    key=st.text(alphabet="abc/", min_size=1, max_size=6),
    deny_in_resource_policy=st.booleans(),
)
def test_an_explicit_deny_that_matches_always_wins(
    allows: list[tuple[str, str]], denied: tuple[str, str], key: str, deny_in_resource_policy: bool
) -> None:
    """Policy evaluation logic: an explicit deny in any policy overrides every allow."""
    identity = policy(*(allow(action, f"{BUCKET}/{glob}") for action, glob in allows))
    denial = deny(denied[0], f"{BUCKET}/{denied[1]}")
    everything = policy(allow("*", "*"))
    if deny_in_resource_policy:
        decision = decide(
            get(key), [identity, everything], [policy({**denial, "Principal": {"AWS": "*"}})]
        )
    else:
        decision = decide(get(key), [identity, policy(denial), everything])
    matches = is_allowed(get(key), [policy(allow(denied[0], f"{BUCKET}/{denied[1]}"))])
    assert decision is (Decision.EXPLICIT_DENY if matches else Decision.ALLOW)


@given(
    tag=st.text(alphabet="abcdef", min_size=1, max_size=5),
    present=st.dictionaries(st.sampled_from(["team", "dept"]), st.text("xyz", max_size=3)),
    effect=st.sampled_from(["Allow", "Deny"]),
    in_condition=st.booleans(),
)
def test_a_statement_needing_a_missing_tag_never_applies(
    tag: str, present: dict[str, str], effect: str, in_condition: bool
) -> None:
    """Variables and tags: a variable without a value has no equal or like value."""
    variable = f"${{aws:PrincipalTag/tenant-{tag}}}"
    context = {f"aws:PrincipalTag/{key}": value for key, value in present.items()}
    if in_condition:
        statement = {
            "Effect": effect,
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"StringLike": {"s3:prefix": [variable, f"{variable}/*"]}},
        }
        context["s3:prefix"] = ""
    else:
        statement = {"Effect": effect, "Action": "s3:*", "Resource": f"{BUCKET}/{variable}*"}
    decision = decide(get(f"{tag}/x", **context), [policy(statement)])
    assert decision is Decision.IMPLICIT_DENY


def test_variables_are_filled_in_from_the_request() -> None:
    mine = policy(allow(resource=f"{BUCKET}/private/${{{SUB}}}/*"))
    tenant = policy(allow(resource=f"{BUCKET}/tenants/${{aws:PrincipalTag/tenant}}/*"))

    assert is_allowed(get(f"private/{ME}/a", **{SUB: ME}), [mine])
    assert not is_allowed(get(f"private/{ME}x/a", **{SUB: ME}), [mine])
    assert is_allowed(get("tenants/acme/a", **{"aws:PrincipalTag/tenant": "acme"}), [tenant])
    assert not is_allowed(get("tenants/globex/a", **{"aws:PrincipalTag/tenant": "acme"}), [tenant])
    # Condition keys, and so variables, ignore case.
    assert is_allowed(get("tenants/acme/a", **{"aws:principaltag/TENANT": "acme"}), [tenant])


def test_a_tag_cannot_smuggle_a_wildcard() -> None:
    """No page says whether a ``*`` in a filled-in value is a wildcard: the reading that grants
    less, so an Allow takes it literally and a Deny as a wildcard."""
    tenant = f"{BUCKET}/tenants/${{aws:PrincipalTag/tenant}}/*"
    star = {"aws:PrincipalTag/tenant": "*"}
    anything = policy(allow("s3:*", "*"))

    assert is_allowed(get("tenants/*/a", **star), [policy(allow(resource=tenant))])
    assert not is_allowed(get("tenants/globex/a", **star), [policy(allow(resource=tenant))])
    assert not is_allowed(
        get("tenants/gl/a", **{"aws:PrincipalTag/tenant": "g?"}), [policy(allow(resource=tenant))]
    )
    denied = decide(get("tenants/globex/a", **star), [anything, policy(deny(resource=tenant))])
    assert denied is Decision.EXPLICIT_DENY
    like = allow(Condition={"StringLike": {"s3:prefix": "${aws:PrincipalTag/tenant}/*"}})
    assert not is_allowed(get("a", **star, **{"s3:prefix": "globex/x"}), [policy(like)])
    assert is_allowed(get("a", **star, **{"s3:prefix": "*/x"}), [policy(like)])


def test_the_special_characters_are_literal() -> None:
    """Variables and tags, "Special characters": "${*} - use where you need an * (asterisk)
    character", "${?} - ... a ? (question mark) character", "${$} - ... a $ (dollar sign)
    character"; "These predefined policy variables can be used in any string where you can use
    regular policy variables"."""
    every_tenant = policy(allow(resource=f"{BUCKET}/tenants/${{*}}/*"))
    question = policy(allow(resource=f"{BUCKET}/why${{?}}"))
    dollar = policy(allow(resource=f"{BUCKET}/${{$}}{{x}}"))

    assert is_allowed(get("tenants/*/a"), [every_tenant])
    assert not is_allowed(get("tenants/acme/a"), [every_tenant])
    assert is_allowed(get("why?"), [question])
    assert not is_allowed(get("whyz"), [question])
    assert is_allowed(get("${x}"), [dollar])
    assert not is_allowed(get("$x"), [dollar])
    literal_star = allow(Condition={"StringLike": {"s3:prefix": "a${*}"}})
    assert is_allowed(get("a", **{"s3:prefix": "a*"}), [policy(literal_star)])
    assert not is_allowed(get("a", **{"s3:prefix": "ab"}), [policy(literal_star)])
    # A Deny with the escape denies only the literal name, too.
    everything = policy(allow("s3:*", "*"))
    no_star = policy(deny(resource=f"{BUCKET}/tenants/${{*}}/*"))
    assert is_allowed(get("tenants/acme/a"), [everything, no_star])
    assert not is_allowed(get("tenants/*/a"), [everything, no_star])


def test_the_question_mark_is_one_character() -> None:
    one = policy(allow("s3:?etObject", f"{BUCKET}/a?c"))

    assert is_allowed(get("abc"), [one])
    assert not is_allowed(get("ac"), [one])
    assert not is_allowed(get("abbc"), [one])
    assert not is_allowed(Request("s3:TGetObject", f"{BUCKET}/abc"), [one])


def test_a_variable_takes_its_default_when_the_key_has_no_value() -> None:
    """Variables and tags, "Specifying default values": "if a principal is tagged with
    team=yellow, they can access ... DOC-EXAMPLE-BUCKET-yellow ... For users without team
    tags, it sets a default value of company-wide"."""
    team = policy(
        allow(
            "s3:*",
            "arn:aws:s3:::DOC-EXAMPLE-BUCKET-${aws:PrincipalTag/team, 'company-wide'}",
        )
    )

    def bucket(name: str, **context: Any) -> Request:
        return Request("s3:ListBucket", f"arn:aws:s3:::DOC-EXAMPLE-BUCKET-{name}", context)

    yellow = {"aws:PrincipalTag/team": "yellow"}
    assert is_allowed(bucket("yellow", **yellow), [team])
    assert not is_allowed(bucket("company-wide", **yellow), [team])
    assert is_allowed(bucket("company-wide"), [team])
    assert not is_allowed(bucket("yellow"), [team])
    in_condition = allow(
        Condition={"StringEquals": {"s3:prefix": "${aws:PrincipalTag/team, 'none'}"}}
    )
    assert is_allowed(get("a", **{"s3:prefix": "none"}), [policy(in_condition)])
    assert is_allowed(get("a", **{"s3:prefix": "yellow"}, **yellow), [policy(in_condition)])
    assert not is_allowed(get("a", **{"s3:prefix": "none"}, **yellow), [policy(in_condition)])


def test_an_inverted_operator_matches_a_variable_without_a_value() -> None:
    """Variables and tags, "Policy variables with no value": "Inverted condition operators like
    StringNotEquals or StringNotLike do match against a null value"; the guide's example:
    "Access is specifically denied when aws:principaltag/Team is not set"."""
    team_only = policy(
        allow("s3:*", "*"),
        deny(
            resource="arn:aws:s3:::example-bucket/*",
            Condition={
                "StringNotEquals": {"s3:ExistingObjectTag/Team": "${aws:PrincipalTag/Team}"}
            },
        ),
    )

    def read(**principal_tags: str) -> Decision:
        context = {"s3:ExistingObjectTag/Team": "blue"}
        context.update({f"aws:PrincipalTag/{k}": v for k, v in principal_tags.items()})
        return decide(
            Request("s3:GetObject", "arn:aws:s3:::example-bucket/a", context), [team_only]
        )

    assert read() is Decision.EXPLICIT_DENY
    assert read(Team="red") is Decision.EXPLICIT_DENY
    assert read(Team="blue") is Decision.ALLOW
    # ... and the positive operators do not match it: "the policy statement does not take effect".
    equal = policy(allow(Condition={"StringEquals": {"s3:prefix": "${aws:PrincipalTag/Team}"}}))
    assert not is_allowed(get("a", **{"s3:prefix": ""}), [equal])


def test_not_resource_with_a_variable_without_a_value_grants_nothing_and_denies_all() -> None:
    """ "Policy variables with no value": a Resource or NotResource entry holding one "will not
    match any resource"; whether a NotResource statement then applies to every resource or to
    none, no page says. The reading that grants less: such an Allow grants nothing, such a Deny
    denies every resource its actions name."""
    outside = f"{BUCKET}/tenants/${{aws:PrincipalTag/tenant}}/*"
    allow_outside = policy({"Effect": "Allow", "Action": "s3:*", "NotResource": outside})
    deny_outside = policy(
        allow("s3:*", "*"), {"Effect": "Deny", "Action": "s3:*", "NotResource": outside}
    )
    acme = {"aws:PrincipalTag/tenant": "acme"}

    assert not is_allowed(get("shared/a"), [allow_outside])
    assert is_allowed(get("shared/a", **acme), [allow_outside])
    assert not is_allowed(get("tenants/acme/a", **acme), [allow_outside])
    assert decide(get("tenants/acme/a"), [deny_outside]) is Decision.EXPLICIT_DENY
    assert decide(get("shared/a"), [deny_outside]) is Decision.EXPLICIT_DENY
    assert decide(get("tenants/acme/a", **acme), [deny_outside]) is Decision.ALLOW


def test_arn_operators_match_the_six_parts_separately() -> None:
    """Condition operators, ARN: "With a StringLike condition, the match succeeds ... With an
    ArnLike condition, which matches elements between colons, the match fails"."""
    pattern = "arn:aws:someservice:*:111122223333:finance/*"
    value = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"

    def holds(operator: str, actual: str) -> bool:
        statement = allow(Condition={operator: {"aws:PrincipalArn": pattern}})
        return is_allowed(get("a", **{"aws:PrincipalArn": actual}), [policy(statement)])

    assert holds("StringLike", value)
    assert not holds("ArnLike", value)
    assert not holds("ArnEquals", value)
    assert holds("ArnNotLike", value)
    matching = "arn:aws:someservice:us-east-2:111122223333:finance/a:b"
    assert holds("ArnLike", matching) and holds("ArnEquals", matching)
    assert not holds("ArnNotEquals", matching)
    # Not an ARN (fewer than six parts): no match.
    assert not holds("ArnLike", "finance/document.txt")

    def like(expected: str, actual: str) -> bool:
        statement = allow(Condition={"ArnLike": {"aws:PrincipalArn": expected}})
        return is_allowed(get("a", **{"aws:PrincipalArn": actual}), [policy(statement)])

    # The resource part keeps its colons, in the pattern as in the value.
    assert like("arn:aws:someservice:*:111122223333:finance/*:b", matching)
    assert not like("arn:aws:someservice:*:111122223333:finance/*:c", matching)
    assert not like("*", matching)  # a pattern that is not an ARN matches nothing
    assert not like(pattern, "arn:aws:someservice")  # nor does a value that is not one


def test_a_key_beyond_the_model_fails_loudly() -> None:
    """A key the request lacks may be one AWS would set (aws:username, aws:SourceVpce, ...): the
    evaluator cannot judge the policy, so it raises. Modelled keys the request lacks are absent,
    and a key the request carries is modelled by whoever built the request."""
    for key in ("aws:username", "aws:SourceVpce", "s3:ExistingObjectTag/Team"):
        with pytest.raises(Unsupported, match=key):
            decide(get("a"), [policy(deny(Condition={"StringEquals": {key: "x"}}))])
        with pytest.raises(Unsupported, match=key):
            decide(get("a"), [policy(allow(resource=f"{BUCKET}/${{{key}}}"))])
    absent = deny(Condition={"StringEquals": {"aws:PrincipalTag/team": "x"}})
    assert decide(get("a"), [policy(allow(), absent)]) is Decision.ALLOW
    unsigned = deny(Condition={"DateLessThan": {"aws:TokenIssueTime": "2030-01-01T00:00:00Z"}})
    assert decide(get("a"), [policy(allow(), unsigned)]) is Decision.ALLOW
    carried = deny(Condition={"StringEquals": {"s3:ExistingObjectTag/Team": "x"}})
    tagged = get("a", **{"s3:ExistingObjectTag/Team": "x"})
    assert decide(tagged, [policy(allow(), carried)]) is Decision.EXPLICIT_DENY


def test_a_trust_policy_is_judged_over_the_web_identity_keys_only() -> None:
    """AssumeRoleWithWebIdentity is not signed by a session: its context has the token's keys
    and the tags it passes (WEB_IDENTITY_KEYS), so a trust condition on a session key raises."""

    def trust(condition: dict[str, Any]) -> Decision:
        statement = {
            "Effect": "Allow",
            "Principal": {"Federated": "cognito-identity.amazonaws.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": condition,
        }
        request = Request(
            "sts:AssumeRoleWithWebIdentity",
            None,
            {SUB: ME},
            federated="cognito-identity.amazonaws.com",
            keys=WEB_IDENTITY_KEYS,
        )
        return decide(request, [], [policy(statement)])

    assert trust({"StringEquals": {SUB: ME}}) is Decision.ALLOW
    assert trust({"Null": {"aws:RequestTag/tenant": "true"}}) is Decision.ALLOW
    with pytest.raises(Unsupported, match="aws:SourceIp"):
        trust({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
    with pytest.raises(Unsupported, match="aws:PrincipalTag/tenant"):
        trust({"StringEquals": {"aws:PrincipalTag/tenant": "acme"}})


@pytest.mark.parametrize(
    "operator",
    ["NumericLessThan", "NumericEquals", "NumericNotEquals", "DateLessThan", "DateNotEquals"],
)
def test_a_number_or_date_operator_on_something_else_grants_nothing(operator: str) -> None:
    """No page says how IAM compares a value that is not a number or a date: it never raises,
    and takes the reading that grants less (an Allow does not apply, a Deny does)."""
    condition = {operator: {"s3:prefix": "10"}}
    for value in ("ten", "nan", "inf", "-inf"):
        request = get("a", **{"s3:prefix": value})

        assert not is_allowed(request, [policy(allow(Condition=condition))])
        denied = decide(request, [policy(allow(), deny(Condition=condition))])
        assert denied is Decision.EXPLICIT_DENY


@pytest.mark.parametrize(
    ("operator", "below", "equal", "above"),
    [
        ("NumericEquals", False, True, False),
        ("NumericNotEquals", True, False, True),
        ("NumericLessThan", True, False, False),
        ("NumericLessThanEquals", True, True, False),
        ("NumericGreaterThan", False, False, True),
        ("NumericGreaterThanEquals", False, True, True),
        ("DateEquals", False, True, False),
        ("DateNotEquals", True, False, True),
        ("DateLessThan", True, False, False),
        ("DateLessThanEquals", True, True, False),
        ("DateGreaterThan", False, False, True),
        ("DateGreaterThanEquals", False, True, True),
    ],
)
def test_ordered_operators_at_their_boundaries(
    operator: str, below: bool, equal: bool, above: bool
) -> None:
    """Condition operators: the request's value compared with the policy's, one either side of
    it and the value itself (dates as epoch seconds and ISO 8601 alike)."""
    numeric = operator.startswith("Numeric")
    key = "aws:MultiFactorAuthAge" if numeric else "aws:EpochTime"
    expected = "100" if numeric else "2030-01-01T00:00:00Z"
    at = 100 if numeric else 1893456000

    def holds(actual: int) -> bool:
        statement = allow(Condition={operator: {key: expected}})
        return is_allowed(get("a", **{key: str(actual)}), [policy(statement)])

    assert (holds(at - 1), holds(at), holds(at + 1)) == (below, equal, above)


@pytest.mark.parametrize(
    "moment",
    ["1893456000", "2030-01-01T00:00:00Z", "2030-01-01T00:00:00", "2030-01-01T01:00:00+01:00"],
)
def test_dates_are_iso_8601_or_epoch_seconds(moment: str) -> None:
    """Condition operators, date: ISO 8601 forms and epoch seconds name the same instant (a
    time without a zone is UTC)."""
    statement = allow(Condition={"DateEquals": {"aws:CurrentTime": moment}})

    assert is_allowed(get("a", **{"aws:CurrentTime": "2030-01-01T00:00:00Z"}), [policy(statement)])
    assert not is_allowed(get("a", **{"aws:CurrentTime": "1893456001"}), [policy(statement)])


def test_ip_address_operators() -> None:
    """Condition operators, IP address: "the request must come from the IP range 203.0.113.0 to
    203.0.113.255"."""
    within = allow(Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})
    outside = allow(Condition={"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24", "::1"]}})

    def holds(statement: dict[str, Any], ip: str) -> bool:
        return is_allowed(get("a", **{"aws:SourceIp": ip}), [policy(statement)])

    assert holds(within, "203.0.113.255") and not holds(within, "203.0.114.0")
    host_bits = allow(Condition={"IpAddress": {"aws:SourceIp": "203.0.113.7/24"}})
    assert holds(host_bits, "203.0.113.200")  # the range the address and mask name
    assert holds(outside, "198.51.100.7") and not holds(outside, "203.0.113.9")
    assert not holds(outside, "::1")


def test_a_multivalued_key_without_a_set_operator_grants_nothing_and_denies() -> None:
    """The guide advises a set operator for a multivalued key and does not say how a plain
    operator compares one value with several: the reading that grants less."""
    amr = "cognito-identity.amazonaws.com:amr"
    request = get("a", **{amr: ["authenticated", "cognito-idp.example"]})
    condition = {"StringLike": {amr: "*"}}

    assert not is_allowed(request, [policy(allow(Condition=condition))])
    denied = decide(request, [policy(allow(), deny(Condition=condition))])
    assert denied is Decision.EXPLICIT_DENY


def test_variables_are_literal_in_old_policy_versions() -> None:
    old = policy(allow(resource=f"{BUCKET}/private/${{{SUB}}}/*"), version="2008-10-17")

    assert not is_allowed(get(f"private/{ME}/a", **{SUB: ME}), [old])
    assert is_allowed(get(f"private/${{{SUB}}}/a", **{SUB: ME}), [old])


def test_not_action_and_not_resource_apply_to_everything_else() -> None:
    everything_but_puts = policy({"Effect": "Allow", "NotAction": "s3:Put*", "Resource": "*"})
    outside_private = policy(
        {"Effect": "Deny", "Action": "s3:*", "NotResource": f"{BUCKET}/private/*"},
        allow("s3:*", "*"),
    )

    assert is_allowed(get("a"), [everything_but_puts])
    assert not is_allowed(Request("s3:PutObject", f"{BUCKET}/a"), [everything_but_puts])
    assert decide(get("shared/a"), [outside_private]) is Decision.EXPLICIT_DENY
    assert decide(get("private/a"), [outside_private]) is Decision.ALLOW


def listing(prefix: str | None, **context: Any) -> Request:
    if prefix is not None:
        context["s3:prefix"] = prefix
    return Request("s3:ListBucket", BUCKET, context)


def test_string_like_on_s3_prefix_with_a_variable() -> None:
    statement = allow(
        "s3:ListBucket",
        BUCKET,
        Condition={"StringLike": {"s3:prefix": [f"private/${{{SUB}}}/*", "shared/*"]}},
    )

    assert is_allowed(listing(f"private/{ME}/", **{SUB: ME}), [policy(statement)])
    assert not is_allowed(listing("private/other/", **{SUB: ME}), [policy(statement)])
    # The missing sub voids its own value only; "shared/*" still matches.
    assert is_allowed(listing("shared/"), [policy(statement)])
    assert not is_allowed(listing(None, **{SUB: ME}), [policy(statement)])


@pytest.mark.parametrize(
    ("operator", "expected", "actual", "holds"),
    [
        ("StringEquals", "a", "a", True),
        ("StringEquals", "a", "A", False),
        ("StringNotEquals", "a", "b", True),
        ("StringEqualsIgnoreCase", "a", "A", True),
        ("StringNotEqualsIgnoreCase", "a", "A", False),
        ("StringLike", "a*", "abc", True),
        ("StringLike", "a*", "Abc", False),
        ("StringNotLike", "a*", "abc", False),
        ("ArnLike", "arn:aws:iam::*:role/x", ROLE.replace("reader", "x"), True),
        ("ArnEquals", ROLE, ROLE, True),
        ("ArnNotLike", "arn:aws:iam::*:role/*", ROLE, False),
        ("Bool", "false", "false", True),
        ("Bool", "false", "true", False),
        ("NumericLessThan", "10", "9", True),
        ("NumericGreaterThanEquals", "10", "9", False),
        ("NumericNotEquals", "10", "9", True),
        ("DateLessThan", "2030-01-01T00:00:00Z", "2029-12-31T23:59:59Z", True),
        ("DateGreaterThan", "2030-01-01T00:00:00Z", "1893456000", False),
        ("DateEquals", "2030-01-01T00:00:00Z", "1893456000", True),
    ],
)
def test_condition_operators(operator: str, expected: str, actual: str, holds: bool) -> None:
    statement = allow(Condition={operator: {"test:key": expected}})

    assert is_allowed(get("a", **{"test:key": actual}), [policy(statement)]) is holds


@pytest.mark.parametrize(
    ("operator", "holds"),
    [
        ("StringEquals", False),
        ("StringNotEquals", True),
        ("ArnNotLike", True),
        ("StringEqualsIfExists", True),
        ("ForAnyValue:StringEquals", False),
        ("ForAllValues:StringEquals", True),
        ("ForAnyValue:StringNotEquals", False),
    ],
)
def test_a_missing_key(operator: str, holds: bool) -> None:
    """Condition operators: a missing key is false, except for the negated operators,
    ...IfExists and ForAllValues."""
    statement = allow(Condition={operator: {"aws:PrincipalTag/team": "a"}})

    assert is_allowed(get("a"), [policy(statement)]) is holds


def test_null_checks_presence() -> None:
    absent = allow(Condition={"Null": {"aws:PrincipalTag/tenant": "true"}})
    present = allow(Condition={"Null": {"aws:PrincipalTag/tenant": "false"}})
    tagged = get("a", **{"aws:PrincipalTag/tenant": "acme"})

    assert is_allowed(get("a"), [policy(absent)]) and not is_allowed(tagged, [policy(absent)])
    assert is_allowed(tagged, [policy(present)]) and not is_allowed(get("a"), [policy(present)])


def test_set_operators_on_a_multivalued_key() -> None:
    amr = "cognito-identity.amazonaws.com:amr"
    request = get("a", **{amr: ["authenticated", "cognito-idp.example"]})

    def holds(operator: str, values: list[str]) -> bool:
        return is_allowed(request, [policy(allow(Condition={operator: {amr: values}}))])

    assert holds("ForAnyValue:StringLike", ["authenticated"])
    assert not holds("ForAllValues:StringLike", ["authenticated"])
    assert holds("ForAllValues:StringLike", ["authenticated", "cognito-idp.*"])
    # Without a set operator a multivalued key is not one value.
    assert not holds("StringLike", ["*"])


def test_a_bucket_policy_allows_or_denies_alongside_the_identity_policy() -> None:
    """Same account: an allow from either policy suffices; a deny from either wins."""
    grant = policy(allow(Principal={"AWS": ROLE}))
    tls_only = policy(
        deny("s3:*", [BUCKET, f"{BUCKET}/*"], Principal={"AWS": "*"}),
    )
    tls_only["Statement"][0]["Condition"] = {"Bool": {"aws:SecureTransport": "false"}}

    assert is_allowed(get("a"), [], [grant])
    # A resource policy statement names whom it grants to; without a Principal, nobody.
    assert not is_allowed(get("a"), [], [policy(allow())])
    assert not is_allowed(get("a"), [], [policy(allow(Principal={"AWS": "arn:aws:iam::1:root"}))])
    over_tls = get("a", **{"aws:SecureTransport": "true"})
    assert is_allowed(over_tls, [policy(allow())], [tls_only])
    plain = get("a", **{"aws:SecureTransport": "false"})
    assert decide(plain, [policy(allow())], [tls_only]) is Decision.EXPLICIT_DENY


def test_naming_the_callers_own_account_grants_nothing_by_itself() -> None:
    """Principal: an account id or root ARN "delegates authority to the account": the account's
    own identity policies must allow too. A Deny naming the account applies to its callers."""
    account = get("a").account
    for name in (account, f"arn:aws:iam::{account}:root"):
        delegated = policy(allow(Principal={"AWS": name}))
        assert not is_allowed(get("a"), [], [delegated])
        assert is_allowed(get("a"), [policy(allow())], [delegated])
        refused = policy(deny(Principal={"AWS": name}))
        assert decide(get("a"), [policy(allow())], [refused]) is Decision.EXPLICIT_DENY
    other = Request("s3:GetObject", f"{BUCKET}/a", {}, (ROLE,), "999999999999")
    assert decide(other, [policy(allow())], [policy(deny(Principal={"AWS": account}))]) is (
        Decision.ALLOW
    )


def test_principal_star_as_a_string_is_everyone() -> None:
    """Principal, "All principals": "Principal": "*" and {"AWS": "*"} are equivalent; so the
    TLS-only Deny written either way applies to every caller."""
    for everyone in ("*", {"AWS": "*"}):
        tls_only = deny(
            "s3:*",
            [BUCKET, f"{BUCKET}/*"],
            Principal=everyone,
            Condition={"Bool": {"aws:SecureTransport": "false"}},
        )
        plain = get("a", **{"aws:SecureTransport": "false"})
        assert decide(plain, [policy(allow())], [policy(tls_only)]) is Decision.EXPLICIT_DENY
        assert is_allowed(get("a"), [], [policy(allow(Principal=everyone))])


def test_a_trust_policy_names_the_web_identity_provider() -> None:
    """Principal, web identity session principals: {"Federated": <provider>} trusts tokens of
    that provider only."""
    cognito = "cognito-identity.amazonaws.com"

    def trusted(federated: Any, caller: str = cognito) -> bool:
        trust = policy(
            {
                "Effect": "Allow",
                "Principal": {"Federated": federated},
                "Action": "sts:AssumeRoleWithWebIdentity",
            }
        )
        request = Request("sts:AssumeRoleWithWebIdentity", None, federated=caller)
        return is_allowed(request, [], [trust])

    assert trusted(cognito)
    assert trusted(["accounts.google.com", cognito])
    assert not trusted("accounts.google.com")
    assert not trusted("www.amazon.com", caller="graph.facebook.com")
    assert not trusted(cognito, caller="")
    assert not trusted("", caller="")  # a caller without a web identity matches no Federated


def test_an_unknown_resource_is_judged_conservatively() -> None:
    """A service that does not say the resource: only a Resource "*" grant allows, any deny of
    the action applies."""
    call = Request("cognito-idp:AdminAddUserToGroup", None)
    scoped = allow("cognito-idp:*", "arn:aws:cognito-idp:*:*:userpool/x")

    assert not is_allowed(call, [policy(scoped)])
    assert is_allowed(call, [policy(allow("cognito-idp:*", "*"))])
    assert not is_allowed(call, [policy(allow("cognito-idp:*", "*"), deny("cognito-idp:*", "x"))])


@pytest.mark.parametrize(
    "statement",
    [
        allow(Condition={"ForSomeValues:StringEquals": {"a": "b"}}),
        allow(Condition={"BinaryEquals": {"a": "b"}}),
        {**deny(), "NotPrincipal": {"AWS": ROLE}},
        allow(Condition={"StringEquals": {"aws:username": "b"}}),
    ],
    ids=["ForSomeValues", "BinaryEquals", "NotPrincipal", "unmodelled key"],
)
def test_what_it_does_not_model_raises(statement: dict[str, Any]) -> None:
    with pytest.raises(Unsupported):
        decide(get("a", **{"a": "b"}), [policy(statement)])


def test_a_session_policy_bounds_what_the_role_allows() -> None:
    """IAM user guide, "Session policies": the intersection of the role's and the session's."""
    role = [policy(allow("s3:*"))]
    polly_only = [policy(allow("polly:*", "*"))]

    assert is_allowed(get("a"), role)
    assert is_allowed(get("a"), role, session_policies=[policy(allow())])
    assert not is_allowed(get("a"), role, session_policies=polly_only)
    assert decide(get("a"), role, session_policies=[policy(deny())]) is Decision.EXPLICIT_DENY
    # A session policy grants nothing the role does not.
    assert not is_allowed(get("a"), [], session_policies=[policy(allow())])
