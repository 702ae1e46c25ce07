"""Every row of `make offline`'s scenario table, against the package's target: the role the
identity pool chose (from STS GetCallerIdentity) or the exact refusal, and S3's answers for
that role. The table runs once per target; each test reads its rows."""

from __future__ import annotations

import pytest

from offline.scenarios import SCENARIOS, Row, Scenario, run_scenario
from offline.target import Target

SIGNED_IN_FLOWS = ("enhanced", "enhanced + TOTP")


@pytest.fixture(scope="module")
def rows(target: Target) -> dict[Scenario, Row]:
    return {scenario: run_scenario(scenario, target) for scenario in SCENARIOS}


def row_of(rows: dict[Scenario, Row], user: str, flows: tuple[str, ...]) -> Row:
    return next(
        row for scenario, row in rows.items() if scenario.user == user and scenario.flow in flows
    )


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[f"{s.user} {s.flow}" for s in SCENARIOS])
def test_scenario(scenario: Scenario, rows: dict[Scenario, Row], target: Target) -> None:
    row = rows[scenario]
    if row.not_run:
        pytest.skip(row.not_run)

    assert row.got == scenario.expectation(target.outputs)
    assert row.deviations == []


def test_viewer_reads_but_cannot_write_the_shared_prefix(rows: dict[Scenario, Row]) -> None:
    row = row_of(rows, "viewer@example.com", ("enhanced",))

    assert row.s3["read shared/"] == "allowed"
    assert row.s3["write shared/"] == "denied"


@pytest.mark.parametrize(
    "user",
    ["admin@example.com", "editor@example.com", "viewer@example.com", "no-group@example.com"],
)
def test_nobody_reads_another_identitys_private_prefix(
    user: str, rows: dict[Scenario, Row]
) -> None:
    row = row_of(rows, user, SIGNED_IN_FLOWS)

    assert row.s3["read another's private/"] == "denied"
    assert row.s3["write own private/"] == "allowed"


@pytest.mark.parametrize("user", ["editor@example.com", "viewer@example.com", "dev.user"])
def test_a_tenant_reads_its_own_folder_and_no_other_tenants(
    user: str, rows: dict[Scenario, Row]
) -> None:
    """The tenant tag reaches IAM as a session tag (S3 shows it): acme's folder, not globex's."""
    row = row_of(rows, user, (*SIGNED_IN_FLOWS, "developer"))

    assert row.s3["read tenants/acme/"] == "allowed"
    assert row.s3["read tenants/globex/"] == "denied"


def test_no_tag_no_tenant_folder(rows: dict[Scenario, Row]) -> None:
    """A user without custom:tenant carries no tag: the tenant statement never applies."""
    row = row_of(rows, "editor-viewer@example.com", ("enhanced",))

    assert row.got == "editors"
    assert row.s3["read tenants/acme/"] == "denied"
