"""Synth time of the full app as a ratio to an empty CDK app's, measured in the same run.

Each runs as the CDK CLI runs an app: a fresh Python process writing a cloud assembly to a
temporary directory. The full app gets cdk.json's context the way the CLI passes it
(CDK_CONTEXT_JSON). Runs alternate so that machine noise hits all alike; medians are compared.
The budget (docs/architecture.md: 2.0) is against the empty app, with app.py a plain CDK app.
The libraries' floor (bench/libraries_app.py: app.py's imports and cdk-nag, nothing built) is
printed beside it, so the ratio splits into what the libraries cost and what our constructs add.
Exits 1 when over budget.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET = 2.0


def run(script: Path, context: dict[str, object] | None) -> float:
    with tempfile.TemporaryDirectory() as outdir:
        env = {**os.environ, "CDK_OUTDIR": outdir}
        env.pop("CDK_CONTEXT_JSON", None)
        if context is not None:
            env["CDK_CONTEXT_JSON"] = json.dumps(context)
        start = time.perf_counter()
        # Its own session, so that the app's process group includes the Node child.
        process = subprocess.Popen(
            [sys.executable, str(script)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        _, stderr = process.communicate()
        elapsed = time.perf_counter() - start
        if process.returncode:
            raise SystemExit(f"{script.name} failed:\n{stderr.decode()}")
        _wait_for_group(process.pid)
        return elapsed


def _wait_for_group(pgid: int) -> None:
    """Let a Node process that outlives its app finish before the next run.

    Its teardown would otherwise take a core from the next measurement on a 2-core machine.
    """
    while True:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.02)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=11)
    args = parser.parse_args()
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    apps = {
        "empty": (ROOT / "bench" / "empty_app.py", None),
        "libraries' floor": (ROOT / "bench" / "libraries_app.py", None),
        "full": (ROOT / "app.py", context),
    }
    run(apps["empty"][0], None)  # warm the jsii cache and the OS page cache
    times: dict[str, list[float]] = {name: [] for name in apps}
    for _ in range(args.rounds):
        for name, (script, script_context) in apps.items():
            times[name].append(run(script, script_context))
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, median in medians.items():
        ratio_to_empty = median / medians["empty"]
        print(
            f"{name + ' app synth:':<30} median {median:.2f}s over {args.rounds} runs "
            f"({ratio_to_empty:.2f}x the empty app)"
        )
    ratio = medians["full"] / medians["empty"]
    verdict = "within" if ratio <= BUDGET else "OVER"
    print(f"ratio {ratio:.2f} against the empty app ({verdict} the budget of {BUDGET})")
    return 0 if ratio <= BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
