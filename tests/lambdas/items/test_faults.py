"""The items function when DynamoDB fails: the real table path (``store()``, its SDK settings, the
real clock) over moto, with faults injected at botocore where the SDK's own retries run. A
failing table answers 503 with ``Retry-After``, never 500 or 502, and nothing is half-written;
retries of the SDK are idempotent (docs/items-api.md, "When the table fails")."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.retries.standard import ExponentialBackoff

from lambdas.items import app
from tests.lambdas.context import FakeContext
from tests.lambdas.items.events import ADA, ALICE, BOB, ITEM, ITEMS, delete, put, request
from tests.lambdas.items.faults import LOSE, PASS, THROTTLE, UNREACHABLE, faults

# The function's own table path, before any test replaces it.
REAL_STORE = app.store
OPERATIONS = {"PUT": "PutItem", "DELETE": "DeleteItem", "GET": "Query"}


@pytest.fixture
def store(module_table: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[app.ItemStore]:
    """The function's own store (its table, SDK settings and clock), over the module's table,
    emptied; the SDK's backoff waits are skipped (their length is not under test)."""
    with module_table.batch_writer() as batch:
        for item in module_table.scan()["Items"]:
            batch.delete_item(Key={"tenant": item["tenant"], "id": item["id"]})
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0)
    monkeypatch.setattr(app, "store", REAL_STORE)
    REAL_STORE.cache_clear()
    yield REAL_STORE()
    REAL_STORE.cache_clear()


def client(store: app.ItemStore) -> Any:
    return store.table.meta.client


def stored(store: app.ItemStore, tenant: str, item_id: str) -> dict[str, Any] | None:
    item: dict[str, Any] | None = store.table.get_item(Key={"tenant": tenant, "id": item_id}).get(
        "Item"
    )
    return item


def answer(method: str, **options: Any) -> tuple[int, dict[str, str], dict[str, Any]]:
    resource = ITEMS if method == "GET" else ITEM
    parameters = {"tenant": "acme"} if method == "GET" else {"tenant": "acme", "id": "note"}
    event = request(method, resource, ALICE, body={"text": "new"}, **parameters, **options)
    response = app.handler(event, FakeContext())
    headers = {name: values[-1] for name, values in response["multiValueHeaders"].items()}
    return response["statusCode"], headers, json.loads(response["body"])


def test_the_sdk_retries_in_standard_mode_three_attempts_within_set_timeouts(
    store: app.ItemStore,
) -> None:
    """The values docs/items-api.md states ("When the table fails"), written out here."""
    config = client(store).meta.config
    assert config.retries == {"mode": "standard", "total_max_attempts": 3}
    assert (config.connect_timeout, config.read_timeout) == (1, 2)
    assert app.RETRY_AFTER_SECONDS == 2


@pytest.mark.parametrize("method", ["PUT", "DELETE", "GET"])
@pytest.mark.parametrize("fault", [THROTTLE, UNREACHABLE])
def test_a_table_failing_every_attempt_answers_503_with_retry_after(
    store: app.ItemStore, method: str, fault: str
) -> None:
    put("acme", "note", "old")
    with faults(OPERATIONS[method], [fault]) as attempts:
        status, headers, body = answer(method)
    assert len(attempts.fates) == app.ATTEMPTS  # the SDK's retries ran, as set, and no more
    assert (status, headers["Retry-After"], headers["Content-Type"]) == (
        503,
        str(app.RETRY_AFTER_SECONDS),
        "application/json",
    )
    assert "retry" in body["error"]
    # Nothing written, nothing deleted.
    assert stored(store, "acme", "note")["text"] == "old"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "GET"])
def test_a_throttle_the_sdk_retries_away_is_not_seen(store: app.ItemStore, method: str) -> None:
    put("acme", "note", "old")
    with faults(OPERATIONS[method], [THROTTLE, PASS]) as attempts:
        status, _, _ = answer(method)
    assert (status, attempts.fates) == (200, [THROTTLE, PASS])


def test_a_delete_whose_response_was_lost_reports_success_when_the_sdk_retries(
    store: app.ItemStore,
) -> None:
    put("acme", "note", "old")
    with faults("DeleteItem", [LOSE, PASS]) as attempts:
        assert delete("acme", "note") == (200, {"deleted": "note"})
    assert attempts.fates == [LOSE, PASS]
    assert stored(store, "acme", "note") is None
    # The client's own repeated DELETE, a new request, finds no item (docs/items-api.md).
    assert delete("acme", "note")[0] == 404


def test_an_admins_delete_whose_response_was_lost_reports_success(store: app.ItemStore) -> None:
    put("acme", "note", "bob's", who=BOB)
    with faults("DeleteItem", [LOSE, PASS]):
        assert delete("acme", "note", who=ADA) == (200, {"deleted": "note"})
    assert stored(store, "acme", "note") is None


def test_a_put_whose_response_was_lost_is_written_once_as_the_callers(
    store: app.ItemStore,
) -> None:
    with faults("PutItem", [LOSE, PASS]) as attempts:
        status, item = put("acme", "note", "mine")
    assert (status, attempts.fates) == (200, [LOSE, PASS])
    assert stored(store, "acme", "note") == {**item}


def test_a_delete_retried_after_a_lost_response_still_refuses_anothers_item(
    store: app.ItemStore,
) -> None:
    """The retry rule covers a gone item only: another owner's item stays refused."""
    put("acme", "note", "bob's", who=BOB)
    with faults("DeleteItem", [THROTTLE, PASS]):
        assert delete("acme", "note")[0] == 403
    assert stored(store, "acme", "note")["owner"] == BOB.identity_id


def throttled(operation: str) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"},
            "ResponseMetadata": {"HTTPStatusCode": 400, "RetryAttempts": 2},
        },
        operation,
    )


@pytest.mark.parametrize("method", ["PUT", "DELETE", "GET"])
def test_a_client_error_raised_by_the_client_call_answers_503(
    store: app.ItemStore, monkeypatch: pytest.MonkeyPatch, method: str
) -> None:
    """As a caller's SDK stub would raise it, above botocore's retries."""
    put("acme", "note", "old")
    operation = {"PUT": "put_item", "DELETE": "delete_item", "GET": "query"}[method]

    def fail(**_: Any) -> Any:
        raise throttled(OPERATIONS[method])

    monkeypatch.setattr(client(store), operation, fail)
    status, headers, _ = answer(method)
    assert (status, headers["Retry-After"]) == (503, str(app.RETRY_AFTER_SECONDS))
    assert stored(store, "acme", "note")["text"] == "old"


def test_a_failing_table_is_logged_and_counted(
    store: app.ItemStore, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    capsys.readouterr()
    with faults("PutItem", [THROTTLE]):
        answer("PUT")
    [emf] = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert emf[app.TABLE_FAILED] in (1.0, [1.0])
    [record] = [r for r in caplog.records if r.name == app.logger.name]
    assert (record.levelname, record.reason) == (
        "ERROR",
        "ProvisionedThroughputExceededException",
    )


def test_the_real_clock_stamps_utc_milliseconds(store: app.ItemStore) -> None:
    before = datetime.now(UTC)
    status, item = put("acme", "note", "now")
    after = datetime.now(UTC)
    assert status == 200
    assert item["updatedAt"].endswith("Z") and len(item["updatedAt"]) == len(
        "2026-11-26T07:00:00.123Z"
    )
    stamped = datetime.fromisoformat(item["updatedAt"])
    assert before - timedelta(milliseconds=1) <= stamped <= after
    assert app.utc_now().tzinfo is UTC
