"""A stage's deploy role: GitHub Actions assumes it through GitHub's OIDC provider (no stored
keys), and it may do one thing, assume its account's CDK bootstrap roles, which deploy."""

from __future__ import annotations

from aws_cdk import Aws, Duration
from aws_cdk import aws_iam as iam
from constructs import Construct

# GitHub docs, "Configuring OpenID Connect in Amazon Web Services": the provider URL and the
# audience the official action requests. AWS supports no custom claim in a trust policy
# (same page), so the trust pins the two claims it can: `aud` and `sub`.
GITHUB_ISSUER = "token.actions.githubusercontent.com"
STS_AUDIENCE = "sts.amazonaws.com"
# The repository's subject template (GitHub docs, "OpenID Connect reference", "Customizing the
# subject claims"; set once through the REST API, docs/forking.md): with `workflow_ref` in the
# subject, a job's `sub` names the workflow file and the ref it ran from, which GitHub's default
# subject (`repo:<owner>/<name>:environment:<name>`) leaves out, so a job of any workflow on any
# branch that names the environment would match it.
SUBJECT_CLAIM_KEYS = ("repo", "context", "workflow_ref")
# The roles `cdk bootstrap` creates; a pipeline deploys by assuming them (CDK developer guide,
# "Bootstrapping": the bootstrap template's roles).
BOOTSTRAP_ROLES = ("deploy-role", "file-publishing-role", "image-publishing-role", "lookup-role")
DEFAULT_QUALIFIER = "hnb659fds"


def github_subject(repository: str, environment: str, workflow: str, branch: str) -> str:
    """The ``sub`` of a job in GitHub environment ``environment`` of ``workflow`` run from
    ``branch`` of ``repository``, under ``SUBJECT_CLAIM_KEYS``: each key's value in order,
    joined by ``:`` (GitHub's example: ``repo:octo-org/octo-repo:environment:prod:
    job_workflow_ref:...``). ``context`` is ``environment:<name>`` for a job in an environment;
    ``workflow_ref`` is ``<owner>/<name>/<workflow path>@<ref>``."""
    return (
        f"repo:{repository}:environment:{environment}"
        f":workflow_ref:{repository}/{workflow}@refs/heads/{branch}"
    )


class GitHubDeployRole(Construct):
    """A role only one GitHub Actions job may assume: a job in GitHub environment ``environment``
    of ``workflow`` run from ``branch`` of ``repository`` (``StringEquals`` on the token's ``aud``
    and ``sub``: one subject, no wildcard), allowed only to assume this account's and region's
    CDK bootstrap roles.

    - ``existing_oidc_provider``: the account holds GitHub's OIDC provider already (an account
      holds one provider per URL); by default this construct creates it.
    - ``bootstrap_qualifier``: the qualifier given to ``cdk bootstrap``; default ``hnb659fds``.
    """

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
        bootstrap_qualifier: str = DEFAULT_QUALIFIER,
    ) -> None:
        super().__init__(scope, construct_id)
        provider = (
            iam.OidcProviderNative.from_oidc_provider_arn(
                self,
                "GitHub",
                f"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:oidc-provider/{GITHUB_ISSUER}",
            )
            if existing_oidc_provider
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
                        f"{GITHUB_ISSUER}:sub": github_subject(
                            repository, environment, workflow, branch
                        ),
                    }
                },
            ),
            description=(
                f"GitHub Actions deploys of {repository} in environment {environment}: "
                "assumes the CDK bootstrap roles"
            ),
            max_session_duration=Duration.hours(1),
            inline_policies={
                "AssumeCdkBootstrapRoles": iam.PolicyDocument(
                    statements=[
                        iam.PolicyStatement(actions=["sts:AssumeRole"], resources=bootstrap_roles)
                    ]
                )
            },
        )
