"""Synthesize another git ref in a temporary worktree, for the permission diff.

The ref may predate ``review/``, so only its app is used: this checkout's ``.venv`` python runs
the worktree's own ``app.py`` with its own ``cdk.json`` context (the way the CDK CLI runs the
app: ``CDK_CONTEXT_JSON`` and ``CDK_OUTDIR``). The worktree is removed afterwards, on error too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"


class BaselineError(RuntimeError):
    pass


def _git(*args: str, cwd: Path = ROOT) -> str:
    result = subprocess.run(  # noqa: S603 - git with our own arguments
        ["git", *args],  # noqa: S607 - git from PATH, as make and developers run it
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BaselineError(f"git {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout


@contextmanager
def synthesized(ref: str, config_file: str | None = None) -> Iterator[Path]:
    """The cloud assembly directory of ``ref``'s app, removed (with its worktree) on exit."""
    commit = _git("rev-parse", "--verify", f"{ref}^{{commit}}").strip()
    scratch = Path(tempfile.mkdtemp(prefix="review-base-"))
    worktree, outdir = scratch / "src", scratch / "cdk.out"
    added = False
    try:
        _git("worktree", "add", "--detach", "--quiet", str(worktree), commit)
        added = True
        context = json.loads((worktree / "cdk.json").read_text()).get("context", {})
        if config_file:
            context["configFile"] = config_file
        # What the CDK CLI adds: construct paths in the template, which name roles in the diff.
        context.setdefault("aws:cdk:enable-path-metadata", True)
        context.setdefault("aws:cdk:enable-asset-metadata", True)
        python = PYTHON if PYTHON.is_file() else Path(sys.executable)
        env = {
            **os.environ,
            "CDK_CONTEXT_JSON": json.dumps(context),
            "CDK_OUTDIR": str(outdir),
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        }
        result = subprocess.run(  # noqa: S603 - the ref's own app, run like the CDK CLI does
            [str(python), "app.py"],
            cwd=worktree,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0 or not list(outdir.glob("*.template.json")):
            raise BaselineError(
                f"synth of {ref} ({commit[:12]}) failed:\n{result.stderr.strip()[-2000:]}"
            )
        yield outdir
    finally:
        if added:
            with suppress(BaselineError):
                _git("worktree", "remove", "--force", str(worktree))
        shutil.rmtree(scratch, ignore_errors=True)
        if added:
            with suppress(BaselineError):
                _git("worktree", "prune")
