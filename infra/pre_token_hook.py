"""The pre token generation hook: ``lambdas/pre_token_generation`` wired to the user pool."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from aws_cdk import Aws, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.config import EventVersion, GroupConfig, TokenHookConfig, hook_settings
from infra.monitoring import HOOK_SERVICE
from infra.python_function import PythonFunction

# Cognito waits 5 s for a trigger and retries; the hook needs milliseconds.
TIMEOUT_SECONDS = 2
COGNITO_IDP = "cognito-idp.amazonaws.com"


class PreTokenHook(Construct):
    """The hook function (``infra/python_function.py``) and the user pool trigger.

    Its invoke permission names the user pool and the account.

    - ``settings``: the claims to add and suppress, and the event version: ``V2_0`` (ID and
      access token) or ``V1_0`` (ID token, Lite plan).
    - ``groups``: the groups whose roles the hook names, with their access token scopes.
    - ``role_names``: each group's role name, ``default_role_name`` the role for users in no
      group. The hook builds the role ARNs from the names, so it needs no reference to a role.
    - ``tagged_claims``: claims that become session tags; the hook refuses a value of one that
      holds an IAM policy wildcard. Default: none.
    - ``metrics_namespace``: the namespace of the hook's Powertools metrics.
    - ``removal_policy``: for the function's log group. Default: ``RETAIN``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        user_pool: cognito.UserPool,
        settings: TokenHookConfig,
        groups: Sequence[GroupConfig],
        role_names: Mapping[str, str],
        default_role_name: str,
        metrics_namespace: str,
        tagged_claims: Collection[str] = (),
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        super().__init__(scope, construct_id)
        settings_json = hook_settings(
            role_arn_prefix=f"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:role/",
            groups=groups,
            role_names=role_names,
            default_role_name=default_role_name,
            settings=settings,
            tagged_claims=tagged_claims,
        )
        self.function = PythonFunction(
            self,
            "Hook",
            folder="pre_token_generation",
            description="Cognito pre token generation: groups, roles and claims from server facts",
            timeout=Duration.seconds(TIMEOUT_SECONDS),
            removal_policy=removal_policy,
            no_vpc_reason=(
                "It makes no network calls: it decides claims from the event and its "
                "environment alone (its metrics go to its log), so a VPC has nothing to reach."
            ),
            environment={
                "HOOK_CONFIG": Stack.of(self).to_json_string(settings_json),
                "POWERTOOLS_SERVICE_NAME": HOOK_SERVICE,
                "POWERTOOLS_METRICS_NAMESPACE": metrics_namespace,
            },
        ).function
        version = (
            cognito.LambdaVersion.V2_0
            if settings.event_version is EventVersion.V2_0
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
