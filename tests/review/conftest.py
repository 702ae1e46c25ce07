"""Reviews of the session's synthesized templates and of the small fixture templates."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from infra.config import AppConfig
from review.report import StackReview, review_template
from review.template import Template
from tests.support.template import Synth
from tests.support.template import Template as TemplateJson

FIXTURES = Path(__file__).with_name("fixtures")
AMR = "cognito-identity.amazonaws.com:amr"


def protected_by_config(config: AppConfig) -> bool:
    """Whether the config protects its stage: the one place the review's tests ask it."""
    return config.protected


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
def providers_review(synth: Synth) -> StackReview:
    return review_of(synth.providers.template, synth.providers.config.stack_name)
