"""The permission diff: what each identity gains or loses, and --fail-on-widen."""

from __future__ import annotations

from pathlib import Path

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
        "sts:AssumeRoleWithWebIdentity: conditions tightened",
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
    ] = ["authenticated", "unauthenticated"]
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
    assert output.rstrip().endswith("access WIDENS" if code else "no access widened")


def test_without_the_flag_widening_still_exits_zero() -> None:
    assert main(["diff", str(BASE), str(WIDENED)]) == 0
