"""A git ref synthesized in a temporary worktree, removed afterwards even on error."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest

from review import baseline
from review.baseline import ROOT, BaselineError, synthesized


def worktrees() -> set[str]:
    listing = subprocess.run(
        ["git", "worktree", "list", "--porcelain"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {line.split(" ", 1)[1] for line in listing.splitlines() if line.startswith("worktree ")}


def test_head_synthesizes_and_the_worktree_goes_away() -> None:
    before = worktrees()
    with synthesized("HEAD") as outdir:
        templates = list(outdir.glob("*.template.json"))
        assert templates
        # The CLI's path metadata is on, so roles get the same names as in `make synth`.
        assert '"aws:cdk:path"' in templates[0].read_text()
        scratch = outdir.parent
        assert str(scratch / "src") in worktrees()
    assert not scratch.exists()
    assert worktrees() == before


def test_the_worktree_goes_away_when_the_synth_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    before = worktrees()
    monkeypatch.setattr(baseline, "PYTHON", Path("/bin/false"))
    with pytest.raises(BaselineError, match="synth of HEAD"), synthesized("HEAD"):
        pass
    assert worktrees() == before
    assert not list(Path(tempfile.gettempdir()).glob("review-base-*/src"))


def test_an_unknown_ref_is_an_error() -> None:
    with pytest.raises(BaselineError, match="no-such-ref"), synthesized("no-such-ref-xyz"):
        pass
