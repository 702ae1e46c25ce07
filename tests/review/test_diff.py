"""The permission diff: what each identity gains or loses, and --fail-on-widen."""

from __future__ import annotations

import contextlib
import copy
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from review.__main__ import main
from review.diff import Diff, diff
from review.report import Review, StackReview
from tests.review.conftest import FIXTURES, fixture, review_of

BASE = FIXTURES / "base.template.json"
WIDENED = FIXTURES / "widened.template.json"


def changes(old: StackReview, new: StackReview) -> Diff:
    return diff(Review([old]), Review([new]))


def test_a_widened_action_and_a_loosened_trust_are_reported() -> None:
    result = changes(review_of(fixture("base")), review_of(fixture("widened")))
    assert result.widens
    [stack] = result.stacks
    widened = {c.what for c in stack.changes if c.widens}
    assert "+ Allow s3:PutObject on <Bucket.Arn>/shared/*" in widened
    [trust] = [w for w in widened if w.startswith("~ trust:")]
    assert "condition StringEquals cognito-identity.amazonaws.com:aud removed" in trust
    assert all(c.role == "EditorsRole" for c in stack.changes)
    assert stack.reached_by["EditorsRole"] == ["user pool UserPool (client Client) / group editors"]


def test_the_reverse_only_narrows() -> None:
    result = changes(review_of(fixture("widened")), review_of(fixture("base")))
    assert not result.widens
    assert {c.what for c in result.stacks[0].changes} == {
        "- Allow s3:PutObject on <Bucket.Arn>/shared/*",
        "~ trust: Allow Federated:cognito-identity.amazonaws.com "
        "sts:AssumeRoleWithWebIdentity: conditions no looser",
    }


def test_new_reachable_roles_and_guest_access_widen() -> None:
    result = changes(review_of(fixture("base")), review_of(fixture("risky")))
    widened = {(c.subject, c.what) for c in result.stacks[0].changes if c.widens}
    assert ("Pool", "guest access turned on") in widened
    assert ("Pool: guest (unauthenticated)", "now reaches role GuestRole") in widened
    assert (
        "Pool: accounts.google.com / rule hd Contains 'example.com'",
        "now reaches role fixture-editors",
    ) in widened


