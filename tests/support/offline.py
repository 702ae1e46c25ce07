"""Helpers for tests that drive an offline stack: serve it to boto3, read a token's claims."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from offline.stack import OfflineStack, offline_stack
from offline.template import Template


@contextmanager
def serving(template: Template, log_dir: Path, **options: Any) -> Iterator[OfflineStack]:
    """The template deployed offline (``options``: ``offline_stack``'s), with
    ``AWS_ENDPOINT_URL`` pointing boto3 (and the client) at it until the block ends."""
    saved = os.environ.get("AWS_ENDPOINT_URL")
    with (
        (log_dir / "functions.log").open("w") as log,
        offline_stack(template, log, **options) as stack,
    ):
        os.environ["AWS_ENDPOINT_URL"] = stack.endpoint_url
        try:
            yield stack
        finally:
            if saved is None:
                os.environ.pop("AWS_ENDPOINT_URL", None)
            else:
                os.environ["AWS_ENDPOINT_URL"] = saved


def claims_of(token: str) -> dict[str, Any]:
    """A JWT's payload, unverified (the tests read what was issued, or forge from it)."""
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims
