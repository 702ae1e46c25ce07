"""The stored password hash: scrypt, per-user salt, parameters carried for later upgrades."""

from __future__ import annotations

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


def test_unknown_scheme_is_refused() -> None:
    try:
        passwords.verify_password("x", "md5$1$2$3$salt$hash")
    except ValueError as error:
        assert "scheme" in str(error)
    else:
        raise AssertionError("an unknown scheme verified")
