"""The sample bucket's folders (``infra/sample_bucket.py``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from infra.config.parsing import ConfigError, matching, parse_with

_PREFIX = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}/$")
# Amplify Storage's per-identity prefixes; they are not configurable.
RESERVED_PREFIXES = ("private/", "protected/")


def _prefix(value: Any, key: str) -> str:
    prefix = matching(_PREFIX, "a lower-case folder name ending in '/'", "shared/")(value, key)
    if prefix in RESERVED_PREFIXES:
        raise ConfigError(
            key,
            f"{prefix!r} is reserved for per-identity folders",
            "Choose another folder name",
        )
    return prefix


@dataclass(frozen=True)
class StorageConfig:
    """The sample bucket's folders besides Amplify's ``private/`` and ``protected/``."""

    shared_prefix: str = field(default="shared/", metadata=parse_with(_prefix))
    public_prefix: str = field(default="public/", metadata=parse_with(_prefix))

    def __post_init__(self) -> None:
        if self.shared_prefix == self.public_prefix:
            raise ConfigError(
                "storage.sharedPrefix",
                f"is the same folder as storage.publicPrefix ({self.public_prefix!r})",
                "Give the shared and the public folder different names",
            )
