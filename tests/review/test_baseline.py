"""A git ref synthesized in a temporary worktree, removed afterwards even on error."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from review import baseline
from review.baseline import BaselineError, synthesized
from tests.review.conftest import HeadSynth, worktrees


def test_head_synthesizes_and_the_worktree_goes_away(head_synth: HeadSynth) -> None:
    templates = list(head_synth.kept.glob("*.template.json"))
    assert templates
    # The CLI's path metadata is on, so roles get the same names as in `make synth`.
    assert '"aws:cdk:path"' in templates[0].read_text()
    assert head_synth.worktree_during
    assert not head_synth.scratch.exists()
    # Only this synth's worktree is judged: other tests may hold their own at the same time.
    assert str(head_synth.scratch / "src") not in head_synth.worktrees_after


def test_the_worktree_goes_away_when_the_synth_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[Path] = []
    real_mkdtemp = tempfile.mkdtemp

    def mkdtemp(prefix: str) -> str:
        made.append(Path(real_mkdtemp(prefix=prefix)))
        return str(made[-1])

    monkeypatch.setattr(baseline, "PYTHON", Path("/bin/false"))
    monkeypatch.setattr(baseline.tempfile, "mkdtemp", mkdtemp)
    with pytest.raises(BaselineError, match="synth of HEAD"), synthesized("HEAD"):
        pass
    [scratch] = made
    assert str(scratch / "src") not in worktrees()
    assert not scratch.exists()


def test_an_unknown_ref_is_an_error() -> None:
    with pytest.raises(BaselineError, match="no-such-ref"), synthesized("no-such-ref-xyz"):
        pass
