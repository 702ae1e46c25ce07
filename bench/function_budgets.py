"""What the Lambda function benches share: a cold import timed in a fresh interpreter, and a
warm per-event cost measured in a child process against hand-written handlers.

Each function's bench names its module, the Powertools pieces it uses, an event and the
handlers to compare; the ratios it reports are measured in one run, so a noisy machine moves
both sides alike.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Modules no function may pull in at import: they would slow every cold start.
FORBIDDEN_IMPORTS = ("boto3", "aws_xray_sdk")


def arguments(description: str | None) -> argparse.Namespace:
    """A function bench's options: ``--rounds`` of each cold import, ``--events`` per warm
    batch, and the hidden ``--per-event-child`` its warm measurement re-runs it with."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--events", type=int, default=10000)
    parser.add_argument("--per-event-child", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def printed(probe: str, environment: Mapping[str, str]) -> str:
    """What ``probe`` prints, run in a fresh interpreter from the repository root."""
    return subprocess.run(
        [sys.executable, "-c", probe],
        env=dict(environment),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def time_import(statement: str, environment: Mapping[str, str]) -> float:
    """Seconds to run ``statement`` in a fresh interpreter; exits if it imports a forbidden
    module."""
    probe = (
        "import sys, time; start = time.perf_counter()\n"
        f"{statement}\n"
        "elapsed = time.perf_counter() - start\n"
        f"leaked = sorted(m for m in {FORBIDDEN_IMPORTS!r} if m in sys.modules)\n"
        "print(elapsed, ','.join(leaked))"
    )
    output = printed(probe, environment).split()
    if len(output) > 1:
        raise SystemExit(f"{statement!r} pulled in {output[1]}")
    return float(output[0])


def median_printed_ms(probe: str, environment: Mapping[str, str], rounds: int) -> float:
    """Median of the seconds ``probe`` prints, run ``rounds`` times in fresh interpreters, in
    milliseconds."""
    times = [float(printed(probe, environment)) for _ in range(rounds)]
    return statistics.median(times) * 1000


def import_medians(
    pieces: str, module: str, environment: Mapping[str, str], rounds: int
) -> tuple[float, float]:
    """Median import seconds of the Powertools pieces alone, and of the function's module."""
    alone, whole = [], []
    for _ in range(rounds):
        alone.append(time_import(pieces, environment))
        whole.append(time_import(module, environment))
    return statistics.median(alone), statistics.median(whole)


def fastest_batches(
    handlers: Mapping[str, Callable[[dict[str, Any]], Any]], event: dict[str, Any], events: int
) -> dict[str, float]:
    """Seconds per event for each handler. Short batches alternate between the handlers and
    each keeps its fastest: a noisy moment on a shared machine then spoils one batch of one
    side, not the whole comparison."""
    batch = 500
    best = dict.fromkeys(handlers, float("inf"))
    for _ in range(max(1, events // batch)):
        for name, handler in handlers.items():
            copies = [copy.deepcopy(event) for _ in range(batch)]
            start = time.perf_counter()
            for item in copies:
                handler(item)
            best[name] = min(best[name], (time.perf_counter() - start) / batch)
    return best


def per_event_in_child(
    script: str, environment: Mapping[str, str], events: int
) -> dict[str, float]:
    """Runs ``script --per-event-child`` (stdout, the functions' logs, to /dev/null) and reads
    the times it prints on stderr as JSON."""
    result = subprocess.run(
        [sys.executable, script, "--per-event-child", "--events", str(events)],
        env=dict(environment),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=True,
    )
    times: dict[str, float] = json.loads(result.stderr.strip().splitlines()[-1])
    return times


def report_times(times: Mapping[str, float]) -> None:
    """How a child hands its times to the parent."""
    print(json.dumps(dict(times)), file=sys.stderr)
