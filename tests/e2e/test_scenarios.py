"""Every row of `make offline`'s scenario table, against the package's offline stack: the role
the identity pool chose or the exact refusal, and the S3 answers for that role."""

from __future__ import annotations

import pytest

from offline.scenarios import SCENARIOS, Scenario, run_scenario
from offline.seed import Seeded
from offline.stack import OfflineStack


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[f"{s.user} {s.flow}" for s in SCENARIOS])
def test_scenario(scenario: Scenario, seeded: Seeded, offline: OfflineStack) -> None:
    row = run_scenario(scenario, seeded, offline)

    assert row.got == scenario.expectation(seeded.outputs)
    assert row.deviations == []


def test_no_scenario_rests_on_undocumented_token_mapping(
    seeded: Seeded, offline: OfflineStack
) -> None:
    """What token mapping does with a token without cognito:roles is undocumented; with the
    hook naming the default role for users in no group, no sign-in takes that branch."""
    offline.identity.unverified.clear()

    for scenario in SCENARIOS:
        run_scenario(scenario, seeded, offline)

    assert offline.identity.unverified == []


def test_viewer_reads_but_cannot_write_the_shared_prefix(
    seeded: Seeded, offline: OfflineStack
) -> None:
    viewer = next(s for s in SCENARIOS if s.user == "viewer@example.com" and s.flow == "enhanced")

    row = run_scenario(viewer, seeded, offline)

    assert row.s3["read shared/"] == "allowed"
    assert row.s3["write shared/"] == "denied"


SIGNED_IN_FLOWS = ("enhanced", "enhanced + TOTP")


@pytest.mark.parametrize(
    "user",
    ["admin@example.com", "editor@example.com", "viewer@example.com", "no-group@example.com"],
)
def test_nobody_reads_another_identitys_private_prefix(
    user: str, seeded: Seeded, offline: OfflineStack
) -> None:
    scenario = next(s for s in SCENARIOS if s.user == user and s.flow in SIGNED_IN_FLOWS)

    row = run_scenario(scenario, seeded, offline)

    assert row.s3["read another's private/"] == "denied"
