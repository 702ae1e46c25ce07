"""Cognito's own group claims: every group's role, and the preferred role unless tied."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from offline.tokens import group_role_claims


def user(*groups: tuple[str, int | None, str | None]) -> Any:
    return SimpleNamespace(
        groups=[SimpleNamespace(group_name=n, precedence=p, role_arn=r) for n, p, r in groups]
    )


def test_the_lowest_precedence_is_preferred() -> None:
    claims = group_role_claims(user(("viewers", 30, "arn:v"), ("editors", 20, "arn:e")))

    assert claims.groups == ["editors", "viewers"]
    assert claims.roles == ["arn:e", "arn:v"]
    assert claims.preferred_role == "arn:e"


def test_a_tie_has_no_preferred_role() -> None:
    claims = group_role_claims(user(("a", 20, "arn:a"), ("b", 20, "arn:b"), ("c", 30, "arn:c")))

    assert claims.preferred_role is None
    assert claims.roles == ["arn:a", "arn:b", "arn:c"]


def test_no_group_no_roles() -> None:
    claims = group_role_claims(user())

    assert (claims.groups, claims.roles, claims.preferred_role) == ([], [], None)


def test_tied_groups_with_the_same_role_prefer_it() -> None:
    claims = group_role_claims(user(("a", 20, "arn:same"), ("b", 20, "arn:same")))

    assert claims.preferred_role == "arn:same"


def test_the_best_group_with_a_role_is_preferred() -> None:
    claims = group_role_claims(
        user(("top", 1, None), ("next", 5, "arn:next"), ("any", None, "arn:x"))
    )

    assert claims.preferred_role == "arn:next"
    assert claims.roles == ["arn:next", "arn:x"]
