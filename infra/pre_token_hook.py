"""The pre token generation hook: ``lambdas/pre_token_generation`` wired to the user pool."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import (
    Aws,
    CfnDynamicReference,
    CfnDynamicReferenceService,
    Duration,
    RemovalPolicy,
    Stack,
)
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.acknowledgements import skip_checkov
from infra.config import IDP_GROUPS_ATTRIBUTE, AppConfig, ConfigError, EventVersion

SOURCE = Path(__file__).resolve().parent.parent / "lambdas" / "pre_token_generation"
# Must equal the aws-lambda-powertools pin in pyproject.toml (a test holds them equal).
POWERTOOLS_VERSION = "3.37.0"
RUNTIME = lambda_.Runtime.PYTHON_3_14
# Cognito waits 5 s for a trigger and retries; the hook needs milliseconds.
TIMEOUT = Duration.seconds(2)
COGNITO_IDP = "cognito-idp.amazonaws.com"


def powertools_layer_parameter(runtime: lambda_.Runtime = RUNTIME) -> str:
    """The public SSM parameter holding the Powertools layer ARN for this version and runtime."""
    return f"/aws/service/powertools/python/arm64/{runtime.name}/{POWERTOOLS_VERSION}"


def refuse_user_writable_inputs(config: AppConfig, user_writable: frozenset[str]) -> None:
    """DESIGN.md invariant 3: no hook input may be an attribute some user can write."""
    for index, claim in enumerate(config.token_hook.claims):
        if claim.source in user_writable:
            raise ConfigError(
                f"tokenHook.claims[{index}].source",
                f"{claim.source!r} is writable by the app client, so any user could set their "
                f"own {claim.claim!r} claim",
                "Use an attribute only administrators write (such as custom:tenant), or take it "
                "off the client's write attributes in infra/user_pool.py",
            )
    if IDP_GROUPS_ATTRIBUTE in user_writable:
        raise ConfigError(
            "tokenHook.idpGroupMap",
            f"{IDP_GROUPS_ATTRIBUTE} is writable by the app client, so users could pick groups",
            "Only the federated client may write it; take it off the native client's write list",
        )


class PreTokenHook(Construct):
    """The hook function, its log group and role, and the user pool trigger.

    arm64 on the newest Python runtime with a Powertools layer; Powertools from its public layer
    at the pinned version, boto3 never imported. Its invoke permission names the user pool and
    the account. Event version ``V2_0`` (ID and access token) or ``V1_0`` (ID token, Lite plan)
    comes from ``config.tokenHook.eventVersion``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: AppConfig,
        user_pool: cognito.UserPool,
        user_writable_attributes: frozenset[str],
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        refuse_user_writable_inputs(config, user_writable_attributes)
        hook = config.token_hook
        self.log_group = logs.LogGroup(
            self, "Logs", retention=logs.RetentionDays.ONE_MONTH, removal_policy=removal_policy
        )
        skip_checkov(
            self.log_group,
            (
                "CKV_AWS_158",
                "CloudWatch Logs encrypts at rest already; the hook logs no attribute, token or "
                "address (tests/lambdas/pre_token_generation), so a customer key guards nothing.",
            ),
        )
        role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Pre token generation hook: write its own logs, nothing else",
            inline_policies={
                "Logs": iam.PolicyDocument(
                    statements=[
                        iam.PolicyStatement(
                            actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                            resources=[self.log_group.log_group_arn],
                        )
                    ]
                )
            },
        )
        settings = {
            "roleArnPrefix": f"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:role/",
            "groups": [
                {
                    "name": group.name,
                    "precedence": group.precedence,
                    "roleName": config.group_role_name(group.name),
                    "scopes": list(group.scopes),
                }
                for group in config.groups
            ],
            "idpGroupMap": dict(hook.idp_group_map),
            "claims": [
                {"claim": c.claim, "source": c.source, "transforms": list(c.transforms)}
                for c in hook.claims
            ],
            "suppressClaims": list(hook.suppress_claims),
        }
        powertools = lambda_.LayerVersion.from_layer_version_arn(
            self,
            "Powertools",
            CfnDynamicReference(
                CfnDynamicReferenceService.SSM, powertools_layer_parameter()
            ).to_string(),
        )
        self.function = lambda_.Function(
            self,
            "Function",
            description="Cognito pre token generation: groups, roles and claims from server facts",
            runtime=RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            handler="app.handler",
            code=lambda_.Code.from_asset(str(SOURCE), exclude=["__pycache__", "*.pyc"]),
            layers=[powertools],
            memory_size=256,
            timeout=TIMEOUT,
            role=role,
            log_group=self.log_group,
            environment={
                "HOOK_CONFIG": Stack.of(self).to_json_string(settings),
                "POWERTOOLS_SERVICE_NAME": "pre-token-generation",
                "POWERTOOLS_METRICS_NAMESPACE": config.app_name,
            },
        )
        skip_checkov(
            self.function,
            ("CKV_AWS_115", "A concurrency cap would throttle sign-ins; Cognito bounds the rate."),
            ("CKV_AWS_116", "Cognito invokes the hook synchronously; a DLQ never receives."),
            ("CKV_AWS_117", "The hook calls no network resource, so it needs no VPC."),
            ("CKV_AWS_173", "The environment holds group names and role names, no secret."),
        )
        version = (
            cognito.LambdaVersion.V2_0
            if hook.event_version is EventVersion.V2_0
            else cognito.LambdaVersion.V1_0
        )
        user_pool.add_trigger(
            cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, self.function, version
        )
        # add_trigger's permission (made under the pool) names the pool but not the account.
        permissions = [
            child
            for child in user_pool.node.find_all()
            if isinstance(child, lambda_.CfnPermission) and child.principal == COGNITO_IDP
        ]
        if len(permissions) != 1:
            raise RuntimeError(f"expected one Cognito invoke permission, found {len(permissions)}")
        permissions[0].source_account = Aws.ACCOUNT_ID
