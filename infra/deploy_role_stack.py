"""The optional second stack: the pipeline's deploy role (``config.pipeline``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from infra.deploy_role import GitHubDeployRole


class DeployRoleStack(Stack):
    """One per account: GitHub's OIDC provider (unless the account has one) and the deploy role
    the workflows in ``.github/workflows/deploy.yml`` assume."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        repository: str,
        branches: Sequence[str],
        environments: Sequence[str],
        oidc_provider_arn: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        deploy = GitHubDeployRole(
            self,
            "Deploy",
            repository=repository,
            branches=branches,
            environments=environments,
            oidc_provider_arn=oidc_provider_arn,
        )
        CfnOutput(self, "DeployRoleArnOutput", key="DeployRoleArn", value=deploy.role.role_arn)
