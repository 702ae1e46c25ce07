"""What the app's REST APIs share (the login API and the items API): a regional stage ``v1``
that is throttled, writes JSON access logs, publishes metrics and traces, and Lambda proxy
methods that only their own method on that stage, in this account, may invoke."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Aws, RemovalPolicy
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.acknowledgements import acknowledge, skip_checkov

STAGE = "v1"
APIGATEWAY = "apigateway.amazonaws.com"
# API Gateway's access log variables ("$context Variables for access logging"): who, what and
# how it ended; never a body, a header or a token.
_ACCESS_LOG_FIELDS = {
    "requestId": apigateway.AccessLogField.context_request_id(),
    "ip": apigateway.AccessLogField.context_identity_source_ip(),
    "requestTime": apigateway.AccessLogField.context_request_time(),
    "httpMethod": apigateway.AccessLogField.context_http_method(),
    "resourcePath": apigateway.AccessLogField.context_resource_path(),
    "status": apigateway.AccessLogField.context_status(),
    "protocol": apigateway.AccessLogField.context_protocol(),
    "responseLength": apigateway.AccessLogField.context_response_length(),
}
_COGNITO_IDENTITY_FIELD = {
    "cognitoIdentityId": apigateway.AccessLogField.context_identity_cognito_identity_id()
}


def regional_rest_api(
    scope: Construct,
    construct_id: str,
    *,
    name: str,
    description: str,
    rate_limit: int,
    burst_limit: int,
    removal_policy: RemovalPolicy,
    no_cache_reason: str,
    log_identity: bool = False,
    **options: Any,
) -> apigateway.RestApi:
    """A regional REST API ``construct_id`` in ``scope`` with its stage ``v1``, and its access
    log group ``AccessLogs`` beside it (kept 30 days, then ``removal_policy``).

    - ``name``: unique in the account: API Gateway's metrics are keyed by it.
    - ``rate_limit`` / ``burst_limit``: the stage's throttling.
    - ``no_cache_reason``: why the stage has no cache (checkov CKV_AWS_120).
    - ``log_identity``: also log the caller's Cognito identity id. Default: ``False``.
    - ``options``: any other ``RestApi`` prop (``default_method_options``, for one).

    Access logs, which API Gateway writes with the account-wide CloudWatch Logs role of its
    settings (docs/operations.md, "Before the first deploy": ``make deploy`` checks it); no
    execution logs, whose log group API Gateway creates outside the stack; no ``Endpoint``
    output (the stack declares its own).
    """
    access_logs = logs.LogGroup(
        scope, "AccessLogs", retention=logs.RetentionDays.ONE_MONTH, removal_policy=removal_policy
    )
    skip_checkov(
        access_logs,
        ("CKV_AWS_158", "Encrypted at rest already; access logs hold no body or secret."),
    )
    fields = {**_ACCESS_LOG_FIELDS, **(_COGNITO_IDENTITY_FIELD if log_identity else {})}
    api = apigateway.RestApi(
        scope,
        construct_id,
        rest_api_name=name,
        description=description,
        endpoint_types=[apigateway.EndpointType.REGIONAL],
        cloud_watch_role=False,
        deploy_options=apigateway.StageOptions(
            stage_name=STAGE,
            throttling_rate_limit=rate_limit,
            throttling_burst_limit=burst_limit,
            access_log_destination=apigateway.LogGroupLogDestination(access_logs),
            access_log_format=apigateway.AccessLogFormat.custom(
                json.dumps(fields, separators=(",", ":"))
            ),
            metrics_enabled=True,
            tracing_enabled=True,
        ),
        **options,
    )
    api.node.try_remove_child("Endpoint")
    skip_checkov(api.deployment_stage, ("CKV_AWS_120", no_cache_reason))
    acknowledge(
        api.deployment_stage,
        "AwsSolutions-APIG6",
        "Access logs are on (one JSON line per request, no body). Execution logs would go to "
        "a log group API Gateway creates outside the stack (API-Gateway-Execution-Logs_<api "
        "id>/<stage>), which it neither deletes nor gives a retention.",
    )
    return api


def lambda_method(
    resource: apigateway.IResource,
    http_method: str,
    function: lambda_.IFunction,
    **options: Any,
) -> apigateway.Method:
    """``http_method`` on ``resource`` as a Lambda proxy integration. The function's one invoke
    permission for it names this method and path on this API's stage (no test-invoke stage)
    and this account; ``options`` are the method's (``request_validator``, ...)."""
    method = resource.add_method(
        http_method,
        apigateway.LambdaIntegration(function, allow_test_invoke=False),
        **options,
    )
    # LambdaIntegration's permission names the method's ARN but not the account.
    for permission in method.node.find_all():
        if isinstance(permission, lambda_.CfnPermission) and permission.principal == APIGATEWAY:
            permission.source_account = Aws.ACCOUNT_ID
    return method