def test_a_widened_condition_value_and_a_removed_deny_widen() -> None:
    old, new = fixture("base"), fixture("base")
    trust = new["Resources"]["EditorsRole"]["Properties"]["AssumeRolePolicyDocument"]
    trust["Statement"][0]["Condition"]["ForAnyValue:StringLike"][
        "cognito-identity.amazonaws.com:amr"
    ] = [{"Fn::GetAtt": ["UserPool", "ProviderName"]}, "unauthenticated"]
    deny = {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}
    old["Resources"]["DefaultRole"]["Properties"]["Policies"][0]["PolicyDocument"][
        "Statement"
    ].append(deny)
    result = changes(review_of(old), review_of(new))
    widened = {c.what for c in result.stacks[0].changes if c.widens}
    assert any("amr widened to also accept ['unauthenticated']" in w for w in widened)
    assert "- Deny s3:DeleteObject on *" in widened


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [(BASE, WIDENED, 1), (BASE, BASE, 0), (WIDENED, BASE, 0)],
)
def test_fail_on_widen_exit_code(
    old: Path, new: Path, code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", str(old), str(new), "--fail-on-widen"]) == code
    output = capsys.readouterr().out
    assert ("Result: access WIDENS" if code else "Result: no access widened") in output
    # The fixtures keep every resource: the loss section, after the diff, finds nothing.
    assert output.rstrip().endswith("Result: nothing lost in a protected stage")


def test_without_the_flag_widening_still_exits_zero() -> None:
    assert main(["diff", str(BASE), str(WIDENED)]) == 0


# The reviewer's edits (tmp scripts mut.py, mut2.py, mut3.py): each one, applied to the base
# fixture (old, new), must make `diff --fail-on-widen` exit 1, and the narrowing must exit 0.
Body = dict[str, Any]
Edit = Callable[[Body], None]


def editors_statements(body: Body) -> list[Body]:
    role = body["Resources"]["EditorsRole"]["Properties"]
    statements: list[Body] = role["Policies"][0]["PolicyDocument"]["Statement"]
    return statements


def editors_trust(body: Body) -> Body:
    role = body["Resources"]["EditorsRole"]["Properties"]
    trust: Body = role["AssumeRolePolicyDocument"]["Statement"][0]
    return trust


USER_POOL_PROVIDER = {"Fn::GetAtt": ["UserPool", "ProviderName"]}


def set_amr(body: Body, value: Any) -> None:
    editors_trust(body)["Condition"]["ForAnyValue:StringLike"][
        "cognito-identity.amazonaws.com:amr"
    ] = value


def add_statement(statement: Body) -> Edit:
    return lambda body: editors_statements(body).append(copy.deepcopy(statement))


def set_on_last(key: str, value: Any) -> Edit:
    return lambda body: editors_statements(body)[-1].__setitem__(key, value)


def chain(*edits: Edit) -> Edit:
    def apply(body: Body) -> None:
        for edit in edits:
            edit(body)

    return apply


def no_edit(body: Body) -> None:
    pass


def first_to(key: str, old_key: str) -> Edit:
    def apply(body: Body) -> None:
        statement = editors_statements(body)[0]
        statement[key] = statement.pop(old_key)

    return apply


def first_condition(condition: Body) -> Edit:
    return lambda body: editors_statements(body)[0].__setitem__("Condition", condition)


def google_rules(body: Body) -> None:
    resources = body["Resources"]
    resources["Pool"]["Properties"]["SupportedLoginProviders"] = {"accounts.google.com": "cid"}
    resources["Attachment"]["Properties"]["RoleMappings"]["google"] = {
        "Type": "Rules",
        "AmbiguousRoleResolution": "Deny",
        "IdentityProvider": "accounts.google.com",
        "RulesConfiguration": {
            "Rules": [
                {
                    "Claim": "hd",
                    "MatchType": "Equals",
                    "Value": "corp.com",
                    "RoleARN": {"Fn::GetAtt": ["EditorsRole", "Arn"]},
                },
                {
                    "Claim": "email_verified",
                    "MatchType": "Equals",
                    "Value": "true",
                    "RoleARN": {"Fn::GetAtt": ["DefaultRole", "Arn"]},
                },
            ]
        },
    }


def reverse_rules(body: Body) -> None:
    body["Resources"]["Attachment"]["Properties"]["RoleMappings"]["google"]["RulesConfiguration"][
        "Rules"
    ].reverse()


def editors_property(key: str, value: Any) -> Edit:
    return lambda body: body["Resources"]["EditorsRole"]["Properties"].__setitem__(key, value)


def resource(name: str, value: Body) -> Edit:
    return lambda body: body["Resources"].__setitem__(name, value)


def token_check_off(body: Body) -> None:
    body["Resources"]["Pool"]["Properties"]["CognitoIdentityProviders"][0][
        "ServerSideTokenCheck"
    ] = False


def precedence(value: int) -> Edit:
    return lambda body: body["Resources"]["EditorsGroup"]["Properties"].__setitem__(
        "Precedence", value
    )


BUCKET_OBJECTS = {"Fn::Join": ["", [{"Fn::GetAtt": ["Bucket", "Arn"]}, "/*"]]}
ROLE_POLICY = {
    "Type": "AWS::IAM::RolePolicy",
    "Properties": {
        "RoleName": {"Ref": "EditorsRole"},
        "PolicyName": "extra",
        "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    },
}
WIDENING: dict[str, tuple[Edit, Edit]] = {
    # 1. NotAction / NotResource
    "NotAction list shrinks": (
        add_statement(
            {"Effect": "Allow", "NotAction": ["iam:*", "s3:DeleteObject"], "Resource": "*"}
        ),
        add_statement({"Effect": "Allow", "NotAction": ["s3:DeleteObject"], "Resource": "*"}),
    ),
    "new Allow NotAction iam:* on *": (
        no_edit,
        add_statement({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
    ),
    "Action becomes NotAction": (no_edit, first_to("NotAction", "Action")),
    "Resource becomes NotResource": (no_edit, first_to("NotResource", "Resource")),
    # 2. conditions
    "StringNotEquals loses a value": (
        first_condition({"StringNotEquals": {"aws:PrincipalTag/tier": ["free", "trial"]}}),
        first_condition({"StringNotEquals": {"aws:PrincipalTag/tier": ["free"]}}),
    ),
    "a Deny gains a condition": (
        add_statement({"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}),
        chain(
            add_statement({"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}),
            set_on_last("Condition", {"Bool": {"aws:SecureTransport": "false"}}),
        ),
    ),
    "a Deny narrows its action": (
        add_statement({"Effect": "Deny", "Action": "s3:*", "Resource": "*"}),
        add_statement({"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}),
    ),
    "trust aud StringEquals -> StringLike *": (
        no_edit,
        lambda body: editors_trust(body)["Condition"].update(
            {"StringLike": {"cognito-identity.amazonaws.com:aud": "*"}},
            StringEquals={},
        ),
    ),
    "trust aud StringEquals -> StringEqualsIfExists": (
        no_edit,
        lambda body: editors_trust(body)["Condition"].__setitem__(
            "StringEqualsIfExists", editors_trust(body)["Condition"].pop("StringEquals")
        ),
    ),
    "trust amr provider -> authenticated (every identity of the pool)": (
        no_edit,
        lambda body: set_amr(body, "authenticated"),
    ),
    "trust amr provider -> *": (no_edit, lambda body: set_amr(body, "*")),
    "trust amr authenticated -> unauthenticated": (
        lambda body: set_amr(body, "authenticated"),
        lambda body: set_amr(body, "unauthenticated"),
    ),
    # 3. who reaches which role
    "rules reordered": (google_rules, chain(google_rules, reverse_rules)),
    "group precedence 20 -> 1": (no_edit, precedence(1)),
    "server-side token check off": (no_edit, token_check_off),
    # 4. policy sources
    "RolePolicy grants * on *": (no_edit, resource("Extra", ROLE_POLICY)),
    "permissions boundary removed": (
        editors_property("PermissionsBoundary", "arn:aws:iam::123456789012:policy/boundary"),
        no_edit,
    ),
    "permissions boundary changed": (
        editors_property("PermissionsBoundary", "arn:aws:iam::123456789012:policy/boundary"),
        editors_property("PermissionsBoundary", "arn:aws:iam::123456789012:policy/other"),
    ),
    # 5. a new role nobody federates still brings new permissions
    "new Lambda execution role": (
        no_edit,
        resource(
            "FunctionRole",
            {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "lambda.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }
                        ]
                    },
                    "Policies": [
                        {
                            "PolicyName": "p",
                            "PolicyDocument": {
                                "Statement": [
                                    {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
                                ]
                            },
                        }
                    ],
                },
            },
        ),
    ),
}
NARROWING: dict[str, tuple[Edit, Edit]] = {
    "s3:* on Bucket/* -> s3:GetObject on Bucket/shared/*": (
        chain(
            lambda body: editors_statements(body)[0].update(Action="s3:*", Resource=BUCKET_OBJECTS),
        ),
        no_edit,
    ),
    "StringLike -> StringEquals, same value": (
        first_condition({"StringLike": {"s3:prefix": ["a*"]}}),
        first_condition({"StringEquals": {"s3:prefix": ["a*"]}}),
    ),
    "StringNotEquals gains a value": (
        first_condition({"StringNotEquals": {"aws:PrincipalTag/tier": ["free"]}}),
        first_condition({"StringNotEquals": {"aws:PrincipalTag/tier": ["free", "trial"]}}),
    ),
    "NotAction list grows": (
        add_statement({"Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"}),
        add_statement(
            {"Effect": "Allow", "NotAction": ["iam:*", "s3:DeleteObject"], "Resource": "*"}
        ),
    ),
    "a Deny widens its action": (
        add_statement({"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}),
        add_statement({"Effect": "Deny", "Action": "s3:*", "Resource": "*"}),
    ),
    "trust amr authenticated -> the user pool provider": (
        lambda body: set_amr(body, "authenticated"),
        no_edit,
    ),
    "trust amr authenticated -> two providers": (
        lambda body: set_amr(body, "authenticated"),
        lambda body: set_amr(body, [USER_POOL_PROVIDER, "accounts.google.com"]),
    ),
    "permissions boundary added": (
        no_edit,
        editors_property("PermissionsBoundary", "arn:aws:iam::123456789012:policy/boundary"),
    ),
}


def run_diff(tmp_path: Path, old_edit: Edit, new_edit: Edit) -> tuple[int, str]:
    paths = []
    for name, edit in (("old", old_edit), ("new", new_edit)):
        body = fixture("base")
        edit(body)
        path = tmp_path / f"{name}.template.json"
        path.write_text(json.dumps(body))
        paths.append(str(path))
    with contextlib.redirect_stdout(io.StringIO()) as out:
        code = main(["diff", *paths, "--fail-on-widen"])
    return code, out.getvalue()


@pytest.mark.parametrize("case", sorted(WIDENING))
def test_widening_edits_fail_the_check(case: str, tmp_path: Path) -> None:
    code, output = run_diff(tmp_path, *WIDENING[case])
    assert code == 1, output
    assert "WIDENS" in output


@pytest.mark.parametrize("case", sorted(NARROWING))
def test_narrowing_edits_pass_the_check(case: str, tmp_path: Path) -> None:
    code, output = run_diff(tmp_path, *NARROWING[case])
    assert code == 0, output
    assert "WIDENS" not in output


def test_an_allow_with_not_action_reads_as_every_other_action(tmp_path: Path) -> None:
    _, output = run_diff(
        tmp_path, no_edit, add_statement({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    )
    assert "WIDENS  + Allow NotAction [iam:*] on *" in output


def test_a_covered_grant_says_so(tmp_path: Path) -> None:
    old, new = NARROWING["s3:* on Bucket/* -> s3:GetObject on Bucket/shared/*"]
    _, output = run_diff(tmp_path, old, new)
    assert "narrows + Allow s3:GetObject on <Bucket.Arn>/shared/* (already allowed)" in output


def test_a_new_role_no_identity_pool_trusts_widens_like_its_grants(tmp_path: Path) -> None:
    _, output = run_diff(tmp_path, *WIDENING["new Lambda execution role"])
    assert "WIDENS  new role (no identity pool trusts it" in output
    assert "WIDENS  + Allow s3:* on *" in output
    assert "narrows" not in output


def test_pinning_amr_to_providers_narrows_and_unpinning_it_widens(tmp_path: Path) -> None:
    """Issue 11's fix reads as narrowing (a provider in amr means a signed-in identity), and
    its reverse as widening: every identity of the pool reaches the role again."""
    pin = NARROWING["trust amr authenticated -> the user pool provider"]
    code, output = run_diff(tmp_path, *pin)
    assert code == 0, output
    assert "narrows ~ trust: Allow Federated:cognito-identity.amazonaws.com" in output
    assert "sts:AssumeRoleWithWebIdentity: conditions no looser" in output
    code, output = run_diff(tmp_path, pin[1], pin[0])
    assert code == 1
    assert "amr widened to also accept ['authenticated']" in output
