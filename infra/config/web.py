"""The origins a browser app may call the stack from (``config.corsOrigins``): one list for the
login API, the items API and the sample bucket (``infra/cors.py``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from facts.web import LOCAL_ORIGIN
from infra.config.parsing import ConfigError, strings

# An origin is scheme, host and port, nothing else (RFC 6454): https anywhere, plain http only
# on this machine (the web sample, a dev server).
_ORIGIN = re.compile(r"^https://[a-z0-9.-]+(:\d{1,5})?$|^http://localhost(:\d{1,5})?$")
ORIGINS = strings(
    _ORIGIN, "an https:// origin (or http://localhost:<port>)", "https://app.example.com"
)
# Disposable stages allow the web sample's origin when the config names none (make web).
DISPOSABLE_DEFAULT = (LOCAL_ORIGIN,)


def cors_origins(value: Any, key: str) -> tuple[str, ...] | None:
    """``null`` (the default): by stage, see :func:`allowed_origins`; a list: exactly those."""
    return None if value is None else ORIGINS(value, key)


def allowed_origins(configured: tuple[str, ...] | None, disposable: bool) -> tuple[str, ...]:
    """The configured origins; unset, none for a protected stage and the web sample's local
    origin for a disposable one."""
    if configured is not None:
        return configured
    return DISPOSABLE_DEFAULT if disposable else ()


def refuse_moved_key(raw: Any) -> None:
    """``developerAuth.corsOrigins`` became ``corsOrigins``: say so rather than "unknown key"."""
    section = raw.get("developerAuth") if isinstance(raw, Mapping) else None
    if isinstance(section, Mapping) and "corsOrigins" in section:
        raise ConfigError(
            "developerAuth.corsOrigins",
            "has moved: one list, corsOrigins at the top of the config, now serves the login "
            "API, the items API and the sample bucket",
            f"Move the list to corsOrigins (or delete it: unset, a disposable stage allows "
            f"{LOCAL_ORIGIN} and a protected one none)",
        )
