"""Synthesize a git ref (in a temporary worktree) or this checkout at a given stage.

The ref may predate ``review/``, so only its app is used: this checkout's ``.venv`` python runs
the tree's own ``app.py`` with its own ``cdk.json`` context (the way the CDK CLI runs the app:
``CDK_CONTEXT_JSON`` and ``CDK_OUTDIR``), plus ``stage`` when one is asked for, so base and
head are built at the same stage. The worktree is removed afterwards, on error too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
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


def commit_of(ref: str) -> str:
    return _git("rev-parse", "--verify", f"{ref}^{{commit}}").strip()


def ref_reader(commit: str) -> tuple[Callable[[str], str | None], list[str]]:
    """A reader of a commit's files (``git show``), and its workflow files."""

    def read(path: str) -> str | None:
        try:
            return _git("show", f"{commit}:{path}")
        except BaselineError:
            return None

    try:
        listed = _git("ls-tree", "--name-only", f"{commit}:.github/workflows").split()
    except BaselineError:  # no workflows at that commit
        listed = []
    workflows = sorted(
        f".github/workflows/{name}" for name in listed if name.endswith(("yml", "yaml"))
    )
    return read, workflows


@contextmanager
def checkout(ref: str) -> Iterator[Path]:
    """A temporary worktree of ``ref``, removed on exit."""
    commit = commit_of(ref)
    scratch = Path(tempfile.mkdtemp(prefix="review-base-"))
    worktree = scratch / "src"
    added = False
    try:
        _git("worktree", "add", "--detach", "--quiet", str(worktree), commit)
        added = True
        yield worktree
    finally:
        if added:
            with suppress(BaselineError):
                _git("worktree", "remove", "--force", str(worktree))
        shutil.rmtree(scratch, ignore_errors=True)
        if added:
            with suppress(BaselineError):
                _git("worktree", "prune")


def synthesize(
    tree: Path, outdir: Path, label: str, config_file: str | None = None, stage: str | None = None
) -> Path:
    """The cloud assembly of ``tree``'s app in ``outdir``; ``label`` names the tree in errors."""
    context = json.loads((tree / "cdk.json").read_text()).get("context", {})
    if config_file:
        context["configFile"] = config_file
    if stage:
        context["stage"] = stage
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
    result = subprocess.run(  # noqa: S603 - the tree's own app, run like the CDK CLI does
        [str(python), "app.py"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0 or not list(outdir.glob("*.template.json")):
        raise BaselineError(f"synth of {label} failed:\n{result.stderr.strip()[-2000:]}")
    return outdir


@contextmanager
def synthesized(
    ref: str, config_file: str | None = None, stage: str | None = None
) -> Iterator[Path]:
    """The cloud assembly directory of ``ref``'s app, removed (with its worktree) on exit."""
    with checkout(ref) as worktree:
        label = f"{ref} ({commit_of(ref)[:12]})" + (f" at stage {stage}" if stage else "")
        yield synthesize(worktree, worktree.parent / "cdk.out", label, config_file, stage)
