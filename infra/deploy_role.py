"""The pipeline's deploy role: GitHub Actions assumes it through GitHub's OIDC provider (no
stored keys), and it may do one thing, assume the CDK bootstrap roles, which deploy."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Aws, Duration
from aws_cdk import aws_iam as iam
from constructs import Construct

# GitHub docs, "Configuring OpenID Connect in Amazon Web Services": the provider URL, the
# audience the official action requests, and the condition keys IAM offers for them.
GITHUB_ISSUER = "token.actions.githubusercontent.com"
STS_AUDIENCE = "sts.amazonaws.com"
# The roles `cdk bootstrap` creates; a pipeline deploys by assuming them (CDK developer guide,
# "Bootstrapping": the bootstrap template's roles).
BOOTSTRAP_ROLES = ("deploy-role", "file-publishing-role", "image-publishing-role", "lookup-role")
DEFAULT_QUALIFIER = "hnb659fds"


def github_subjects(
    repository: str, branches: Sequence[str], environments: Sequence[str]
) -> list[str]:
    """The ``sub`` claims GitHub puts in a job's token (GitHub docs, "About security hardening
    with OpenID Connect", example subject claims): a job in a GitHub environment has
    ``repo:<owner>/<name>:environment:<name>``, any other job on a branch push
    ``repo:<owner>/<name>:ref:refs/heads/<branch>``; pull requests have ``...:pull_request``,
    which is never trusted."""
    return [f"repo:{repository}:ref:refs/heads/{branch}" for branch in branches] + [
        f"repo:{repository}:environment:{environment}" for environment in environments
    ]


class GitHubDeployRole(Construct):
    """A role trusted only by GitHub Actions jobs of ``repository`` on ``branches`` or in
    ``environments`` (``StringEquals`` on the token's ``aud`` and ``sub``: no wildcard), allowed
    only to assume this account's and region's CDK bootstrap roles.

    - ``oidc_provider_arn``: GitHub's OIDC provider if the account has one already (an account
      holds one provider per URL); by default this construct creates it.
    - ``bootstrap_qualifier``: the qualifier given to ``cdk bootstrap``; default ``hnb659fds``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        repository: str,
        branches: Sequence[str],
        environments: Sequence[str],
        oidc_provider_arn: str | None = None,
        bootstrap_qualifier: str = DEFAULT_QUALIFIER,
    ) -> None:
        super().__init__(scope, construct_id)
        subjects = github_subjects(repository, branches, environments)
        if not subjects:
            raise ValueError("the deploy role needs at least one branch or environment to trust")
        provider = (
            iam.OidcProviderNative.from_oidc_provider_arn(self, "GitHub", oidc_provider_arn)
            if oidc_provider_arn
            else iam.OidcProviderNative(
                self, "GitHub", url=f"https://{GITHUB_ISSUER}", client_ids=[STS_AUDIENCE]
            )
        )
        bootstrap_roles = [
            f"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:role/"
            f"cdk-{bootstrap_qualifier}-{kind}-{Aws.ACCOUNT_ID}-{Aws.REGION}"
            for kind in BOOTSTRAP_ROLES
        ]
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.WebIdentityPrincipal(
                provider.oidc_provider_arn,
                {
                    "StringEquals": {
                        f"{GITHUB_ISSUER}:aud": STS_AUDIENCE,
                        f"{GITHUB_ISSUER}:sub": subjects,
                    }
                },
            ),
            description=f"GitHub Actions deploys of {repository}: assumes the CDK bootstrap roles",
            max_session_duration=Duration.hours(1),
            inline_policies={
                "AssumeCdkBootstrapRoles": iam.PolicyDocument(
                    statements=[
                        iam.PolicyStatement(actions=["sts:AssumeRole"], resources=bootstrap_roles)
                    ]
                )
            },
        )
