"""The pipeline's deploy roles (``infra/deploy_role.py``): which GitHub job may deploy which
stage, and into which account."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from infra.config.parsing import ConfigError, boolean, expect, matching, object_of, parse_with

# GitHub's owner/name: letters, digits, '-', '_' and '.' (no wildcard: the trust matches exactly).
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$")
# A branch and a workflow path as they appear in the token's sub claim. No ':' (GitHub would
# escape it as %3A) and no '*' or '?' (the trust compares with StringEquals, where they would
# only ever match themselves).
_BRANCH = re.compile(r"^[A-Za-z0-9_./-]{1,200}$")
_WORKFLOW = re.compile(r"^\.github/workflows/[A-Za-z0-9_.-]+\.ya?ml$")
# A stage's name, which is also the GitHub environment its deploy job runs in (the stage's
# rule in infra/config/app_config.py).
_STAGE = re.compile(r"^[a-z](?:[a-z0-9-]*[a-z0-9])?$")
_ACCOUNT = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class PipelineStage:
    """One stage the deploy workflow deploys, through the GitHub environment of the same name.

    - ``account``: the stage's own AWS account (recommended: only an account of its own keeps
      another stage's deploy job away from it); pins the stage's stacks to it. ``null``: the
      account of whoever deploys.
    - ``existing_oidc_provider``: the account holds GitHub's OIDC provider already (one per URL
      per account), so the stage's deploy-role stack uses it instead of creating it.
    """

    account: str | None = field(
        default=None,
        metadata=parse_with(matching(_ACCOUNT, "a 12-digit AWS account id", "123456789012")),
    )
    existing_oidc_provider: bool = field(default=False, metadata=parse_with(boolean))


def _stages(value: Any, key: str) -> tuple[tuple[str, PipelineStage], ...]:
    mapping = expect(value, dict, key, '{"sandbox": {}, "prod": {"account": "123456789012"}}')
    if not mapping:
        raise ConfigError(
            key, "names no stage, so no job could ever deploy", 'Name one, such as {"prod": {}}'
        )
    parse_stage = object_of(PipelineStage)
    stages = []
    for stage, raw in mapping.items():
        matching(_STAGE, "a stage name (lower-case letters, digits, inner '-')", "prod")(
            stage, f"{key}.{stage}"
        )
        stages.append((stage, parse_stage(raw, f"{key}.{stage}")))
    return tuple(stages)


@dataclass(frozen=True)
class PipelineConfig:
    """The optional deploy roles, one per stage in ``stages``, each in its own stack
    ``<appName>-<stage>-deploy-role``. GitHub Actions jobs assume a stage's role through GitHub's
    OIDC provider only from ``workflow`` of ``repository``, run from ``branch``, in the GitHub
    environment named after the stage (``infra/deploy_role.py``: the token's subject under the
    subject template docs/forking.md sets). No branch push, tag or pull request ever may."""

    repository: str = field(
        metadata=parse_with(matching(_REPOSITORY, "a GitHub owner/name", "my-org/my-app"))
    )
    stages: tuple[tuple[str, PipelineStage], ...] = field(
        default=(("sandbox", PipelineStage()), ("prod", PipelineStage())),
        metadata=parse_with(_stages),
    )
    workflow: str = field(
        default=".github/workflows/deploy.yml",
        metadata=parse_with(
            matching(_WORKFLOW, "a workflow file's path", ".github/workflows/deploy.yml")
        ),
    )
    branch: str = field(
        default="main", metadata=parse_with(matching(_BRANCH, "a branch name", "main"))
    )

    def stage(self, name: str) -> PipelineStage | None:
        """The stage's pipeline settings; ``None`` for a stage the pipeline does not deploy."""
        return dict(self.stages).get(name)
