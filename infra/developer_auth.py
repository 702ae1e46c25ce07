"""Developer-authenticated identities: the user table, the sign-in function and ``POST /login``."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from facts.stack import PASSWORD_MAX_BYTES, PASSWORD_MIN_CHARACTERS, USERNAME_PATTERN
from infra.acknowledgements import acknowledge, skip_checkov
from infra.config import DeveloperAuthConfig
from infra.cors import add_gateway_responses, preflight
from infra.monitoring import SIGN_IN_SERVICE
from infra.python_function import PythonFunction
from infra.rest_api import lambda_method, regional_rest_api
from infra.table import protected_table

# API Gateway allows 29 s. Scrypt takes a fraction of a second at 512 MB; the rest is room for
# the SDK's retries when a dependency is slow: the function starts no AWS call it could not end
# within 19 s, so it answers 503 itself rather than time out (lambdas/developer_auth/app.py).
TIMEOUT_SECONDS = 20
TTL_ATTRIBUTE = "expiresAt"


class DeveloperAuth(Construct):
    """``POST /login`` on a REST API, served by ``lambdas/developer_auth`` (docs/security.md).

    - The user table: on demand, point-in-time recovery, encrypted, retained and protected from
      deletion outside the sandbox stage. Key: the (lower-case) username.
    - The API validates the body against a JSON schema before the function runs, throttles the
      stage (``developerAuth.rateLimit`` / ``burstLimit``), writes access logs, answers CORS for
      ``cors_origins`` only (``infra/cors.py``), and sits behind AWS WAF when
      ``developerAuth.waf``.
    - The function may update this table (each write reads the record back) and ask this
      identity pool for developer tokens, nothing else. API Gateway may invoke it for
      ``POST /login`` on this stage of this API, in this account, and nothing else.
    - Records of unknown usernames expire through the table's TTL attribute, and one window
      creates at most ``developerAuth.unknownNamesPerWindow`` of them.

    Props:

    - ``settings``: the provider name, token lifetime, lock-out, throttling and WAF.
    - ``cors_origins``: the browser origins that may call ``POST /login``. Default: none.
    - ``identity_pool_id`` and ``identity_pool_arn``: the pool that issues the developer tokens.
    - ``tag_transforms``: per principal tag, the transforms applied to a stored tag value, the
      same the pre token hook applies to the claim the tag comes from. Default: none.
    - ``metrics_namespace``: the namespace of the function's Powertools metrics.
    - ``deletion_protection``: the user table's. Default: ``True``.
    - ``removal_policy``: the user table's and the logs'. Default: ``RETAIN``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: DeveloperAuthConfig,
        identity_pool_id: str,
        identity_pool_arn: str,
        metrics_namespace: str,
        tag_transforms: Mapping[str, Sequence[str]] | None = None,
        cors_origins: Sequence[str] = (),
        deletion_protection: bool = True,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        super().__init__(scope, construct_id)
        self.table = protected_table(
            self,
            "Users",
            partition_key="username",
            # Records of unknown usernames (failure counts only) expire; users never do, as
            # lambdas/developer_auth/app.py explains.
            time_to_live_attribute=TTL_ATTRIBUTE,
            aws_managed_key_reason=(
                "Encrypted with the AWS managed key; a customer key would add cost and a key "
                "policy to keep right, for data (salted scrypt hashes) that is useless without it."
            ),
            deletion_protection=deletion_protection,
            removal_policy=removal_policy,
        )
        function = PythonFunction(
            self,
            "SignIn",
            folder="developer_auth",
            description="Developer-authenticated sign-in: user store check, identity pool token",
            timeout=Duration.seconds(TIMEOUT_SECONDS),
            memory_size=512,
            removal_policy=removal_policy,
            environment={
                "USER_TABLE": self.table.table_name,
                "IDENTITY_POOL_ID": identity_pool_id,
                "DEVELOPER_PROVIDER": settings.provider_name,
                "TOKEN_SECONDS": str(settings.token_minutes * 60),
                "MAX_FAILED_ATTEMPTS": str(settings.max_failed_attempts),
                "LOCKOUT_SECONDS": str(settings.lockout_minutes * 60),
                "UNKNOWN_NAMES_PER_WINDOW": str(settings.unknown_names_per_window),
                "CORS_ORIGINS": ",".join(cors_origins),
                "TAG_TRANSFORMS": json.dumps(dict(tag_transforms or {}), sort_keys=True),
                "POWERTOOLS_SERVICE_NAME": SIGN_IN_SERVICE,
                "POWERTOOLS_METRICS_NAMESPACE": metrics_namespace,
            },
        )
        self.function = function.function
        function.role.add_to_principal_policy(
            iam.PolicyStatement(
                # UpdateItem reads the record back (ReturnValues): no GetItem needed. DeleteItem
                # takes back an unknown username's record past the window's budget (its
                # condition spares users; UpdateItem could rewrite one anyway).
                actions=["dynamodb:UpdateItem", "dynamodb:DeleteItem"],
                resources=[self.table.table_arn],
            )
        )
        function.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["cognito-identity:GetOpenIdTokenForDeveloperIdentity"],
                resources=[identity_pool_arn],
            )
        )

        cors = preflight(cors_origins, ["POST"], ["Content-Type"])
        self.api = regional_rest_api(
            self,
            "Api",
            name=f"{Stack.of(self).stack_name}-login",
            description="Developer-authenticated sign-in",
            rate_limit=settings.rate_limit,
            burst_limit=settings.burst_limit,
            removal_policy=removal_policy,
            no_cache_reason="Sign-in answers are per request and must never come from a cache.",
        )
        credentials = self.api.add_model(
            "Credentials",
            content_type="application/json",
            schema=apigateway.JsonSchema(
                schema=apigateway.JsonSchemaVersion.DRAFT4,
                type=apigateway.JsonSchemaType.OBJECT,
                required=["username", "password"],
                additional_properties=False,
                properties={
                    "username": apigateway.JsonSchema(
                        type=apigateway.JsonSchemaType.STRING, pattern=USERNAME_PATTERN
                    ),
                    # Never stricter than the function: a password of at most 256 bytes in
                    # UTF-8 has at most 256 characters, and at most 256 UTF-16 code units, so
                    # the schema passes it however API Gateway counts a string's length.
                    "password": apigateway.JsonSchema(
                        type=apigateway.JsonSchemaType.STRING,
                        min_length=PASSWORD_MIN_CHARACTERS,
                        max_length=PASSWORD_MAX_BYTES,
                    ),
                },
            ),
        )
        add_gateway_responses(self.api, cors_origins)
        login = self.api.root.add_resource("login", default_cors_preflight_options=cors)
        self.login_method = lambda_method(
            login,
            "POST",
            self.function,
            request_validator=self.api.add_request_validator(
                "Validator", validate_request_body=True, validate_request_parameters=True
            ),
            request_models={"application/json": credentials},
        )
        unauthenticated = (
            "POST /login is where users without credentials sign in; the function checks them."
        )
        skip_checkov(self.login_method, ("CKV_AWS_59", unauthenticated))
        acknowledge(self.api, "AwsSolutions-APIG4", unauthenticated)
        acknowledge(self.api, "AwsSolutions-COG4", unauthenticated)
        if settings.waf:
            self._web_acl(self.api.deployment_stage.stage_arn)
        else:
            acknowledge(
                self.api.deployment_stage,
                "AwsSolutions-APIG3",
                "AWS WAF is off by configuration (config.developerAuth.waf = false): stage "
                "throttling and account lock-out bound guessing; set waf to true for production.",
            )

    def _web_acl(self, stage_arn: str) -> None:
        """AWS managed rules plus a per-IP rate limit in front of the stage."""

        def visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
            return wafv2.CfnWebACL.VisibilityConfigProperty(
                cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
            )

        def managed(priority: int, name: str) -> wafv2.CfnWebACL.RuleProperty:
            return wafv2.CfnWebACL.RuleProperty(
                name=name,
                priority=priority,
                override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                        vendor_name="AWS", name=name
                    )
                ),
                visibility_config=visibility(name),
            )

        acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=visibility("developer-auth"),
            rules=[
                managed(1, "AWSManagedRulesCommonRuleSet"),
                managed(2, "AWSManagedRulesKnownBadInputsRuleSet"),
                managed(3, "AWSManagedRulesAmazonIpReputationList"),
                wafv2.CfnWebACL.RuleProperty(
                    name="SignInRatePerIp",
                    priority=4,
                    action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                            aggregate_key_type="IP", limit=100
                        )
                    ),
                    visibility_config=visibility("SignInRatePerIp"),
                ),
            ],
        )
        wafv2.CfnWebACLAssociation(
            self, "WebAclAssociation", resource_arn=stage_arn, web_acl_arn=acl.attr_arn
        )
