"""The items API function's two budgets, each a ratio measured in this one run.

1. Cold import: importing the function's module, against importing Powertools' REST resolver
   and declaring the same routes (bench/items_baseline.py; fresh interpreter each time,
   medians). boto3 and the X-Ray SDK must stay out: boto3 comes with the first request that
   reaches the table, and that cost is reported beside the budget.
2. Warm per-request cost of ``GET /me`` and ``PUT /tenants/{tenant}/items/{id}``: the real handler
   (identity check, validation, Powertools logging and metrics) against the bare resolver
   answering the same bodies as constants. The PUT's table answers at once: DynamoDB's latency
   is not the function's to budget. Most of the ratio is Powertools' logging, metrics and
   middleware, so that floor is reported beside it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# These need ROOT on the path.
from bench.function_budgets import (  # noqa: E402
    arguments,
    fastest_batches,
    import_medians,
    median_printed_ms,
    per_event_in_child,
    report_times,
)
from infra.config import Preset  # noqa: E402
from tests.lambdas.settings import ITEMS_TABLE, preset_roles  # noqa: E402

IMPORT_BUDGET = 1.25
REQUEST_BUDGET = 6.0
BASELINE = "from bench.items_baseline import bare_resolver; bare_resolver({}, {})"
FUNCTION = "from lambdas.items import app"
# What the first request that reaches the table pays in a fresh interpreter.
FIRST_TABLE_REQUEST = (
    "from lambdas.items import app; import time; start = time.perf_counter(); app.store(); "
    "print(time.perf_counter() - start)"
)


def environment() -> dict[str, str]:
    return {
        **os.environ,
        "ITEMS_TABLE": ITEMS_TABLE,
        "IDENTITY_POOL_ID": "eu-west-1:00000000-0000-4000-8000-000000000000",
        "DELETE_ANY_ROLES": ",".join(preset_roles(Preset.ADMIN)),
        "POWERTOOLS_SERVICE_NAME": "items",
        "POWERTOOLS_METRICS_NAMESPACE": "bench",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "PYTHONPATH": str(ROOT),
    }


class InstantTable:
    """Accepts every write at once, as DynamoDB would accept a new item."""

    def put_item(self, **_: Any) -> dict[str, Any]:
        return {}


def per_request(events: int) -> None:
    """In a child process whose stdout (Powertools' logs and metrics) goes to /dev/null; the
    result goes to stderr."""
    import json
    from unittest import mock

    from bench.items_baseline import bare_resolver, powertools_floor
    from lambdas.items import app
    from tests.lambdas.context import FakeContext
    from tests.lambdas.items.events import ITEM, ME, request

    # The function opens its table on the first request that needs it (app.store); the bench
    # puts the instant table in its place for the whole measurement, as the tests do.
    instant = app.ItemStore(InstantTable())
    with mock.patch.object(app, "store", lambda: instant):
        context = FakeContext()
        requests = {
            "me": request("GET", ME),
            "put": request("PUT", ITEM, body={"text": "hello"}, tenant="acme", id="note"),
        }
        answers = {}
        for name, event in requests.items():
            response = app.handler(event, context)
            if response["statusCode"] != 200:
                raise SystemExit(f"the function refused the bench's {name}: {response['body']}")
            answers[name] = json.loads(response["body"])
        baseline = bare_resolver(answers["me"], answers["put"]).resolve
        floor = powertools_floor(answers["me"], answers["put"])
        for name, event in requests.items():
            for side in (baseline, floor):
                if json.loads(side(event, context)["body"]) != answers[name]:
                    raise SystemExit(f"the baseline does not give the function's answer to {name}")
        times: dict[str, float] = {}
        for name, event in requests.items():
            best = fastest_batches(
                {
                    "function": lambda item: app.handler(item, context),
                    "baseline": lambda item: baseline(item, context),
                    "floor": lambda item: floor(item, context),
                },
                event,
                events,
            )
            times.update({f"{name} {side}": seconds for side, seconds in best.items()})
        report_times(times)


def first_table_request_ms(rounds: int) -> float:
    return median_printed_ms(FIRST_TABLE_REQUEST, environment(), rounds)


def main() -> int:
    args = arguments(__doc__)
    if args.per_event_child:
        per_request(args.events)
        return 0

    baseline, function = import_medians(BASELINE, FUNCTION, environment(), args.rounds)
    import_ratio = function / baseline
    times = per_event_in_child(__file__, environment(), args.events)
    ratios = {name: times[f"{name} function"] / times[f"{name} baseline"] for name in ("me", "put")}
    first = first_table_request_ms(max(3, args.rounds // 3))

    ok = import_ratio <= IMPORT_BUDGET and all(r <= REQUEST_BUDGET for r in ratios.values())
    print(
        f"items API import: {function * 1000:.1f} ms, the bare resolver {baseline * 1000:.1f} ms: "
        f"ratio {import_ratio:.2f} (budget {IMPORT_BUDGET}); no boto3, no X-Ray SDK; the first "
        f"request that reaches the table adds {first:.0f} ms (boto3 and the table resource)"
    )
    for name, label in (("me", "GET /me"), ("put", "PUT item")):
        print(
            f"items API {label} per request: {times[f'{name} function'] * 1e6:.1f} us, the bare "
            f"resolver {times[f'{name} baseline'] * 1e6:.1f} us: ratio {ratios[name]:.1f} "
            f"(budget {REQUEST_BUDGET}); Powertools' logging, metrics and middleware around the "
            f"bare resolver: {times[f'{name} floor'] * 1e6:.1f} us "
            f"({times[f'{name} floor'] / times[f'{name} baseline']:.1f}x)"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
