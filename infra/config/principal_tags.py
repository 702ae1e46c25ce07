"""Principal tags: session tag -> token claim, for attribute-based access (ABAC). The user pool
and each external provider have their own map."""

from __future__ import annotations

import re
from typing import Any

from infra.config.parsing import ConfigError, expect, matching
from infra.config.token_hook import CLAIM

_TAG_KEY = re.compile(r"^[\w.:/=+@-]{1,128}$")
# The session tag the tenant grants name (``${aws:PrincipalTag/tenant}``): the sample bucket's
# tenant folders and the items API's tenant routes. Mapping it is what turns those grants on.
TENANT_TAG = "tenant"


def principal_tags(value: Any, key: str) -> tuple[tuple[str, str], ...]:
    mapping = expect(value, dict, key, '{"tenant": "tenant"}')
    for tag, claim in mapping.items():
        if not _TAG_KEY.fullmatch(tag):
            raise ConfigError(
                f"{key}.{tag}", "is not a valid tag key", "Use 1-128 letters, digits or _.:/=+@-"
            )
        matching(CLAIM, "a claim name", "tenant")(claim, f"{key}.{tag}")
    return tuple(mapping.items())
