"""The handler and its construct agree: the function's folder cannot import infra/, so what
both must know is written twice and held equal here, against the session's template."""

from __future__ import annotations

from infra import monitoring
from infra.monitoring import ITEMS_SERVICE
from lambdas.items import app
from tests.infra.test_items_api import api_id, methods
from tests.support.template import Synth, resources, service_function


def test_the_text_limit_is_the_request_models(synth: Synth) -> None:
    # API Gateway refuses a longer text before the function runs; the function refuses it too.
    limits = [
        model["Properties"]["Schema"]["properties"]["text"]["maxLength"]
        for model in resources(synth.demo.template, "AWS::ApiGateway::Model").values()
        if "text" in model["Properties"]["Schema"].get("properties", {})
    ]
    assert limits == [app.MAX_TEXT]


def test_the_function_gets_every_setting_the_handler_reads(synth: Synth) -> None:
    wanted = service_function(ITEMS_SERVICE)
    [function] = [
        function
        for function in resources(synth.demo.template, "AWS::Lambda::Function").values()
        if function["Properties"]["Environment"]["Variables"].items()
        >= wanted["Environment"]["Variables"].items()
    ]
    variables = function["Properties"]["Environment"]["Variables"]
    assert {"ITEMS_TABLE", "IDENTITY_POOL_ID", "DELETE_ANY_ROLES"} <= set(variables)
    # The admin-preset groups' roles, by the fixed names the roles are given.
    config = synth.demo.config
    admins = {config.group_role_name(g.name) for g in config.groups if g.preset == "admin"}
    assert set(variables["DELETE_ANY_ROLES"].split(",")) == admins


def test_the_listing_declares_the_query_string_the_handler_reads(synth: Synth) -> None:
    declared = {
        name
        for method in resources(synth.demo.template, "AWS::ApiGateway::Method").values()
        for name in method["Properties"].get("RequestParameters", {})
        if name.startswith("method.request.querystring.")
    }
    assert declared == {f"method.request.querystring.{app.NEXT}"}


def test_the_monitored_refusals_are_the_handlers_metric_names() -> None:
    assert (monitoring.ITEM_REFUSED, monitoring.CALLER_REFUSED) == (app.REFUSED, app.CALLER_REFUSED)


def test_the_not_found_answer_lists_every_method_of_the_api(synth: Synth) -> None:
    template = synth.demo.template
    api = api_id(template, synth.demo.config.stack_name)
    assert set(app.ROUTES) == {f"{verb} {path}" for verb, path in methods(template, api)}
