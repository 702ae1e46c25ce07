"""A forker's first changes at once (tests/support/configs.py: renamed groups and a fourth,
another app name, Lite with a V1_0 hook, MFA required, guests and self sign-up on, a resource
of their own in the stack): the scenario table runs on it offline, every row as expected."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from offline import scenarios
from offline.scenarios import GUEST, Row
from offline.target import LocalTarget
from offline.template import Template
from tests.support.offline import serving
from tests.support.session_synth import FORKERS_RESOURCE
from tests.support.template import Synth


@pytest.fixture(scope="module")
def target(synth: Synth, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalTarget]:
    with serving(Template.load(synth.forked.path), tmp_path_factory.mktemp("forked")) as stack:
        yield LocalTarget(stack)


@pytest.fixture(scope="module")
def rows(target: LocalTarget) -> list[Row]:
    return scenarios.run(target, io.StringIO())


def test_the_scenario_table_runs_on_a_forked_config(rows: list[Row], synth: Synth) -> None:
    assert [(row.scenario.user, row.deviations) for row in rows if row.deviations] == []
    assert not [row for row in rows if row.not_run]
    groups = [group.name for group in synth.forked.config.groups]
    signed_in = {row.got for row in rows}
    assert set(groups) <= signed_in  # every group's user got its group's role
    assert GUEST in signed_in  # guests on


def test_with_mfa_required_every_demo_user_is_enrolled(target: LocalTarget) -> None:
    seeded = target.seeded

    assert set(seeded.totp_secrets) == {user.username for user in seeded.cast.users}


def test_the_forkers_own_resource_is_created_by_moto(target: LocalTarget) -> None:
    deployment = target.stack.deployment

    assert any(lid.startswith(FORKERS_RESOURCE) for lid in deployment.by_moto)
    assert any(line.startswith("AWS::KMS::Key x") for line in deployment.describe())
