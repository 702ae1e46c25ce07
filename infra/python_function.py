"""A Python Lambda function the way this app runs them all."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from aws_cdk import CfnDynamicReference, CfnDynamicReferenceService, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.acknowledgements import acknowledge, skip_checkov

LAMBDAS = Path(__file__).resolve().parent.parent / "lambdas"
# Must equal the aws-lambda-powertools pin in pyproject.toml (a test holds them equal).
POWERTOOLS_VERSION = "3.37.0"


# The newest Python the project's tests run on (pyproject.toml's requires-python), so the
# functions run in production on a version their tests ran on; Lambda and Powertools' layer
# offer it too. Lambda's 3.14 waits until the suite does.
RUNTIME = lambda_.Runtime.PYTHON_3_13
# The public SSM parameter holding the Powertools layer ARN for this version and runtime.
POWERTOOLS_LAYER_PARAMETER = (
    f"/aws/service/powertools/python/arm64/{RUNTIME.name}/{POWERTOOLS_VERSION}"
)


class PythonFunction(Construct):
    """``lambdas/<folder>/app.py`` as a function: arm64, the newest Python the tests run on,
    Powertools from that public layer at the pinned version (boto3 from the
    runtime), a log group kept 30 days, and a role that may write those logs and nothing else
    until the caller grants more.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        folder: str,
        description: str,
        timeout: Duration,
        environment: Mapping[str, str],
        removal_policy: RemovalPolicy,
        memory_size: int = 256,
        no_vpc_reason: str = "It calls only AWS APIs over their public endpoints; no VPC needed.",
        no_concurrency_cap_reason: str = (
            "A concurrency cap would throttle sign-ins; the caller bounds the rate."
        ),
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self, "Logs", retention=logs.RetentionDays.ONE_MONTH, removal_policy=removal_policy
        )
        skip_checkov(
            self.log_group,
            (
                "CKV_AWS_158",
                "CloudWatch Logs encrypts at rest already; the functions log no attribute, "
                "password, token or address (tests/lambdas), so a customer key guards nothing.",
            ),
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{description}: its own logs, plus what is granted to it",
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
        powertools = lambda_.LayerVersion.from_layer_version_arn(
            self,
            "Powertools",
            CfnDynamicReference(
                CfnDynamicReferenceService.SSM, POWERTOOLS_LAYER_PARAMETER
            ).to_string(),
        )
        self.function = lambda_.Function(
            self,
            "Function",
            description=description,
            runtime=RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            handler="app.handler",
            code=lambda_.Code.from_asset(str(LAMBDAS / folder), exclude=["__pycache__", "*.pyc"]),
            layers=[powertools],
            memory_size=memory_size,
            timeout=timeout,
            role=self.role,
            log_group=self.log_group,
            environment=dict(environment),
        )
        acknowledge(
            self.function,
            "AwsSolutions-L1",
            f"{RUNTIME.name} is the newest Python the test suite runs on (pyproject.toml's "
            "requires-python; tests/infra/test_python_function.py holds the two equal): the "
            "functions run in AWS on the version their tests ran on.",
        )
        skip_checkov(
            self.function,
            ("CKV_AWS_115", no_concurrency_cap_reason),
            ("CKV_AWS_116", "Invoked synchronously (Cognito, API Gateway); a DLQ never receives."),
            ("CKV_AWS_117", no_vpc_reason),
            ("CKV_AWS_173", "The environment holds names and ids, no secret."),
        )
