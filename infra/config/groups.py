"""User pool groups: each has its own identity pool role and a unique precedence."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from facts.cognito import USER_ADMIN_SCOPE
from infra.config.parsing import (
    ConfigError,
    bounded,
    expect,
    matching,
    one_of,
    parse_object,
    parse_with,
    strings,
)


class Preset(StrEnum):
    """What a group's role may do in the sample bucket (``infra/sample_bucket.py``) and on the
    items API (``infra/items_api.py``)."""

    ADMIN = "admin"
    EDITOR = "editor"
    VIEWER = "viewer"


GROUP_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_PRECEDENCE = 2**31 - 1
MAX_DESCRIPTION = 2048
MAX_ROLE_NAME = 64
# The default authenticated role's name suffix, and the role a provider's rule may name besides
# the groups' roles: users in no group get it.
AUTHENTICATED = "authenticated"
_SCOPE = re.compile(r"^[A-Za-z0-9_.:/-]{1,256}$")


def group_name(value: Any, key: str) -> str:
    return matching(GROUP_NAME, "1-64 letters, digits, _ or -", "editors")(value, key)


def _description(value: Any, key: str) -> str:
    text = str(expect(value, str, key, '"Full access"'))
    if len(text) > MAX_DESCRIPTION:
        raise ConfigError(
            key, f"is {len(text)} characters long", f"Shorten it to {MAX_DESCRIPTION} at most"
        )
    return text


def _scopes(value: Any, key: str) -> tuple[str, ...]:
    scopes = strings(_SCOPE, "an OAuth scope", "storage/read")(value, key)
    if USER_ADMIN_SCOPE in scopes:
        raise ConfigError(
            f"{key}[{scopes.index(USER_ADMIN_SCOPE)}]",
            f"{USER_ADMIN_SCOPE} lets a token change its user's attributes",
            "Remove it: the hook never grants it",
        )
    return scopes


@dataclass(frozen=True)
class GroupConfig:
    """One user pool group; its role is the group's role in the identity pool."""

    name: str = field(metadata=parse_with(group_name))
    precedence: int = field(metadata=parse_with(bounded(0, MAX_PRECEDENCE, 10)))
    preset: Preset = field(metadata=parse_with(one_of(Preset)))
    description: str = field(default="", metadata=parse_with(_description))
    # Added to the access token of the group's members (eventVersion V2_0 only).
    scopes: tuple[str, ...] = field(default=(), metadata=parse_with(_scopes))


DEFAULT_GROUPS = (
    GroupConfig("admins", 10, Preset.ADMIN, "Full access to the sample bucket"),
    GroupConfig("editors", 20, Preset.EDITOR, "Read and write the shared folder"),
    GroupConfig("viewers", 30, Preset.VIEWER, "Read the shared folder"),
)


def groups(value: Any, key: str) -> tuple[GroupConfig, ...]:
    items = expect(value, list, key, '[{"name": "viewers", "precedence": 30, "preset": "viewer"}]')
    if not items:
        raise ConfigError(
            key, "is empty", "Configure at least one group: only group members get a group role"
        )
    parsed = [parse_object(GroupConfig, item, f"{key}[{i}]") for i, item in enumerate(items)]
    _unique(parsed, key, "name", "Group names must be unique; rename one")
    _unique(
        parsed,
        key,
        "precedence",
        "Precedences must be unique so that the preferred role is never ambiguous; "
        "give each group its own number (lower wins)",
    )
    return tuple(parsed)


def _unique(parsed: list[GroupConfig], key: str, attribute: str, fix: str) -> None:
    seen: dict[Any, int] = {}
    for index, group in enumerate(parsed):
        value = getattr(group, attribute)
        if value in seen:
            raise ConfigError(
                f"{key}[{index}].{attribute}",
                f"{value!r} is already used by {key}[{seen[value]}]",
                fix,
            )
        seen[value] = index
