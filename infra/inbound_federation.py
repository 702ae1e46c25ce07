"""The inbound federation trigger: ``lambdas/inbound_federation`` wired to the user pool."""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.config import FederationConfig, trigger_settings
from infra.pre_token_hook import COGNITO_IDP, TIMEOUT_SECONDS
from infra.python_function import PythonFunction

# CloudFormation reference, AWS::Cognito::UserPool LambdaConfig: InboundFederation; the API
# reference's InboundFederationLambdaType: "You must use a LambdaVersion of V1_0".
LAMBDA_VERSION = "V1_0"


class InboundFederation(Construct):
    """The trigger function (``infra/python_function.py``), its invoke permission (this pool,
    this account) and the pool's ``LambdaConfig.InboundFederation``.

    aws-cdk-lib has no ``UserPoolOperation`` for this trigger, so it is set on the pool's L1 as
    a property override of the nested key: the L2 renders the rest of ``LambdaConfig`` (the pre
    token hook) itself, and an override of the whole ``LambdaConfig`` would drop it.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: FederationConfig,
        user_pool: cognito.UserPool,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.function = PythonFunction(
            self,
            "Trigger",
            folder="inbound_federation",
            description="Cognito inbound federation: each IdP's groups, mapped at every sign-in",
            timeout=Duration.seconds(TIMEOUT_SECONDS),
            removal_policy=removal_policy,
            no_vpc_reason=(
                "It makes no network calls: it maps the IdP's answer in the event through its "
                "environment alone, so a VPC has nothing to reach."
            ),
            environment={
                "TRIGGER_CONFIG": Stack.of(self).to_json_string(trigger_settings(config)),
                "POWERTOOLS_SERVICE_NAME": "inbound-federation",
            },
        ).function
        self.function.add_permission(
            "CognitoInvoke",
            principal=iam.ServicePrincipal(COGNITO_IDP),
            source_arn=user_pool.user_pool_arn,
            source_account=Aws.ACCOUNT_ID,
        )
        pool = user_pool.node.default_child
        if not isinstance(pool, cognito.CfnUserPool):
            raise TypeError("the user pool's default child is not an AWS::Cognito::UserPool")
        pool.add_property_override(
            "LambdaConfig.InboundFederation",
            {"LambdaArn": self.function.function_arn, "LambdaVersion": LAMBDA_VERSION},
        )
