"""Which stages the gate reviews, and which of them are protected.

By default: the config's own stage plus every stage the deploy workflows deploy
(``make deploy ... STAGE=<stage>`` in ``.github/workflows/*.yml``), read from both the base
and the head, so a pull request cannot drop a stage from the review by editing the workflow or
the config it is judged on. ``make review STAGES="a b"`` names them instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from review.losses import USER_POOL, SynthesizedStack

# AppConfig's default stage (infra/config/app_config.py; a test holds them equal).
DEFAULT_STAGE = "sandbox"
WORKFLOWS = ".github/workflows"
_DEPLOY_CALL = re.compile(r"\bmake\s+deploy\b([^\n]*)")
_STAGE = re.compile(r"\bSTAGE=(\S+)")
_LITERAL = re.compile(r"^[a-z](?:[a-z0-9-]*[a-z0-9])?$")

Reader = Callable[[str], str | None]  # a file of the tree by its path, None when absent


class StagesError(ValueError):
    pass


def config_stage(read: Reader, config_file: str | None) -> str:
    """The stage the config names: the config file's (``make review CONFIG=...``), else
    cdk.json's ``context.config``."""
    if config_file:
        raw = read(config_file)
        config = json.loads(raw) if raw else {}
    else:
        raw = read("cdk.json")
        config = (json.loads(raw) if raw else {}).get("context", {}).get("config", {})
    stage = config.get("stage", DEFAULT_STAGE) if isinstance(config, dict) else DEFAULT_STAGE
    return str(stage)


def deployed_stages(workflow: str, where: str) -> list[str]:
    """The stages a workflow's ``make deploy`` calls name. A call without STAGE deploys the
    config's own stage (reviewed anyway); one whose STAGE is an expression cannot be read, and
    stops the review rather than leave a stage unreviewed."""
    stages = []
    for arguments in _DEPLOY_CALL.findall(workflow):
        for value in _STAGE.findall(arguments):
            stage = value.strip("\"'")
            if not _LITERAL.match(stage):
                raise StagesError(
                    f"{where}: `make deploy` takes its stage from {value}, which the review "
                    'cannot read: name the stages to review with STAGES="<stage> ..."'
                )
            stages.append(stage)
    return stages


def stages_of(read: Reader, workflows: Iterable[str], config_file: str | None) -> list[str]:
    """One tree's stages: its config's, then its deploy workflows' (in order, once each)."""
    found = [config_stage(read, config_file)]
    for path in workflows:
        found += deployed_stages(read(path) or "", path)
    return unique(found)


def checkout_reader(root: Path) -> tuple[Reader, list[str]]:
    """A reader of a working tree, and its workflow files."""

    def read(path: str) -> str | None:
        file = root / path
        return file.read_text() if file.is_file() else None

    workflows = sorted(str(p.relative_to(root)) for p in (root / WORKFLOWS).glob("*.y*ml"))
    return read, workflows


def unique(stages: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(stages))


def parse_stages(value: str) -> list[str]:
    """``STAGES="sandbox prod"`` or ``sandbox,prod``."""
    stages = unique(s for s in re.split(r"[\s,]+", value) if s)
    for stage in stages:
        if not _LITERAL.match(stage):
            raise StagesError(
                f"STAGES: {stage!r} is not a stage name (lower-case letters, digits, inner '-')"
            )
    return stages


def protected(stack: SynthesizedStack) -> bool:
    """Whether the stack's stage is protected, as its synth shows: ``AppConfig.protected`` gives
    the stack termination protection (and the user pool deletion protection); a user pool with
    deletion protection also counts, so a stage that keeps its users by hand is judged as one
    that must. Either signal only ever adds stages to those the gate fails on."""
    return bool(stack.termination_protection) or any(
        stack.template.properties(k).get("DeletionProtection") == "ACTIVE"
        for k in stack.template.of_type(USER_POOL)
    )
