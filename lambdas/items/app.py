"""PLACEHOLDER, replaced when the items handler (issue 14) merges: it exists only so that the
synth can stage ``lambdas/items`` for ``infra/items_api.py``. Every request answers 501."""

from __future__ import annotations

import json
from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {
        "statusCode": 501,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"error": "The items handler is not merged yet"}),
    }
