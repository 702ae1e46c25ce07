"""The one IAM policy evaluator (facts/iam.py), judged directly: the rules the IAM user guide
states, each as a case a wrong evaluator would get wrong. The evaluator knows no config: the
bucket, role and identity here are made up, and no demo name is needed."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facts.iam import Decision, Request, Unsupported, decide, is_allowed

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


def test_a_tag_cannot_smuggle_a_wildcard_but_the_escapes_are_literal() -> None:
    tenant = policy(allow(resource=f"{BUCKET}/tenants/${{aws:PrincipalTag/tenant}}/*"))
    star = policy(allow(resource=f"{BUCKET}/${{*}}/a"))

    # A tag value "*" would be a wildcard if pasted into the pattern before matching.
    assert is_allowed(get("tenants/*/a", **{"aws:PrincipalTag/tenant": "*"}), [tenant])
    assert is_allowed(get("*/a"), [star])


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
    statement = allow(Condition={operator: {"test:key": "a"}})

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
    assert not is_allowed(get("a"), [], [policy(allow(Principal={"AWS": "arn:aws:iam::1:root"}))])
    over_tls = get("a", **{"aws:SecureTransport": "true"})
    assert is_allowed(over_tls, [policy(allow())], [tls_only])
    plain = get("a", **{"aws:SecureTransport": "false"})
    assert decide(plain, [policy(allow())], [tls_only]) is Decision.EXPLICIT_DENY


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
        allow(Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
        allow(Condition={"ForSomeValues:StringEquals": {"a": "b"}}),
        allow(Condition={"BinaryEquals": {"a": "b"}}),
        {**deny(), "NotPrincipal": {"AWS": ROLE}},
    ],
    ids=["IpAddress", "ForSomeValues", "BinaryEquals", "NotPrincipal"],
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
