"""What only the emulator can show (how many hook events an issuance made) or do (sign a token
as Cognito Identity for another pool). No client of a real stack can, so on a remote target
these are reported not run (docs/e2e.md, capabilities)."""

from __future__ import annotations

import time

from joserfc import jwt

from client import sign_in
from offline.identity import DEVELOPER_ISSUER
from offline.seed import Seeded
from offline.target import Capability, LocalTarget, Target
from tests.e2e.conftest import needs
from tests.e2e.test_sts import refused


def _inside(target: Target) -> LocalTarget:
    needs(target, Capability.RECORDS)
    assert isinstance(target, LocalTarget)
    return target


def test_a_refresh_is_one_hook_event(target: Target, seeded: Seeded) -> None:
    """One V2_0 event per issuance: its one answer covers the ID and the access token."""
    stack = _inside(target).stack
    tokens = seeded.sign_in(seeded.cast.by_group[-1].username)
    before = len(stack.tokens.trigger_sources)

    sign_in.refresh(seeded.outputs, tokens)

    assert stack.tokens.trigger_sources[before:] == ["TokenGeneration_RefreshTokens"]


def test_a_token_for_another_identity_pool_is_refused(target: Target, seeded: Seeded) -> None:
    """As Cognito would sign it for another identity pool that trusts the same user pool (only
    the emulator's own signing key can make one)."""
    key = _inside(target).stack.identity.signing_key
    now = int(time.time())
    claims = {
        "iss": DEVELOPER_ISSUER,
        "sub": f"{seeded.outputs.region}:00000000-0000-0000-0000-000000000000",
        "aud": f"{seeded.outputs.region}:another-pool",
        "amr": ["authenticated", seeded.outputs.user_pool_provider_name],
        "iat": now,
        "exp": now + 600,
    }
    foreign = jwt.encode({"alg": "RS256", "kid": "offline"}, claims, key)

    for group in seeded.outputs.groups:
        error = refused(seeded, group.role_arn, foreign)
        assert error.response["Error"]["Code"] == "AccessDenied", group.name
