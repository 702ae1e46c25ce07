"""Alarms and one dashboard for sign-ins, tokens, credentials and the items API
(docs/operations.md)."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from constructs import Construct

# The ``service`` dimension Powertools Metrics adds from POWERTOOLS_SERVICE_NAME, which the
# functions' constructs set from these; the namespace is the stack name.
HOOK_SERVICE = "pre-token-generation"
SIGN_IN_SERVICE = "developer-auth"
ITEMS_SERVICE = "items"
# The trigger sources of the pre token generation event (Cognito developer guide, "Pre token
# generation Lambda trigger"); the hook adds each as the ``triggerSource`` dimension.
TRIGGER_SOURCES = (
    "TokenGeneration_Authentication",
    "TokenGeneration_HostedAuth",
    "TokenGeneration_NewPasswordChallenge",
    "TokenGeneration_AuthenticateDevice",
    "TokenGeneration_RefreshTokens",
)
# The developer-auth function's outcome metrics (lambdas/developer_auth/app.py).
SIGN_IN_OUTCOMES = ("SignInSucceeded", "SignInFailed", "SignInLocked", "SignInUnavailable")
# The developer-auth function calls GetOpenIdTokenForDeveloperIdentity once per
# SignInSucceeded (lambdas/developer_auth/app.py); identity pools publish no per-pool metric of
# their own for GetId, GetCredentialsForIdentity or that call (CloudTrail records them).
DEVELOPER_TOKENS = "SignInSucceeded"
# The developer-auth function's refusal of a user record whose stored tags no session may carry
# (lambdas/developer_auth/app.py): it answers 500 without failing, so Lambda counts no error.
SIGN_IN_DATA_ERROR = "SignInDataError"
# The developer-auth function's answer when DynamoDB or Cognito fails (throttled, erroring, too
# slow): 503 with Retry-After, without failing, so Lambda counts no error.
SIGN_IN_UNAVAILABLE = "SignInUnavailable"
# The items function's refusals (lambdas/items/app.py): ItemRefused, a PUT or DELETE on another
# identity's item; CallerRefused, a request IAM let in whose credentials are not this identity
# pool's (or carry no identity id).
ITEM_REFUSED = "ItemRefused"
CALLER_REFUSED = "CallerRefused"


# When each alarm fires. Constants, not config: each is a judgement about this sign-in path,
# written next to its reason; changing one is a reviewed code change (docs/operations.md).
# Every alarm looks at windows of this many minutes.
PERIOD_MINUTES = 5
# The hook's p99 duration over this share of its own timeout (read from the function) in 2 of 3
# periods. Cognito denies the token when the hook times out, so this fires before users see
# failures.
HOOK_DURATION_RATIO = 0.8
# CallerRefused in one period. Only this identity pool's roles are meant to reach the items API,
# and their credentials always carry its identity, so a single one means some other grant
# (a user, a role of another trust) reaches the API: worth a look at once.
CALLERS_REFUSED = 1
# SignInDataError in one period. Only the operator tool writes user records, and it refuses
# such tags, so one means a record written by hand or tampered with, and that user cannot sign
# in until it is fixed: worth a look at once. The 5xx rate alarm would miss it below its
# minimum of requests.
STORED_DATA_ERRORS = 1
# SignInUnavailable in one period. These were the function's errors before it answered them
# itself (503), and the errors alarm paged on the first: so does this one, since a throttled
# token quota or a lost permission stops every sign-in, and the 5xx rate alarm misses it below
# its minimum of requests.
DEPENDENCY_FAILURES = 1
# Answers of "locked" (429, SignInLocked) in one period. One user retrying a locked account
# makes a few; more is someone guessing passwords.
LOCKED_SIGN_INS = 10
# The share of an API's answers that are 4xx. Single 4xx are normal (POST /login: wrong
# passwords and lock-outs; the items API: a route the caller's role lacks, another owner's item,
# a missing one), so only a flood of them counts. Below the minimum of requests in a period the
# rate is not judged (two requests, one typo, is not 50 % worth waking anyone).
CLIENT_ERROR_PERCENT = 50
CLIENT_ERROR_MIN_REQUESTS = 20
# The share of 5xx answers. Below the minimum the rate is not judged: a failing function already
# pages through its own errors alarm (SignInErrors, ItemsErrors) on its first error, so at low
# traffic the 5xx rate would only page a second time for the same fault.
SERVER_ERROR_PERCENT = 1
SERVER_ERROR_MIN_REQUESTS = 20


class Monitoring(Construct):
    """CloudWatch alarms on the pre token hook, the developer sign-in and its API, and the
    items API and its function, plus one dashboard (``<stack>-sign-in``) for sign-ins, tokens,
    credentials and the items API.

    - ``metrics_namespace``: where the functions publish their Powertools metrics (the stack
      name, ``<appName>-<stage>``).
    - ``alarm_topic``: the SNS topic every alarm notifies, on alarm and on recovery. ``None``:
      the alarms have no actions; they show in the console and on the dashboard only.
    - Thresholds: the constants above. Hook errors and throttles, the developer-auth and
      items functions' errors, and a refused stored user record alarm on the first one.

    Alarm names are left to CloudFormation (unique, within its limits); each alarm's
    description says what it means and where the first response is (docs/operations.md).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        hook: lambda_.Function,
        sign_in: lambda_.Function,
        api: apigateway.RestApi,
        items: lambda_.Function,
        items_api: apigateway.RestApi,
        user_pool: cognito.UserPool,
        user_pool_client: cognito.UserPoolClient,
        metrics_namespace: str,
        dashboard_name: str,
        alarm_topic: sns.ITopic | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        if hook.timeout is None:
            raise ValueError(
                f"{hook.node.path} has no timeout, so the duration alarm has nothing to compare "
                "with. Give the function an explicit timeout (infra/pre_token_hook.py)"
            )
        period = Duration.minutes(PERIOD_MINUTES)
        self.alarms: list[cloudwatch.Alarm] = []

        def alarm(
            name: str,
            metric: cloudwatch.IMetric,
            threshold: float,
            description: str,
            evaluation_periods: int = 1,
            datapoints: int = 1,
        ) -> cloudwatch.Alarm:
            created = cloudwatch.Alarm(
                self,
                name,
                metric=metric,
                threshold=threshold,
                evaluation_periods=evaluation_periods,
                datapoints_to_alarm=datapoints,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                # No traffic is no trouble: missing data never alarms.
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                alarm_description=f"{description} See docs/operations.md#{name.lower()}.",
            )
            if alarm_topic is not None:
                created.add_alarm_action(actions.SnsAction(alarm_topic))
                created.add_ok_action(actions.SnsAction(alarm_topic))
            self.alarms.append(created)
            return created

        alarm(
            "HookErrors",
            hook.metric_errors(period=period, statistic="Sum"),
            1,
            "The pre token hook failed: Cognito issued no token to those sign-ins or refreshes.",
        )
        alarm(
            "HookThrottles",
            hook.metric_throttles(period=period, statistic="Sum"),
            1,
            "The pre token hook was throttled (account concurrency): sign-ins failed.",
        )
        timeout_ms = hook.timeout.to_milliseconds()
        alarm(
            "HookDuration",
            hook.metric_duration(period=period, statistic="p99"),
            round(timeout_ms * HOOK_DURATION_RATIO),
            f"The pre token hook's p99 duration is near its {timeout_ms} ms timeout; past it, "
            "Cognito denies the token.",
            evaluation_periods=3,
            datapoints=2,
        )
        alarm(
            "SignInErrors",
            sign_in.metric_errors(period=period, statistic="Sum"),
            1,
            "The developer sign-in function failed: POST /login answered 5xx.",
        )

        def published(name: str, service: str) -> cloudwatch.Metric:
            """The sum per period of a metric that ``service``'s function publishes."""
            return cloudwatch.Metric(
                namespace=metrics_namespace,
                metric_name=name,
                dimensions_map={"service": service},
                period=period,
                statistic="Sum",
            )

        alarm(
            "SignInLockouts",
            published("SignInLocked", SIGN_IN_SERVICE),
            LOCKED_SIGN_INS,
            "Many developer sign-ins were refused as locked: someone may be guessing passwords.",
        )
        alarm(
            "SignInDataErrors",
            published(SIGN_IN_DATA_ERROR, SIGN_IN_SERVICE),
            STORED_DATA_ERRORS,
            "A developer user's stored record holds tags no session may carry (written by hand "
            "or tampered with): that user's sign-ins answer 500 until the record is fixed.",
        )
        alarm(
            "SignInUnavailable",
            published(SIGN_IN_UNAVAILABLE, SIGN_IN_SERVICE),
            DEPENDENCY_FAILURES,
            "Developer sign-in answered 503: DynamoDB or Cognito failed (throttled, erroring or "
            "too slow); the function's log names the call and AWS's error code.",
        )

        def error_rate(
            api: apigateway.RestApi, errors: cloudwatch.Metric, minimum: int, label: str
        ) -> cloudwatch.IMetric:
            """The share of ``api``'s answers that were errors, counted only from ``minimum``
            requests."""
            return cloudwatch.MathExpression(
                expression=f"IF(requests >= {minimum}, 100 * errors / requests, 0)",
                using_metrics={
                    "errors": errors,
                    "requests": api.metric_count(period=period, statistic="Sum"),
                },
                label=label,
                period=period,
            )

        alarm(
            "ApiClientErrors",
            error_rate(
                api,
                api.metric_client_error(period=period, statistic="Sum"),
                CLIENT_ERROR_MIN_REQUESTS,
                "POST /login 4xx %",
            ),
            CLIENT_ERROR_PERCENT,
            "Most POST /login answers are 4xx: a client sends bad requests, or a guessing run.",
        )
        alarm(
            "ApiServerErrors",
            error_rate(
                api,
                api.metric_server_error(period=period, statistic="Sum"),
                SERVER_ERROR_MIN_REQUESTS,
                "POST /login 5xx %",
            ),
            SERVER_ERROR_PERCENT,
            "POST /login answers 5xx: the function or its integration fails.",
        )
        alarm(
            "ItemsErrors",
            items.metric_errors(period=period, statistic="Sum"),
            1,
            "The items function failed: the items API answered 5xx.",
        )
        alarm(
            "ItemsCallerRefused",
            published(CALLER_REFUSED, ITEMS_SERVICE),
            CALLERS_REFUSED,
            "The items API let in a caller whose credentials are not this identity pool's: an "
            "IAM grant outside the identity pool's roles reaches the API.",
        )
        alarm(
            "ItemsApiClientErrors",
            error_rate(
                items_api,
                items_api.metric_client_error(period=period, statistic="Sum"),
                CLIENT_ERROR_MIN_REQUESTS,
                "items API 4xx %",
            ),
            CLIENT_ERROR_PERCENT,
            "Most items API answers are 4xx: a client sends bad or unsigned requests, or someone "
            "calls routes their role does not grant (another tenant's).",
        )
        alarm(
            "ItemsApiServerErrors",
            error_rate(
                items_api,
                items_api.metric_server_error(period=period, statistic="Sum"),
                SERVER_ERROR_MIN_REQUESTS,
                "items API 5xx %",
            ),
            SERVER_ERROR_PERCENT,
            "The items API answers 5xx: the function or its integration fails.",
        )

        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=dashboard_name,
            widgets=self._widgets(
                hook,
                sign_in,
                api,
                items,
                items_api,
                user_pool,
                user_pool_client,
                metrics_namespace,
                period,
            ),
        )

    def _widgets(
        self,
        hook: lambda_.Function,
        sign_in: lambda_.Function,
        api: apigateway.RestApi,
        items: lambda_.Function,
        items_api: apigateway.RestApi,
        user_pool: cognito.UserPool,
        client: cognito.UserPoolClient,
        namespace: str,
        period: Duration,
    ) -> list[list[cloudwatch.IWidget]]:
        def cognito_metric(name: str, statistic: str, label: str) -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace="AWS/Cognito",
                metric_name=name,
                dimensions_map={
                    "UserPool": user_pool.user_pool_id,
                    "UserPoolClient": client.user_pool_client_id,
                },
                statistic=statistic,
                period=period,
                label=label,
            )

        def own(name: str, dimensions: dict[str, str], label: str) -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace=namespace,
                metric_name=name,
                dimensions_map=dimensions,
                statistic="Sum",
                period=period,
                label=label,
            )

        # Successes is 1 per success and 0 per failure: Sum counts successes, SampleCount tries.
        user_pool_sign_ins = cloudwatch.GraphWidget(
            title="User pool sign-ins and refreshes (AWS/Cognito)",
            width=12,
            left=[
                cognito_metric("SignInSuccesses", "Sum", "sign-ins succeeded"),
                cognito_metric("SignInSuccesses", "SampleCount", "sign-ins tried"),
                cognito_metric("TokenRefreshSuccesses", "Sum", "refreshes succeeded"),
                cognito_metric("TokenRefreshSuccesses", "SampleCount", "refreshes tried"),
            ],
            right=[
                cognito_metric("SignInThrottles", "Sum", "sign-ins throttled"),
                cognito_metric("TokenRefreshThrottles", "Sum", "refreshes throttled"),
            ],
        )
        tokens = cloudwatch.GraphWidget(
            title="Tokens shaped by the pre token hook (TokensIssued)",
            width=12,
            stacked=True,
            left=[
                own(
                    "TokensIssued",
                    {"service": HOOK_SERVICE, "triggerSource": source},
                    source.removeprefix("TokenGeneration_"),
                )
                for source in TRIGGER_SOURCES
            ],
        )

        def function_health(title: str, function: lambda_.Function) -> cloudwatch.GraphWidget:
            return cloudwatch.GraphWidget(
                title=title,
                width=12,
                left=[
                    function.metric_invocations(period=period, statistic="Sum"),
                    function.metric_errors(period=period, statistic="Sum"),
                    function.metric_throttles(period=period, statistic="Sum"),
                ],
                right=[
                    function.metric_duration(period=period, statistic="p50", label="p50 ms"),
                    function.metric_duration(period=period, statistic="p99", label="p99 ms"),
                ],
            )

        hook_health = function_health("Pre token hook: invocations, errors, duration", hook)
        developer = cloudwatch.GraphWidget(
            title="Developer sign-ins (POST /login)",
            width=12,
            left=[
                own(outcome, {"service": SIGN_IN_SERVICE}, outcome) for outcome in SIGN_IN_OUTCOMES
            ],
            right=[sign_in.metric_errors(period=period, statistic="Sum")],
        )

        def api_widgets(title: str, rest_api: apigateway.RestApi) -> list[cloudwatch.IWidget]:
            traffic = cloudwatch.GraphWidget(
                title=f"{title}: requests and errors",
                width=12,
                left=[
                    rest_api.metric_count(period=period, statistic="Sum"),
                    rest_api.metric_client_error(period=period, statistic="Sum"),
                    rest_api.metric_server_error(period=period, statistic="Sum"),
                ],
            )
            latency = cloudwatch.GraphWidget(
                title=f"{title}: latency (ms)",
                width=12,
                left=[
                    rest_api.metric_latency(period=period, statistic="p50", label="p50"),
                    rest_api.metric_latency(period=period, statistic="p99", label="p99"),
                    rest_api.metric_integration_latency(
                        period=period, statistic="p99", label="integration p99"
                    ),
                ],
            )
            return [traffic, latency]

        # Identity pools publish no per-pool metric for GetId or GetCredentialsForIdentity:
        # what this stack can show is the developer tokens its own function obtains.
        credentials = cloudwatch.GraphWidget(
            title="Developer identity tokens issued (GetOpenIdTokenForDeveloperIdentity)",
            width=12,
            left=[
                own(
                    DEVELOPER_TOKENS,
                    {"service": SIGN_IN_SERVICE},
                    "developer tokens (one per successful POST /login)",
                )
            ],
        )
        no_metric = cloudwatch.TextWidget(
            width=12,
            height=6,
            markdown=(
                "### Identity pool credentials\n"
                "Cognito identity pools publish no per-pool CloudWatch metric for `GetId` or "
                "`GetCredentialsForIdentity`. Those calls are in CloudTrail "
                "(`eventsource = cognito-identity.amazonaws.com`); see docs/operations.md. "
                "The graph on the left counts the developer tokens the sign-in function "
                "obtained, which the app then exchanges for credentials."
            ),
        )
        refusals = cloudwatch.GraphWidget(
            title="Items function refusals",
            width=12,
            left=[
                own(name, {"service": ITEMS_SERVICE}, name)
                for name in (ITEM_REFUSED, CALLER_REFUSED)
            ],
        )
        status = cloudwatch.AlarmStatusWidget(title="Alarms", alarms=self.alarms, width=24)
        return [
            [status],
            [user_pool_sign_ins, tokens],
            [hook_health, developer],
            api_widgets("Login API", api),
            [credentials, no_metric],
            api_widgets("Items API", items_api),
            [function_health("Items function: invocations, errors, duration", items), refusals],
        ]
