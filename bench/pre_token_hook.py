"""The pre token hook's two budgets (docs/architecture.md), each a ratio measured in one run.

1. Cold import: importing the hook module, against importing only the Powertools pieces it uses
   (fresh interpreter each time, medians). Budget 1.25x; boto3 and the X-Ray SDK must stay out.
2. Warm per-event cost: the real handler (Powertools logging and metrics included) against
   bench/pre_token_baseline.py, a minimal hand-written dict handler producing the same
   response. Budget 20x.
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
from tests.lambdas.settings import HOOK_SETTINGS  # noqa: E402

IMPORT_BUDGET = 1.25
EVENT_BUDGET = 20.0
POWERTOOLS_PIECES = """
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import (
    PreTokenGenerationTriggerEvent, PreTokenGenerationV2TriggerEvent)
from aws_lambda_powertools.utilities.typing import LambdaContext
"""
HOOK = "from lambdas.pre_token_generation import app"
ROLE_PREFIX = "arn:aws:iam::111122223333:role/idpools-sandbox-"


def hook_environment() -> dict[str, str]:
    return {
        **os.environ,
        "HOOK_CONFIG": json.dumps(HOOK_SETTINGS),
        "POWERTOOLS_SERVICE_NAME": "pre-token-generation",
        "POWERTOOLS_METRICS_NAMESPACE": "idpools",
        "PYTHONPATH": str(ROOT),
    }


def bench_event() -> dict:
    identities = json.dumps([{"providerName": "CorpSAML", "providerType": "SAML"}])
    return {
        "version": "2",
        "triggerSource": "TokenGeneration_Authentication",
        "region": "eu-west-1",
        "userPoolId": "eu-west-1_EXAMPLE1",
        "userName": "CorpSAML_jdoe",
        "callerContext": {"awsSdkVersion": "aws-sdk-js-3.0.0", "clientId": "1example23456789"},
        "request": {
            "userAttributes": {
                "sub": "7d2e5a8c-0000-4000-8000-000000000001",
                "email": " JDoe@Corp.Example ",
                "custom:tenant": " Acme ",
                "identities": identities,
                "custom:idp_groups": '["admins"]',
            },
            "groupConfiguration": {
                "groupsToOverride": ["viewers"],
                "iamRolesToOverride": [f"{ROLE_PREFIX}viewers"],
                "preferredRole": f"{ROLE_PREFIX}viewers",
            },
            "scopes": ["openid", "aws.cognito.signin.user.admin"],
        },
        "response": {"claimsAndScopeOverrideDetails": None},
    }


def per_event(rounds: int) -> None:
    """Runs in a child process whose stdout (Powertools' logs and metrics) goes to /dev/null;
    the result goes to stderr."""
    from bench.pre_token_baseline import handler as baseline
    from bench.pre_token_baseline import powertools_floor
    from lambdas.pre_token_generation import app
    from tests.lambdas.context import FakeContext

    context, event = FakeContext(), bench_event()
    expected = app.handler(copy.deepcopy(event), context)["response"]
    if baseline(copy.deepcopy(event), ROLE_PREFIX)["response"] != expected:
        raise SystemExit("the baseline does not produce the hook's response")
    floor = powertools_floor(ROLE_PREFIX)
    times = fastest_batches(
        {
            "hook": lambda item: app.handler(item, context),
            "baseline": lambda item: baseline(item, ROLE_PREFIX),
            "floor": lambda item: floor(item, context),
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

    pieces, hook = import_medians(POWERTOOLS_PIECES, HOOK, hook_environment(), args.rounds)
    import_ratio = hook / pieces
    times = per_event_in_child(__file__, hook_environment(), args.events)
    event_ratio = times["hook"] / times["baseline"]

    ok = import_ratio <= IMPORT_BUDGET and event_ratio <= EVENT_BUDGET
    print(
        f"pre token hook import:  {hook * 1000:.1f} ms, Powertools pieces "
        f"{pieces * 1000:.1f} ms: ratio {import_ratio:.2f} "
        f"(budget {IMPORT_BUDGET}); no boto3, no X-Ray SDK"
    )
    print(
        f"pre token hook per event: {times['hook'] * 1e6:.1f} us, hand-written baseline "
        f"{times['baseline'] * 1e6:.2f} us: ratio {event_ratio:.1f} (budget {EVENT_BUDGET}); "
        f"Powertools alone around the baseline: {times['floor'] * 1e6:.1f} us "
        f"({times['floor'] / times['baseline']:.1f}x)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
