"""Reviews of the session's synthesized templates and of the small fixture templates."""

from __future__ import annotations

import copy
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from infra.config import CONTEXT_KEY, AppConfig, parse_config
from review import baseline
from review.baseline import synthesized
from review.report import StackReview, review_template
from review.template import Template
from tests.support.template import Synth
from tests.support.template import Template as TemplateJson

FIXTURES = Path(__file__).with_name("fixtures")
AMR = "cognito-identity.amazonaws.com:amr"


def fixture(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((FIXTURES / f"{name}.template.json").read_text())
    return body


def review_of(body: TemplateJson, name: str = "stack") -> StackReview:
    """The review of a template body (deep-copied: tests may modify what they pass)."""
    return review_template(Template.from_json(name, copy.deepcopy(body)))


@pytest.fixture(scope="session")
def default_review(synth: Synth) -> StackReview:
    """The review of the demo config's synth, with the assembly's metadata."""
    return review_template(Template.load(synth.demo.path), synth.outdir)


@pytest.fixture(scope="session")
def providers_review(all_providers: TemplateJson) -> StackReview:
    return review_of(all_providers, "allproviders-sandbox")


def worktrees() -> set[str]:
    listing = baseline._git("worktree", "list", "--porcelain")
    return {line.split(" ", 1)[1] for line in listing.splitlines() if line.startswith("worktree ")}


@dataclass(frozen=True)
class HeadSynth:
    """One synth of HEAD in a temporary worktree (a few seconds), shared by the tests that
    need one: the assembly's files kept, and the worktrees during and after."""

    kept: Path
    scratch: Path
    worktree_during: bool
    worktrees_after: set[str]
    config: AppConfig  # HEAD's cdk.json config, whatever the working tree's says


@pytest.fixture(scope="session")
def head_synth(tmp_path_factory: pytest.TempPathFactory) -> HeadSynth:
    kept = tmp_path_factory.mktemp("with-paths")
    with synthesized("HEAD") as outdir:
        for path in outdir.glob("*.json"):
            shutil.copy(path, kept)
        scratch = outdir.parent
        during = str(scratch / "src") in worktrees()
    context = json.loads(baseline._git("show", "HEAD:cdk.json"))["context"]
    return HeadSynth(kept, scratch, during, worktrees(), parse_config(context[CONTEXT_KEY]))


@pytest.fixture(scope="session")
def path_review(head_synth: HeadSynth) -> StackReview:
    """The review of HEAD's cdk.json config as ``make review BASE=HEAD`` synthesizes it: the
    baseline synth turns path metadata on, as the CDK CLI does, so names are construct paths."""
    name = head_synth.config.stack_name
    kept = head_synth.kept
    return review_template(Template.load(kept / f"{name}.template.json"), kept)
