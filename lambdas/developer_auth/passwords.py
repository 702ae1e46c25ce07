"""Password hashes for the developer-auth user store: scrypt, a per-user salt, parameters kept.

The stored form is ``scrypt$<n>$<r>$<p>$<salt>$<hash>`` (salt and hash in URL-safe base64), so
the cost can be raised later: old hashes keep verifying with the parameters they carry, and
``needs_rehash`` tells when to replace one (docs/developer-identities.md). Standard library only:
the Lambda function and the operator tool (client/developer_users.py) share this module.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

# What a username and a password may be, for the sign-in function, the client and the operator
# tool alike (copies of facts/stack.py's, held equal by tests/lambdas/developer_auth).
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{2,63}$")
PASSWORD_MIN_CHARACTERS = 8
PASSWORD_MAX_BYTES = 256
USERNAME_RULE = "3-64 characters: letters, digits and . _ @ + - (not first)"
PASSWORD_RULE = (
    f"a string of at least {PASSWORD_MIN_CHARACTERS} characters and at most "
    f"{PASSWORD_MAX_BYTES} bytes in UTF-8"
)
SCHEME = "scrypt"
SALT_BYTES = 16
HASH_BYTES = 32


@dataclass(frozen=True)
class ScryptParameters:
    """Cost: memory is 128 * n * r bytes (32 MiB for the defaults)."""

    n: int = 2**15
    r: int = 8
    p: int = 1

    @property
    def max_memory(self) -> int:
        return 128 * self.n * self.r * self.p + 1024 * 1024


CURRENT = ScryptParameters()


def username_problem(username: str) -> str | None:
    """Why this is no username (None if it is one). A whole match: ``$`` alone lets a trailing
    newline through, and ``"alice\\n"`` would be another record than ``alice``."""
    return None if USERNAME.fullmatch(username) else USERNAME_RULE


def password_problem(password: str) -> str | None:
    """Why this is no password (None if it is one): text of at least PASSWORD_MIN_CHARACTERS
    characters and at most PASSWORD_MAX_BYTES bytes in UTF-8, which it is hashed as."""
    try:
        encoded = password.encode("utf-8")
    except UnicodeEncodeError:
        return f"{PASSWORD_RULE}; it holds a lone surrogate (U+D800-U+DFFF), which is no character"
    if len(password) < PASSWORD_MIN_CHARACTERS or len(encoded) > PASSWORD_MAX_BYTES:
        return PASSWORD_RULE
    return None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _derive(password: str, salt: bytes, params: ScryptParameters) -> bytes:
    # Strict UTF-8: a password that cannot be encoded raises (callers check password_problem).
    return hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=params.n,
        r=params.r,
        p=params.p,
        maxmem=params.max_memory,
        dklen=HASH_BYTES,
    )


def hash_password(password: str, params: ScryptParameters = CURRENT) -> str:
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _derive(password, salt, params)
    return f"{SCHEME}${params.n}${params.r}${params.p}${_b64(salt)}${_b64(digest)}"


def _parse(stored: str) -> tuple[ScryptParameters, bytes, bytes]:
    scheme, n, r, p, salt, digest = stored.split("$")
    if scheme != SCHEME:
        raise ValueError(f"unknown password hash scheme {scheme!r}")
    return ScryptParameters(int(n), int(r), int(p)), _unb64(salt), _unb64(digest)


def verify_password(password: str, stored: str) -> bool:
    """Constant-time comparison against the hash, with the parameters stored beside it."""
    params, salt, expected = _parse(stored)
    return hmac.compare_digest(_derive(password, salt, params), expected)


def needs_rehash(stored: str, params: ScryptParameters = CURRENT) -> bool:
    return _parse(stored)[0] != params
