"""The inbound federation trigger's two budgets, each a ratio measured in this one run.

1. Cold import: importing the trigger module, against importing only the Powertools pieces it
   uses (fresh interpreter each time, medians). Budget 1.25x; boto3 and the X-Ray SDK must stay
   out.
2. Warm per-event cost: the real handler (Powertools' logger context included) against
   bench/inbound_federation_baseline.py, a minimal hand-written dict handler giving the same
   answer. Budget 20x.
"""

from __future__ import annotations

import copy
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# These need ROOT on the path.
from bench.function_budgets import (  # noqa: E402
    arguments,
    fastest_batches,
    import_medians,
    per_event_in_child,
    report_times,
)
from tests.lambdas.settings import TRIGGER_SETTINGS  # noqa: E402

IMPORT_BUDGET = 1.25
EVENT_BUDGET = 20.0
POWERTOOLS_PIECES = """
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
"""
TRIGGER = "from lambdas.inbound_federation import app"


def environment() -> dict[str, str]:
    return {
        **os.environ,
        "TRIGGER_CONFIG": json.dumps(TRIGGER_SETTINGS),
        "POWERTOOLS_SERVICE_NAME": "inbound-federation",
        "PYTHONPATH": str(ROOT),
    }


def bench_event() -> dict:
    from bench.inbound_federation_baseline import EMAIL, GROUPS

    return {
        "version": "1",
        "triggerSource": "InboundFederation_ExternalProvider",
        "region": "eu-west-1",
        "userPoolId": "eu-west-1_EXAMPLE1",
        "userName": "CorpSaml_jdoe",
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown", "clientId": "1example23456789"},
        "request": {
            "providerName": "CorpSaml",
            "providerType": "SAML",
            "attributes": {
                "samlResponse": {EMAIL: "jdoe@corp.example", GROUPS: "[Domain+Admins, Staff]"}
            },
        },
        "response": {"userAttributesToMap": {}},
    }


def per_event(rounds: int) -> None:
    """In a child process whose stdout (Powertools' logs) goes to /dev/null; result on stderr."""
    from bench.inbound_federation_baseline import handler as baseline
    from lambdas.inbound_federation import app
    from tests.lambdas.context import FakeContext

    context, event = FakeContext(), bench_event()
    expected = app.handler(copy.deepcopy(event), context)["response"]
    if baseline(copy.deepcopy(event))["response"] != expected:
        raise SystemExit("the baseline does not give the trigger's answer")
    times = fastest_batches(
        {
            "trigger": lambda item: app.handler(item, context),
            "baseline": baseline,
        },
        event,
        rounds,
    )
    report_times(times)


def main() -> int:
    args = arguments(__doc__)
    if args.per_event_child:
        per_event(args.events)
        return 0

    pieces, trigger = import_medians(POWERTOOLS_PIECES, TRIGGER, environment(), args.rounds)
    import_ratio = trigger / pieces
    times = per_event_in_child(__file__, environment(), args.events)
    event_ratio = times["trigger"] / times["baseline"]

    ok = import_ratio <= IMPORT_BUDGET and event_ratio <= EVENT_BUDGET
    print(
        f"inbound federation import:  {trigger * 1000:.1f} ms, Powertools "
        f"pieces {pieces * 1000:.1f} ms: ratio {import_ratio:.2f} "
        f"(budget {IMPORT_BUDGET}); no boto3, no X-Ray SDK"
    )
    print(
        f"inbound federation per event: {times['trigger'] * 1e6:.1f} us, hand-written baseline "
        f"{times['baseline'] * 1e6:.2f} us: ratio {event_ratio:.1f} (budget {EVENT_BUDGET})"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
