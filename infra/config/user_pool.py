"""The user pool's settings and attributes: which attributes exist, and which the native app
client (``infra/user_pool.py``) may read and write."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from facts.cognito import STANDARD_ATTRIBUTES
from facts.stack import IDP_GROUPS_ATTRIBUTE, TENANT_ATTRIBUTE
from infra.config.parsing import ConfigError, expect


class FeaturePlan(StrEnum):
    """The user pool's Cognito feature plan; it decides which features the pool may use."""

    LITE = "LITE"
    ESSENTIALS = "ESSENTIALS"
    PLUS = "PLUS"


class MfaMode(StrEnum):
    """TOTP multi-factor authentication: offered to every user, or demanded of every user."""

    OPTIONAL = "OPTIONAL"
    REQUIRED = "REQUIRED"


KNOWN_ATTRIBUTES = STANDARD_ATTRIBUTES | {TENANT_ATTRIBUTE, IDP_GROUPS_ATTRIBUTE}

# Attributes the native app client may read and write. Its tokens carry
# aws.cognito.signin.user.admin, so whatever it may write, its user may write
# (UpdateUserAttributes). Nothing a role or claim decision reads is on the write list: e-mail (a
# claim source) changes through an administrator. The config phase refuses any claim, tag or
# IdP mapping that reads a writable attribute (infra/config/app_config.py).
READABLE = ("email", "email_verified", "given_name", "family_name")
READABLE_CUSTOM = (TENANT_ATTRIBUTE,)
WRITABLE = ("given_name", "family_name")


def attribute(value: Any, key: str) -> str:
    name = str(expect(value, str, key, f'"{TENANT_ATTRIBUTE}"'))
    if name not in KNOWN_ATTRIBUTES:
        hint = (
            "Custom attributes need the custom: prefix"
            if f"custom:{name}" in KNOWN_ATTRIBUTES
            else f"Use a standard attribute or one the pool defines ({TENANT_ATTRIBUTE}, "
            f"{IDP_GROUPS_ATTRIBUTE})"
        )
        raise ConfigError(key, f"{name!r} is not an attribute of this user pool", hint)
    return name
