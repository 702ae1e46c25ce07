"""The handler and its construct agree: the function's folder cannot import infra/, so what
both must know is written twice and held equal here, against the session's template."""

from __future__ import annotations

from aws_cdk.assertions import Capture, Match

from infra import monitoring
from infra.config import Preset
from infra.monitoring import ITEMS_SERVICE
from lambdas.items import app
from tests.infra.test_items_api import ROUTES
from tests.support.template import Synth, service_function


def test_the_text_limit_is_the_request_models(synth: Synth) -> None:
    # API Gateway refuses a longer text before the function runs; the function refuses it too.
    template = synth.demo.assertions
    text_model = {"Schema": {"properties": {"text": Match.any_value()}}}
    template.resource_properties_count_is("AWS::ApiGateway::Model", text_model, 1)
    template.has_resource_properties(
        "AWS::ApiGateway::Model", {"Schema": {"properties": {"text": {"maxLength": app.MAX_TEXT}}}}
    )


def test_the_function_gets_every_setting_the_handler_reads(synth: Synth) -> None:
    template = synth.demo.assertions
    delete_any = Capture()
    template.resource_properties_count_is(
        "AWS::Lambda::Function", service_function(ITEMS_SERVICE), 1
    )
    template.has_resource_properties(
        "AWS::Lambda::Function",
        service_function(
            ITEMS_SERVICE,
            ITEMS_TABLE=Match.any_value(),
            IDENTITY_POOL_ID=Match.any_value(),
            DELETE_ANY_ROLES=delete_any,
        ),
    )
    # The admin-preset groups' roles, by the fixed names the roles are given.
    config = synth.demo.config
    admins = {config.group_role_name(g.name) for g in config.groups if g.preset is Preset.ADMIN}
    assert set(delete_any.as_string().split(",")) == admins


def test_the_listing_declares_the_query_string_the_handler_reads(synth: Synth) -> None:
    declared = {
        name
        for method in synth.demo.assertions.find_resources("AWS::ApiGateway::Method").values()
        for name in method["Properties"].get("RequestParameters", {})
        if name.startswith("method.request.querystring.")
    }
    assert declared == {f"method.request.querystring.{name}" for name in (app.NEXT, app.LIMIT)}
    assert set(app.QUERY_BY_ROUTE[app.LISTING]) == {app.NEXT, app.LIMIT}


def test_the_sdk_gives_up_on_a_failing_table_before_the_function_times_out(synth: Synth) -> None:
    """The handler answers 503 only if it is still running when the SDK gives up: its worst
    case (every attempt waiting out both timeouts, and the longest backoff between attempts,
    1 s doubling for throttles: AWS SDKs and Tools reference guide, "Retry behavior", standard
    mode) stays below the function's timeout, which stays below API Gateway's 29 s."""
    backoff = sum(2**attempt for attempt in range(app.ATTEMPTS - 1))
    per_attempt = app.CONNECT_TIMEOUT_SECONDS + app.READ_TIMEOUT_SECONDS
    worst_case = app.ATTEMPTS * per_attempt + backoff
    [function] = [
        resource["Properties"]
        for resource in synth.demo.assertions.find_resources(
            "AWS::Lambda::Function", {"Properties": service_function(ITEMS_SERVICE)}
        ).values()
    ]
    assert worst_case < function["Timeout"] < 29


def test_the_monitored_refusals_are_the_handlers_metric_names() -> None:
    assert (monitoring.ITEM_REFUSED, monitoring.CALLER_REFUSED) == (app.REFUSED, app.CALLER_REFUSED)


def test_the_not_found_answer_lists_every_method_of_the_api() -> None:
    # tests/infra/test_items_api.py holds ROUTES to the template's methods, one by one.
    assert set(app.ROUTES) == {f"{verb} {path}" for verb, path in ROUTES}
