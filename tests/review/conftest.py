"""Reviews of the session's synthesized templates and of the small fixture templates."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from review.baseline import synthesized
from review.report import StackReview, review_template
from review.template import Template
from tests.support.template import Synth
from tests.support.template import Template as TemplateJson

FIXTURES = Path(__file__).with_name("fixtures")


def fixture(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((FIXTURES / f"{name}.template.json").read_text())
    return body


def review_of(body: TemplateJson, name: str = "stack") -> StackReview:
    """The review of a template body (deep-copied: tests may modify what they pass)."""
    return review_template(Template.from_json(name, copy.deepcopy(body)))


@pytest.fixture(scope="session")
def default_review(synth: Synth) -> StackReview:
    """The review of the shipped config's synth, with the assembly's metadata."""
    name = synth.default_config.stack_name
    return review_template(Template.load(synth.outdir / f"{name}.template.json"), synth.outdir)


@pytest.fixture(scope="session")
def providers_review(all_providers: TemplateJson) -> StackReview:
    return review_of(all_providers, "allproviders-sandbox")


@pytest.fixture(scope="session")
def path_review(synth: Synth, tmp_path_factory: pytest.TempPathFactory) -> StackReview:
    """The review of HEAD's shipped config as ``make review BASE=HEAD`` synthesizes it: the
    baseline synth turns path metadata on, as the CDK CLI does, so names are construct paths."""
    name = synth.default_config.stack_name
    kept = tmp_path_factory.mktemp("with-paths")
    with synthesized("HEAD") as outdir:
        for path in outdir.glob(f"{name}.*"):
            shutil.copy(path, kept)
    return review_template(Template.load(kept / f"{name}.template.json"), kept)
