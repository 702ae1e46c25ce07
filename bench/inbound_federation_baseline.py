"""The per-event baseline: a minimal hand-written inbound federation handler, plain dicts, no
Powertools. It gives the same answer as lambdas/inbound_federation for the benchmark's event
(a SAML sign-in with two form-encoded groups, one mapped): bench/inbound_federation.py checks
that before timing either."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_plus

GROUPS = "http://schemas.xmlsoap.org/claims/Group"
EMAIL = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
GROUP_MAP = {"Domain Admins": "admins", "Admins": "admins", "App Editors": "editors"}


def handler(event: dict[str, Any]) -> dict[str, Any]:
    assertion = event["request"]["attributes"]["samlResponse"]
    names = {unquote_plus(part.strip()) for part in assertion[GROUPS][1:-1].split(",")}
    groups = json.dumps(
        list(dict.fromkeys(pool for idp, pool in GROUP_MAP.items() if idp in names))
    )
    event["response"] = {
        "userAttributesToMap": {
            GROUPS: groups,
            "custom:idp_groups": groups,
            EMAIL: assertion[EMAIL],
            "email": assertion[EMAIL],
        }
    }
    return event
