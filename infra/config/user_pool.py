"""The user pool's settings and the attributes it defines."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

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


# Custom attributes the user pool defines. Neither is writable by the native app client.
TENANT_ATTRIBUTE = "custom:tenant"
IDP_GROUPS_ATTRIBUTE = "custom:idp_groups"
STANDARD_ATTRIBUTES = frozenset(
    {
        "address", "birthdate", "email", "email_verified", "family_name", "gender", "given_name",
        "locale", "middle_name", "name", "nickname", "phone_number", "phone_number_verified",
        "picture", "preferred_username", "profile", "sub", "updated_at", "website", "zoneinfo",
    }
)  # fmt: skip
KNOWN_ATTRIBUTES = STANDARD_ATTRIBUTES | {TENANT_ATTRIBUTE, IDP_GROUPS_ATTRIBUTE}


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
