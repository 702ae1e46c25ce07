"""The server side of Cognito's SRP sign-in, which moto skips (it accepts any signature).

Cognito developer guide, "Authentication flows": ``USER_SRP_AUTH`` (Secure Remote Password,
RFC 5054 / SRP-6a over the 3072-bit group, SHA-256). The client sends ``SRP_A``; Cognito answers
``PASSWORD_VERIFIER`` with ``SALT``, ``SRP_B`` and a ``SECRET_BLOCK``; the client proves it knows
the password with ``PASSWORD_CLAIM_SIGNATURE``, an HMAC over pool name, user id, secret block and
timestamp keyed by the shared session key. The group constants and hash helpers are pycognito's,
the same ones the client signs with, so both sides use one definition.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass

from pycognito.aws_srp import (
    G_HEX,
    N_HEX,
    calculate_u,
    compute_hkdf,
    hash_sha256,
    hex_hash,
    hex_to_long,
    long_to_hex,
    pad_hex,
)

MAX_PENDING = 10_000
SMALL_B_BITS = 256
_N = hex_to_long(N_HEX)
_G = hex_to_long(G_HEX)
# SRP-6a's multiplier k = H(N | g), padded as Cognito pads it.
_K = hex_to_long(hex_hash("00" + N_HEX + "0" + G_HEX))


@dataclass(frozen=True)
class Challenge:
    """One pending sign-in: what the server chose and what it needs to check the proof."""

    pool_id: str
    user_id_for_srp: str
    verifier: int
    salt_hex: str
    small_b: int
    big_a: int
    big_b: int
    secret_block: str


class SrpVerifier:
    """Issues challenges and checks the proofs; each challenge can be answered once."""

    def __init__(self) -> None:
        self._pending: dict[str, Challenge] = {}
        self._lock = threading.Lock()

    def challenge(self, pool_id: str, user_id_for_srp: str, password: str, srp_a: str) -> Challenge:
        big_a = hex_to_long(srp_a)
        if big_a % _N == 0:
            # RFC 5054 section 2.5.4: the server aborts when A % N is zero.
            raise ValueError("SRP_A is not valid")
        salt_hex = secrets.token_hex(16)
        # RFC 5054 section 2.6: b is random and at least 256 bits; more only costs time.
        small_b = secrets.randbits(SMALL_B_BITS)
        verifier = pow(_G, _x(pool_id, user_id_for_srp, password, salt_hex), _N)
        big_b = (_K * verifier + pow(_G, small_b, _N)) % _N
        challenge = Challenge(
            pool_id=pool_id,
            user_id_for_srp=user_id_for_srp,
            verifier=verifier,
            salt_hex=salt_hex,
            small_b=small_b,
            big_a=big_a,
            big_b=big_b,
            secret_block=base64.standard_b64encode(secrets.token_bytes(64)).decode(),
        )
        with self._lock:
            self._pending[challenge.secret_block] = challenge
            while len(self._pending) > MAX_PENDING:  # unanswered challenges: oldest go first
                self._pending.pop(next(iter(self._pending)))
        return challenge

    def verify(self, secret_block: str, timestamp: str, signature: str) -> bool:
        with self._lock:
            challenge = self._pending.pop(secret_block, None)
        if challenge is None:
            return False
        u = calculate_u(challenge.big_a, challenge.big_b)
        shared = pow(challenge.big_a * pow(challenge.verifier, u, _N), challenge.small_b, _N)
        key = compute_hkdf(
            bytearray.fromhex(pad_hex(shared)), bytearray.fromhex(pad_hex(long_to_hex(u)))
        )
        message = (
            challenge.pool_id.split("_", 1)[1].encode()
            + challenge.user_id_for_srp.encode()
            + base64.standard_b64decode(secret_block)
            + timestamp.encode()
        )
        expected = base64.standard_b64encode(
            hmac.new(key, message, digestmod=hashlib.sha256).digest()
        ).decode()
        return hmac.compare_digest(expected, signature)


def _x(pool_id: str, user_id_for_srp: str, password: str, salt_hex: str) -> int:
    """x = H(salt | H(poolName | userId | ":" | password)), as Cognito derives it."""
    identity = f"{pool_id.split('_', 1)[1]}{user_id_for_srp}:{password}"
    return int(hex_to_long(hex_hash(pad_hex(salt_hex) + hash_sha256(identity.encode()))))
