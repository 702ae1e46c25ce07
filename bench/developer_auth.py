"""Developer sign-in figures (budget: three AWS calls per success, two per failure, one per
lock-out, three for an unknown username's first guess of a window; KDF 50-250 ms here).

1. AWS calls per successful, failed and locked sign-in, and per first guess on an unknown
   username, counted on the boto3 clients (moto stands in for DynamoDB and Cognito Identity). A
   success is the guess's reservation, its release and the token; a failure is the reservation
   and the settling of its hold (which is what lets a hold left by a fault expire, while a judged
   failure counts for the whole window); a lock-out is the reservation alone, which is what
   keeps the lock-out atomic. An unknown username's first guess also takes its place in the
   window's budget of such records, while its password is judged.
2. The KDF cost: one scrypt verification with the current parameters, median of several.
3. The handler's cold import (boto3 and Powertools included), median over fresh interpreters.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# This needs ROOT on the path.
from bench.function_budgets import median_printed_ms  # noqa: E402

ENVIRONMENT = {
    "USER_TABLE": "bench-users",
    "IDENTITY_POOL_ID": "eu-west-1:00000000-0000-4000-8000-000000000000",
    "DEVELOPER_PROVIDER": "login.example.bench",
    "TOKEN_SECONDS": "900",
    "MAX_FAILED_ATTEMPTS": "5",
    "LOCKOUT_SECONDS": "900",
    "UNKNOWN_NAMES_PER_WINDOW": "10000",
    "TAG_TRANSFORMS": '{"tenant": ["strip", "lower"]}',
    "POWERTOOLS_SERVICE_NAME": "developer-auth",
    "POWERTOOLS_METRICS_NAMESPACE": "bench",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
}
CALL_TARGETS = {"success": 3, "failure": 2, "locked": 1, "unknown username": 3}
KDF_RANGE_MS = (50, 250)


def aws_calls() -> dict[str, int]:
    from moto import mock_aws

    from tests.lambdas.developer_auth.world import PASSWORD, WRONG, World

    # A success, then every guess the window allows, then one more: the lock-out; then a
    # username nobody has.
    attempts = [("success", "alice", PASSWORD, 200)]
    attempts += [("failure", "alice", WRONG, 401)] * int(ENVIRONMENT["MAX_FAILED_ATTEMPTS"])
    attempts += [("locked", "alice", WRONG, 429), ("unknown username", "mallory", WRONG, 401)]
    calls: dict[str, int] = {}
    with mock_aws():
        world = World()
        world.add_user()
        for outcome, username, password, status in attempts:
            world.recorder.calls.clear()
            answer = world.sign_in(username, password).status
            if answer != status:
                raise RuntimeError(f"{outcome}: expected {status}, got {answer}")
            # The most any attempt of that kind cost.
            calls[outcome] = max(calls.get(outcome, 0), sum(world.recorder.calls.values()))
    return calls


def kdf_ms(rounds: int = 9) -> float:
    from lambdas.developer_auth import passwords

    stored = passwords.hash_password("bench password")
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        passwords.verify_password("bench password", stored)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def cold_import_ms(rounds: int = 7) -> float:
    probe = (
        "import time; start = time.perf_counter()\n"
        "from lambdas.developer_auth import app\n"
        "print(time.perf_counter() - start)"
    )
    env = {**os.environ, **ENVIRONMENT, "PYTHONPATH": str(ROOT)}
    return median_printed_ms(probe, env, rounds)


def main() -> int:
    os.environ.update(ENVIRONMENT)
    calls = aws_calls()
    kdf = kdf_ms()
    low, high = KDF_RANGE_MS
    print(
        "developer sign-in AWS calls: "
        + ", ".join(f"{calls[k]} per {k} (target {CALL_TARGETS[k]})" for k in CALL_TARGETS)
    )
    print(f"developer sign-in KDF: {kdf:.0f} ms per scrypt verification (aim {low}-{high} ms)")
    print(
        f"developer sign-in handler cold import: {cold_import_ms():.0f} ms "
        "(boto3 and Powertools included)"
    )
    return 0 if calls == CALL_TARGETS else 1


if __name__ == "__main__":
    sys.exit(main())
