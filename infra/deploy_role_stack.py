"""A stage's deploy-role stack (``config.pipeline``), apart from the stage's own stack so that
the job the role lets in never deploys it: a person does (docs/forking.md, "The pipeline")."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from infra.deploy_role import GitHubDeployRole


class DeployRoleStack(Stack):
    """One per stage the pipeline deploys: GitHub's OIDC provider (unless the account has one)
    and the role that stage's job in ``.github/workflows/deploy.yml`` assumes."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        repository: str,
        environment: str,
        workflow: str,
        branch: str,
        existing_oidc_provider: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        deploy = GitHubDeployRole(
            self,
            "Deploy",
            repository=repository,
            environment=environment,
            workflow=workflow,
            branch=branch,
            existing_oidc_provider=existing_oidc_provider,
        )
        CfnOutput(self, "DeployRoleArnOutput", key="DeployRoleArn", value=deploy.role.role_arn)
