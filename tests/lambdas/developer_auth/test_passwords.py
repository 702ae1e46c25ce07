"""The stored password hash: scrypt, per-user salt, parameters carried for later upgrades."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from facts.stack import USERNAME_PATTERN
from lambdas.developer_auth import passwords
from lambdas.developer_auth.passwords import ScryptParameters

CHEAP = ScryptParameters(n=2**10, r=8, p=1)


def test_the_username_rule_is_a_copy_of_the_facts() -> None:
    # The function cannot import facts (its folder is its own asset): this holds its copy equal.
    assert passwords.USERNAME.pattern == USERNAME_PATTERN


def test_round_trip_and_wrong_password() -> None:
    stored = passwords.hash_password("s3cret-passphrase")
    assert passwords.verify_password("s3cret-passphrase", stored)
    assert not passwords.verify_password("s3cret-passphrasf", stored)


def test_each_hash_has_its_own_salt() -> None:
    assert passwords.hash_password("same", CHEAP) != passwords.hash_password("same", CHEAP)


def test_parameters_are_stored_so_they_can_be_raised() -> None:
    old = passwords.hash_password("pw-for-upgrade", CHEAP)
    assert old.startswith("scrypt$1024$8$1$")
    assert passwords.verify_password("pw-for-upgrade", old)  # old hashes keep working
    assert passwords.needs_rehash(old)
    assert not passwords.needs_rehash(passwords.hash_password("pw-for-upgrade"))


def test_memory_hard_defaults() -> None:
    assert passwords.CURRENT.n * passwords.CURRENT.r * 128 >= 32 * 1024 * 1024


def test_the_operations_guide_states_the_current_cost_and_sizes() -> None:
    # Operators raise the cost from what docs/operations.md says the code does today.
    guide = Path(__file__).resolve().parents[3] / "docs" / "operations.md"
    text = " ".join(guide.read_text().split())
    found = re.search(r"`CURRENT` \(n = 2\^(\d+), r = (\d+), p = (\d+): (\d+) MiB", text)
    assert found, "docs/operations.md no longer states CURRENT"
    n, r, p, mebibytes = (int(group) for group in found.groups())
    assert ScryptParameters(n=2**n, r=r, p=p) == passwords.CURRENT
    assert 128 * passwords.CURRENT.n * passwords.CURRENT.r == mebibytes * 2**20
    sizes = re.search(r"a (\d+)-byte per-user salt and the (\d+)-byte derived key", text)
    assert sizes, "docs/operations.md no longer states the salt and key sizes"
    assert tuple(map(int, sizes.groups())) == (passwords.SALT_BYTES, passwords.HASH_BYTES)


def test_unknown_scheme_is_refused() -> None:
    try:
        passwords.verify_password("x", "md5$1$2$3$salt$hash")
    except ValueError as error:
        assert "scheme" in str(error)
    else:
        raise AssertionError("an unknown scheme verified")


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("a" * 7, False),
        ("a" * 8, True),  # the fewest characters
        ("\U0001f600" * 7, False),  # 28 bytes, but 7 characters
        ("\U0001f600" * 8, True),
        ("a" * 256, True),  # the most bytes
        ("a" * 257, False),
        ("\u00e9" * 128, True),  # 256 bytes in 128 characters
        ("\u00e9" * 128 + "a", False),  # 257 bytes
        ("\U0001f600" * 64, True),
        ("\U0001f600" * 63 + "abcd", True),
        ("\U0001f600" * 63 + "abcde", False),
        ("pass\x00word\u202e", True),  # any character, controls included
        ("ab\ud800cdefgh", False),  # a lone surrogate is no character: UTF-8 cannot carry it
        ("abcdefg\udfff", False),
    ],
)
def test_the_password_rule_counts_characters_up_and_utf8_bytes_down(
    password: str, accepted: bool
) -> None:
    assert (passwords.password_problem(password) is None) is accepted


def test_a_password_that_is_no_text_is_refused_before_hashing() -> None:
    problem = passwords.password_problem("ab\ud800cdefgh")
    assert problem is not None and "lone surrogate" in problem
    with pytest.raises(UnicodeEncodeError):  # what used to crash sign-in
        passwords.hash_password("ab\ud800cdefgh", CHEAP)


@pytest.mark.parametrize(
    ("username", "accepted"),
    [
        ("abc", True),
        ("ab", False),
        ("a" * 64, True),
        ("a" * 65, False),
        ("alice\n", False),  # "$" alone would let a trailing newline through
        (".alice", False),
        ("alice@example.com", True),
        ("al ice", False),
        ("\u0430lice", False),  # a Cyrillic a
    ],
)
def test_the_username_rule_is_a_whole_match(username: str, accepted: bool) -> None:
    assert (passwords.username_problem(username) is None) is accepted


def test_the_stored_salt_and_digest_have_their_lengths() -> None:
    stored = passwords.hash_password("s3cret-passphrase", CHEAP)
    scheme, n, r, p, salt, digest = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", "1024", "8", "1")
    assert len(passwords._unb64(salt)) == passwords.SALT_BYTES == 16
    assert len(passwords._unb64(digest)) == passwords.HASH_BYTES == 32
    # Unpadded base64: 22 and 43 characters.
    assert (len(salt), len(digest)) == (22, 43)


def test_a_digest_cut_or_lengthened_never_verifies() -> None:
    stored = passwords.hash_password("s3cret-passphrase", CHEAP)
    head, digest = stored.rsplit("$", 1)
    raw = passwords._unb64(digest)
    for changed in (raw[:-1], raw + b"\0", raw[:-1] + bytes([raw[-1] ^ 1])):
        assert not passwords.verify_password(
            "s3cret-passphrase", f"{head}${passwords._b64(changed)}"
        )


@pytest.mark.parametrize(
    "stored",
    [
        "scrypt$1024$8$1$salt",
        "scrypt$x$8$1$c2FsdA$aGFzaA",
        "",
        "scrypt$1024$8$1$c2FsdA$aGFzaA$extra",
    ],
)
def test_an_unreadable_stored_hash_raises_value_error(stored: str) -> None:
    with pytest.raises(ValueError):
        passwords.verify_password("s3cret-passphrase", stored)


@pytest.mark.parametrize("salt_bytes", range(1, 9))
def test_a_stored_hash_verifies_whatever_the_length_of_its_salt(salt_bytes: int) -> None:
    # The stored form carries its salt (unpadded base64 of any length), not the salt's size: a
    # hash written with another salt size keeps verifying.
    salt = bytes(range(salt_bytes))
    digest = passwords._derive("s3cret-passphrase", salt, CHEAP)
    stored = f"scrypt$1024$8$1${passwords._b64(salt)}${passwords._b64(digest)}"
    assert passwords.verify_password("s3cret-passphrase", stored)
    assert not passwords.verify_password("s3cret-passphrasf", stored)
