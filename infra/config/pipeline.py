"""The pipeline's deploy role (``infra/deploy_role.py``): which GitHub jobs may deploy."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from infra.config.parsing import ConfigError, matching, parse_with, strings

# GitHub's owner/name: letters, digits, '-', '_' and '.' (no wildcard: the trust matches exactly).
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$")
# Branch and environment names as they appear in the token's sub claim; '*' and '?' are left out
# because the trust compares with StringEquals, where they would only ever match themselves.
_BRANCH = re.compile(r"^[A-Za-z0-9_./-]{1,200}$")
_ENVIRONMENT = re.compile(r"^[A-Za-z0-9_.-]{1,255}$")
_PROVIDER_ARN = re.compile(
    r"^arn:aws[a-z-]*:iam::\d{12}:oidc-provider/token\.actions\.githubusercontent\.com$"
)


@dataclass(frozen=True)
class PipelineConfig:
    """The optional deploy-role stack. GitHub Actions jobs of ``repository`` assume the role
    through GitHub's OIDC provider: pushes to ``branches`` (the sandbox deploy) and jobs in the
    GitHub ``environments`` (prod, behind required reviewers). Pull requests never may."""

    repository: str = field(
        metadata=parse_with(matching(_REPOSITORY, "a GitHub owner/name", "my-org/my-app"))
    )
    branches: tuple[str, ...] = field(
        default=("main",), metadata=parse_with(strings(_BRANCH, "a branch name", "main"))
    )
    environments: tuple[str, ...] = field(
        default=("prod",),
        metadata=parse_with(strings(_ENVIRONMENT, "a GitHub environment name", "prod")),
    )
    # An account holds one OIDC provider per URL: give its ARN if GitHub's exists already.
    oidc_provider_arn: str | None = field(
        default=None,
        metadata=parse_with(
            matching(
                _PROVIDER_ARN,
                "the ARN of the account's GitHub OIDC provider",
                "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
            )
        ),
    )

    def __post_init__(self) -> None:
        if not self.branches and not self.environments:
            raise ConfigError(
                "pipeline",
                "names no branch and no environment, so no job could ever deploy",
                'List a branch (such as "main") or a GitHub environment (such as "prod")',
            )
