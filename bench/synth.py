"""Synth time of the full app as a ratio to an empty CDK app's, measured in the same run.

Both run as the CDK CLI runs an app: a fresh Python process writing a cloud assembly to a
temporary directory. The full app gets cdk.json's context the way the CLI passes it
(CDK_CONTEXT_JSON). Runs alternate so that machine noise hits both alike; the medians are
compared. Exits 1 when the ratio is over budget (DESIGN.md: 1.3).
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
BUDGET = 1.3


def run(script: Path, context: dict[str, object] | None) -> float:
    with tempfile.TemporaryDirectory() as outdir:
        env = {**os.environ, "CDK_OUTDIR": outdir}
        env.pop("CDK_CONTEXT_JSON", None)
        if context is not None:
            env["CDK_CONTEXT_JSON"] = json.dumps(context)
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, str(script)], cwd=ROOT, env=env, check=True, capture_output=True
        )
        return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    run(ROOT / "bench" / "empty_app.py", None)  # warm the jsii cache and the OS page cache
    empty, full = [], []
    for _ in range(args.rounds):
        empty.append(run(ROOT / "bench" / "empty_app.py", None))
        full.append(run(ROOT / "app.py", context))
    empty_median, full_median = statistics.median(empty), statistics.median(full)
    ratio = full_median / empty_median
    verdict = "within" if ratio <= BUDGET else "OVER"
    print(f"empty CDK app synth: median {empty_median:.2f}s over {args.rounds} runs")
    print(f"full app synth:      median {full_median:.2f}s over {args.rounds} runs")
    print(f"ratio {ratio:.2f} ({verdict} the budget of {BUDGET})")
    return 0 if ratio <= BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
