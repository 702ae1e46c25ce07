"""The items function over a table in moto: one table per test module, emptied for each test
(a fresh moto session per test would cost more than the test)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from moto import mock_aws

from lambdas.items import app
from tests.lambdas.dynamodb import keys_where_queries_reach_their_limit
from tests.lambdas.items.events import create_table

NOW = datetime(2026, 11, 26, 7, 0, 0, 123000, tzinfo=UTC)


@pytest.fixture(scope="module")
def module_table() -> Iterator[Any]:
    with mock_aws(), keys_where_queries_reach_their_limit():
        yield create_table()


@pytest.fixture
def table(module_table: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The module's table, empty, as the function's store."""
    with module_table.batch_writer() as batch:
        for item in module_table.scan()["Items"]:
            batch.delete_item(Key={"tenant": item["tenant"], "id": item["id"]})
    store = app.ItemStore(module_table, clock=lambda: NOW)
    monkeypatch.setattr(app, "store", lambda: store)
    return module_table
