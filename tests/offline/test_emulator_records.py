"""Offline only: what the emulator records or holds that no client of a real stack can see
(which undocumented branch token mapping took, how many hook events an issuance made) or do
(sign a token as Cognito Identity for another pool). tests/e2e judges what clients observe and
runs against real stacks too; these cannot, so they live here."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextlib import nullcontext

import pytest
from joserfc import jwt

from client import sign_in
from client.errors import ClientProblem
from offline.identity import DEVELOPER_ISSUER
from offline.scenarios import table
from offline.target import LocalTarget
from offline.template import Template
from tests.e2e.test_sts import refused
from tests.support.offline import serving
from tests.support.template import Synth


@pytest.fixture(scope="module")
def target(synth: Synth, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalTarget]:
    template = Template.load(synth.demo.path)
    with serving(template, tmp_path_factory.mktemp("offline-records")) as stack:
        yield LocalTarget(stack)


def test_no_scenario_rests_on_undocumented_token_mapping(target: LocalTarget) -> None:
    """What token mapping does with a token without cognito:roles is undocumented; with the
    hook naming the default role for users in no group, no sign-in takes that branch."""
    target.stack.identity.unverified.clear()

    for scenario in table(
        target.outputs.groups
    ):  # each sign-in, up to its credentials (no S3 checks needed)
        bypass = target.hook_bypassed(scenario.user) if scenario.without_hook else nullcontext()
        with bypass, contextlib.suppress(ClientProblem):
            scenario.start(target.seeded)

    assert target.stack.identity.unverified == []


def test_a_refresh_is_one_hook_event(target: LocalTarget) -> None:
    """One V2_0 event per issuance: its one answer covers the ID and the access token."""
    seeded = target.seeded
    tokens = seeded.sign_in(seeded.cast.by_group[-1].username)
    before = len(target.stack.tokens.trigger_sources)

    sign_in.refresh(seeded.outputs, tokens)

    assert target.stack.tokens.trigger_sources[before:] == ["TokenGeneration_RefreshTokens"]


def test_a_token_for_another_identity_pool_is_refused(target: LocalTarget) -> None:
    """As Cognito would sign it for another identity pool that trusts the same user pool (only
    the emulator's own signing key can make one)."""
    seeded = target.seeded
    now = int(time.time())
    claims = {
        "iss": DEVELOPER_ISSUER,
        "sub": f"{seeded.outputs.region}:00000000-0000-0000-0000-000000000000",
        "aud": f"{seeded.outputs.region}:another-pool",
        "amr": ["authenticated", seeded.outputs.user_pool_provider_name],
        "iat": now,
        "exp": now + 600,
    }
    key = target.stack.identity.signing_key
    foreign = jwt.encode({"alg": "RS256", "kid": "offline"}, claims, key)

    for group in seeded.outputs.groups:
        error = refused(seeded, group.role_arn, foreign)
        assert error.response["Error"]["Code"] == "AccessDenied", group.name
