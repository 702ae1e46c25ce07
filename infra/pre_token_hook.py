"""The pre token generation hook: ``lambdas/pre_token_generation`` wired to the user pool."""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.config import IDP_GROUPS_ATTRIBUTE, AppConfig, ConfigError, EventVersion
from infra.python_function import PythonFunction

# Cognito waits 5 s for a trigger and retries; the hook needs milliseconds.
TIMEOUT_SECONDS = 2
COGNITO_IDP = "cognito-idp.amazonaws.com"


def refuse_user_writable_inputs(config: AppConfig, user_writable: frozenset[str]) -> None:
    """No hook input or principal tag may come from an attribute some user can write
    (docs/security.md, "A user puts themselves in a group")."""
    for index, claim in enumerate(config.token_hook.claims):
        if claim.source in user_writable:
            raise ConfigError(
                f"tokenHook.claims[{index}].source",
                f"{claim.source!r} is writable by the app client, so any user could set their "
                f"own {claim.claim!r} claim",
                "Use an attribute only administrators write (such as custom:tenant), or take it "
                "off the client's write attributes in infra/user_pool.py",
            )
    hook_claims = {claim.claim for claim in config.token_hook.claims}
    for tag, tag_claim in config.principal_tags:
        # A claim the hook sets comes from a source checked above; any other is the attribute.
        if tag_claim not in hook_claims and tag_claim in user_writable:
            raise ConfigError(
                f"principalTags.{tag}",
                f"{tag_claim!r} is writable by the app client, so any user could choose their own "
                f"{tag!r} tag and reach another tenant's data",
                "Tag from a claim the token hook sets or an attribute only administrators write",
            )
    if IDP_GROUPS_ATTRIBUTE in user_writable:
        raise ConfigError(
            "federation",
            f"{IDP_GROUPS_ATTRIBUTE} is writable by the app client, so users could pick groups",
            "Only the federated client may write it; take it off the native client's write list",
        )


class PreTokenHook(Construct):
    """The hook function (``infra/python_function.py``) and the user pool trigger.

    Its invoke permission names the user pool and the account. Event version ``V2_0`` (ID and
    access token) or ``V1_0`` (ID token, Lite plan) comes from ``config.tokenHook.eventVersion``.
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
            "defaultRoleName": config.default_role_name,
            "claims": [
                {"claim": c.claim, "source": c.source, "transforms": list(c.transforms)}
                for c in hook.claims
            ],
            "suppressClaims": list(hook.suppress_claims),
            "taggedClaims": sorted({claim for _, claim in config.principal_tags}),
        }
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
                "HOOK_CONFIG": Stack.of(self).to_json_string(settings),
                "POWERTOOLS_SERVICE_NAME": "pre-token-generation",
                "POWERTOOLS_METRICS_NAMESPACE": config.app_name,
            },
        ).function
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
