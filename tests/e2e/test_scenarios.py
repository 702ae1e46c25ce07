"""Every row of `make offline`'s scenario table, against the package's target: the role the
identity pool chose (from STS GetCallerIdentity) or the exact refusal, and S3's answers for
that role. The table follows the target's groups; it runs once per target, each test reads
its rows."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from offline.scenarios import (
    ALLOWED,
    DEFAULT,
    DENIED,
    S3_BY_PRESET,
    Row,
    Scenario,
    run_scenario,
    table,
)
from offline.seed import DEVELOPER_TENANT, DEVELOPER_USER, OTHER_TENANT, cast
from offline.target import Capability, Missing, Target
from tests.e2e.conftest import collected_groups, needs

# Known when tests are collected (their ids): the groups the target will have.
GROUPS = collected_groups()
SCENARIOS = table(GROUPS)
CAST = cast(GROUPS)


@dataclass(frozen=True)
class TableRun:
    rows: dict[tuple[str, str], Row]
    undocumented: list[str] | None  # branches taken during the run; None: the target cannot tell


@pytest.fixture(scope="module")
def table_run(target: Target) -> TableRun:
    before = _undocumented(target)
    rows = {s.key: run_scenario(s, target) for s in table(target.outputs.groups)}
    after = _undocumented(target)
    undocumented = None if before is None or after is None else after[len(before) :]
    return TableRun(rows, undocumented)


def _undocumented(target: Target) -> list[str] | None:
    try:
        return target.undocumented_branches()
    except Missing:
        return None


@pytest.fixture(scope="module")
def rows(table_run: TableRun) -> dict[tuple[str, str], Row]:
    return table_run.rows


def row_of(rows: dict[tuple[str, str], Row], user: str, flow: str = "enhanced") -> Row:
    assert (user, flow) in rows, f"the target's groups differ from the collected ones: {user}"
    return rows[user, flow]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[f"{s.user} {s.flow}" for s in SCENARIOS])
def test_scenario(scenario: Scenario, rows: dict[tuple[str, str], Row], target: Target) -> None:
    row = row_of(rows, *scenario.key)
    if row.not_run:
        # A remote target without this row's capability (moving the clock, bypassing the hook)
        # reports it as not run, never as passed; the in-process target `make test` uses has
        # every capability (tests/offline/test_target.py), so this never fires there.
        pytest.skip(row.not_run)

    assert row.got == scenario.expectation(target.outputs)
    assert row.deviations == []


def test_no_scenario_rests_on_undocumented_token_mapping(
    table_run: TableRun, target: Target
) -> None:
    """What token mapping does with a token without cognito:roles is undocumented; with the
    hook naming the default role for users in no group, no sign-in of the table (the hook
    bypassed where a row says so) takes that branch. Only the emulator records it."""
    needs(target, Capability.RECORDS)
    assert table_run.undocumented == []


def test_every_groups_user_gets_its_groups_role(rows: dict[tuple[str, str], Row]) -> None:
    """One demo user per configured group, in precedence order, each with its group's role."""
    users = [user for user in CAST.by_group]
    assert [user.groups[0] for user in users] == [
        group.name for group in sorted(GROUPS, key=lambda g: g.precedence)
    ]
    assert [row_of(rows, user.username).got for user in users] == [u.groups[0] for u in users]


def test_a_reader_reads_but_cannot_write_the_shared_prefix(
    rows: dict[tuple[str, str], Row],
) -> None:
    """Every user of a group whose preset may not write shared/ (none when no group has one)."""
    readers = [u.username for u in CAST.by_group if S3_BY_PRESET[str(u.preset)][1] == DENIED]
    for user in readers:
        row = row_of(rows, user)

        assert row.s3["read shared/"] == ALLOWED, user
        assert row.s3["write shared/"] == DENIED, user


@pytest.mark.parametrize("user", [*(u.username for u in CAST.by_group), CAST.no_group.username])
def test_nobody_reads_another_identitys_private_prefix(
    user: str, rows: dict[tuple[str, str], Row]
) -> None:
    row = row_of(rows, user)

    assert row.s3["read another's private/"] == "denied"
    assert row.s3["write own private/"] == "allowed"


@pytest.mark.parametrize(
    "user",
    [u.username for u in CAST.by_group if u.preset != "admin"] + [DEVELOPER_USER],
)
def test_a_tenant_reads_its_own_folder_and_no_other_tenants(
    user: str, rows: dict[tuple[str, str], Row], target: Target
) -> None:
    """The tenant tag reaches IAM as a session tag (S3 shows it): acme's folder, not globex's.
    A stack whose user pool maps no tenant tag (its PrincipalTags output) opens no tenant
    folder to its users; the developer identity keeps the tag sign-in gives it."""
    row = row_of(rows, user, "developer" if user == DEVELOPER_USER else "enhanced")
    tagged = row.scenario.session_tag(target.outputs) == DEVELOPER_TENANT

    assert row.s3[f"read tenants/{DEVELOPER_TENANT}/"] == (ALLOWED if tagged else DENIED)
    assert row.s3[f"read tenants/{OTHER_TENANT}/"] == "denied"


def test_no_tag_no_tenant_folder(rows: dict[tuple[str, str], Row]) -> None:
    """A user without custom:tenant carries no tag: the tenant statement never applies."""
    row = row_of(rows, CAST.no_group.username)

    assert row.got == DEFAULT
    assert row.s3[f"read tenants/{DEVELOPER_TENANT}/"] == "denied"
