"""Developer-authenticated identities: ``POST /login`` in front of the team's own user store
(``infra/developer_auth.py``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from infra.config.parsing import boolean, bounded, matching, parse_with

_PROVIDER = re.compile(r"^[\w.-]{1,100}$")
# The name the forker must replace before the first deploy: Cognito never lets it change.
PLACEHOLDER_PROVIDER = "login.example.replace-me"
MAX_TOKEN_MINUTES = 60


@dataclass(frozen=True)
class DeveloperAuthConfig:
    """Developer-authenticated identities: POST /login in front of the team's own user store."""

    provider_name: str = field(
        default=PLACEHOLDER_PROVIDER,
        metadata=parse_with(
            matching(_PROVIDER, "1-100 letters, digits, '.', '_' or '-'", "login.mycompany")
        ),
    )
    token_minutes: int = field(default=15, metadata=parse_with(bounded(1, MAX_TOKEN_MINUTES, 15)))
    max_failed_attempts: int = field(default=5, metadata=parse_with(bounded(1, 100, 5)))
    lockout_minutes: int = field(default=15, metadata=parse_with(bounded(1, 24 * 60, 15)))
    rate_limit: int = field(default=10, metadata=parse_with(bounded(1, 10_000, 10)))
    burst_limit: int = field(default=20, metadata=parse_with(bounded(1, 5_000, 20)))
    unknown_names_per_window: int = field(
        default=10_000, metadata=parse_with(bounded(1, 1_000_000, 10_000))
    )
    waf: bool = field(default=False, metadata=parse_with(boolean))
