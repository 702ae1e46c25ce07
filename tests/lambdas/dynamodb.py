"""moto's DynamoDB, made to do as DynamoDB documents where moto differs: conditional writes
applied atomically, and a Query that reaches its Limit returning a LastEvaluatedKey."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest.mock import patch

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table

# Reads too: moto's reads walk an item's attributes while a write (under the lock) copies and
# replaces them, and a read of a half-written item is one DynamoDB never returns.
ITEM_OPERATIONS = ("put_item", "update_item", "delete_item", "get_item", "query", "scan")


@contextmanager
def atomic_item_writes() -> Iterator[None]:
    """DynamoDB applies each conditional write to an item atomically (DynamoDB developer guide,
    "Working with items": conditional writes), and a read sees an item whole; moto checks and
    writes without a lock, so under threads its item operations are serialized here."""
    lock = threading.RLock()  # reentrant: a patched operation may call another

    def locked(original: Any) -> Any:
        def write(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
            with lock:
                return original(self, *args, **kwargs)

        return write

    with ExitStack() as stack:
        for name in ITEM_OPERATIONS:
            original = getattr(DynamoDBBackend, name)
            stack.enter_context(patch.object(DynamoDBBackend, name, locked(original)))
        yield


@contextmanager
def keys_where_queries_reach_their_limit() -> Iterator[None]:
    """A Query that evaluates as many items as its ``Limit`` stops there and returns a
    LastEvaluatedKey, whether or not more items follow (DynamoDB API reference, Query,
    "Limit"); moto returns one only when another item follows, so a page that ended at the
    last item would look like the last page here and not on AWS. Queries without a
    FilterExpression only: with one, the key is the last evaluated item's, which moto does not
    return."""
    original = Table.query

    def query(self: Table, *args: Any, **kwargs: Any) -> Any:
        items, evaluated, last_key = original(self, *args, **kwargs)
        limit = kwargs["limit"] if "limit" in kwargs else args[3]
        if last_key is None and limit and evaluated == limit == len(items):
            last_key = self._get_last_evaluated_key(items[-1], kwargs.get("index_name"))
        return items, evaluated, last_key

    with patch.object(Table, "query", query):
        yield
