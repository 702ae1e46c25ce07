"""moto's DynamoDB, made to apply conditional writes atomically as DynamoDB does."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest.mock import patch

from moto.dynamodb.models import DynamoDBBackend

WRITES = ("put_item", "update_item", "delete_item")


@contextmanager
def atomic_item_writes() -> Iterator[None]:
    """DynamoDB applies each conditional write to an item atomically (DynamoDB developer guide,
    "Working with items": conditional writes); moto checks and writes without a lock, so under
    threads its writes are serialized here as DynamoDB serializes them."""
    lock = threading.Lock()

    def locked(original: Any) -> Any:
        def write(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
            with lock:
                return original(self, *args, **kwargs)

        return write

    with ExitStack() as stack:
        for name in WRITES:
            original = getattr(DynamoDBBackend, name)
            stack.enter_context(patch.object(DynamoDBBackend, name, locked(original)))
        yield
