"""A git ref synthesized in a temporary worktree at a given stage, removed afterwards even on
error; and the review of that synth, whose path metadata names construct paths.

The one synth of HEAD (several seconds) is module-scoped, so every test that needs it lives
here and pytest-xdist's loadscope runs them on one worker.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from infra.config import CONTEXT_KEY, AppConfig, Stage, parse_config
from review import baseline, stages
from review.baseline import BaselineError, synthesized
from review.losses import assembly
from review.render import to_json, to_markdown
from review.report import Review, StackReview, review_template
from review.template import Template
from tests.review.conftest import protected_by_config


def worktrees() -> set[str]:
    listing = baseline._git("worktree", "list", "--porcelain")
    return {line.split(" ", 1)[1] for line in listing.splitlines() if line.startswith("worktree ")}


@dataclass(frozen=True)
class HeadSynth:
    """The synth of HEAD: the assembly's files kept, and the worktrees during and after."""

    kept: Path
    scratch: Path
    worktree_during: bool
    worktrees_after: set[str]
    config: AppConfig  # HEAD's cdk.json config at STAGE, whatever the working tree's says


# Not the shipped config's stage: the synth must build the stage it is asked for (the gate
# builds base and head at the same stage).
STAGE = Stage.PROD


@pytest.fixture(scope="module")
def head_synth(tmp_path_factory: pytest.TempPathFactory) -> HeadSynth:
    kept = tmp_path_factory.mktemp("with-paths")
    with synthesized("HEAD", stage=STAGE) as outdir:
        for path in outdir.glob("*.json"):
            shutil.copy(path, kept)
        scratch = outdir.parent
        during = str(scratch / "src") in worktrees()
    context = json.loads(baseline._git("show", "HEAD:cdk.json"))["context"]
    config = parse_config({**context[CONTEXT_KEY], "stage": STAGE})
    return HeadSynth(kept, scratch, during, worktrees(), config)


@pytest.fixture(scope="module")
def path_review(head_synth: HeadSynth) -> StackReview:
    """The review of HEAD's cdk.json config as ``make review BASE=HEAD`` synthesizes it: the
    baseline synth turns path metadata on, as the CDK CLI does, so names are construct paths."""
    name = head_synth.config.stack_name
    kept = head_synth.kept
    return review_template(Template.load(kept / f"{name}.template.json"), kept)


def test_head_synthesizes_and_the_worktree_goes_away(head_synth: HeadSynth) -> None:
    templates = list(head_synth.kept.glob("*.template.json"))
    assert templates
    # The CLI's path metadata is on, so roles get the same names as in `make synth`.
    assert '"aws:cdk:path"' in templates[0].read_text()
    assert head_synth.worktree_during
    assert not head_synth.scratch.exists()
    # Only this synth's worktree is judged: other tests may hold their own at the same time.
    assert str(head_synth.scratch / "src") not in head_synth.worktrees_after


def test_the_ref_is_built_at_the_stage_asked_for(head_synth: HeadSynth) -> None:
    stack = assembly(head_synth.kept)[head_synth.config.stack_name]
    assert stages.protected(stack) is protected_by_config(head_synth.config)


def test_a_synth_with_path_metadata_names_construct_paths(
    path_review: StackReview, head_synth: HeadSynth
) -> None:
    config = head_synth.config  # whatever its groups
    first, last = config.groups[0].name, config.groups[-1].name
    text = to_markdown(Review([path_review]))
    client = "user pool Users/Pool (client Users/Pool/AppClient)"
    assert f"| `{client} / group {first}` |" in text
    assert f"#### `{config.group_role_name(first)}` (Groups/{first}Role)" in text
    assert "UsersPoolBFC35D3B" not in text
    data = json.loads(to_json(Review([path_review])))
    by_name = {role["name"]: role for role in data["stacks"][0]["roles"].values()}
    last_role = by_name[config.group_role_name(last)]
    assert last_role["reached_by"] == [f"{client} / group {last}"]
    assert last_role["key"] == f"Groups/{last}Role"


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
