"""CORS as a browser app needs it, no wider (infra/cors.py): what a deployed stack must hold for
the web sample, read from the template. The demo (a disposable stage with no ``corsOrigins``)
allows the web sample's local origin; the variant (``prod``) lists two origins; a protected stage
without the key allows none."""

from __future__ import annotations

from typing import Any

import pytest

from facts.web import LOCAL_ORIGIN
from infra import cors
from infra.config import ConfigError, parse_config
from tests.support.configs import VARIANT_ORIGINS, demo_raw
from tests.support.template import Synth, Synthesized

APIS = ("ItemsApi", "DeveloperAuthApi")


def resources(stack: Synthesized, kind: str) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource["Properties"]
        for logical_id, resource in stack.template["Resources"].items()
        if resource["Type"] == kind
    }


def api_ids(stack: Synthesized) -> dict[str, str]:
    """The login and items APIs' logical ids, by their construct's prefix."""
    apis = resources(stack, "AWS::ApiGateway::RestApi")
    return {prefix: next(i for i in apis if i.startswith(prefix)) for prefix in APIS}


def test_origins_come_from_the_config_or_the_stage() -> None:
    assert parse_config(demo_raw()).web_origins == (LOCAL_ORIGIN,)
    assert parse_config({**demo_raw(), "stage": "prod"}).web_origins == ()
    listed = ["https://app.example.com"]
    assert parse_config({**demo_raw(), "stage": "prod", "corsOrigins": listed}).web_origins == (
        "https://app.example.com",
    )
    assert parse_config({**demo_raw(), "corsOrigins": []}).web_origins == ()


@pytest.mark.parametrize(
    ("origins", "message"),
    [
        (["http://app.example.com"], r"corsOrigins\[0\]: .* is not an https:// origin"),
        (["https://app.example.com/path"], r"corsOrigins\[0\]: .* is not an https:// origin"),
        (["*"], r"corsOrigins\[0\]: .* is not an https:// origin"),
        (["https://a.example", "https://a.example"], r"corsOrigins\[1\]: .* is listed twice"),
    ],
)
def test_an_origin_is_scheme_host_and_port_never_a_wildcard(
    origins: list[str], message: str
) -> None:
    with pytest.raises(ConfigError, match=rf"^config\.{message}"):
        parse_config({**demo_raw(), "corsOrigins": origins})


def test_without_origins_nothing_answers_cors() -> None:
    assert cors.preflight((), ["GET"], ["Authorization"]) is None
    assert cors.gateway_response_headers(()) == {}
    assert cors.bucket_rules(()) is None


@pytest.mark.parametrize("which", ["demo", "variant"])
def test_the_bucket_allows_the_origins_object_methods_and_the_sdks_headers(
    synth: Synth, which: str
) -> None:
    stack = getattr(synth, which)
    [bucket] = [p for p in resources(stack, "AWS::S3::Bucket").values() if "CorsConfiguration" in p]
    [rule] = bucket["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedOrigins"] == list(stack.config.web_origins)
    assert sorted(rule["AllowedMethods"]) == ["DELETE", "GET", "HEAD", "PUT"]
    assert "*" not in rule["AllowedHeaders"] and "authorization" in rule["AllowedHeaders"]
    # Only the sample bucket: the access-log bucket is nobody's browser's business.
    assert (
        len([p for p in resources(stack, "AWS::S3::Bucket").values() if "CorsConfiguration" in p])
        == 1
    )


@pytest.mark.parametrize("which", ["demo", "variant"])
def test_every_resource_of_both_apis_answers_preflights_without_credentials(
    synth: Synth, which: str
) -> None:
    stack = getattr(synth, which)
    origins = stack.config.web_origins
    resource_ids = {
        api: {
            logical_id
            for logical_id, p in resources(stack, "AWS::ApiGateway::Resource").items()
            if p["RestApiId"] == {"Ref": api_id}
        }
        for api, api_id in api_ids(stack).items()
    }
    preflights = [
        p
        for p in resources(stack, "AWS::ApiGateway::Method").values()
        if p["HttpMethod"] == "OPTIONS"
    ]
    for api, ids in resource_ids.items():
        answered = {
            p["ResourceId"].get("Ref")
            for p in preflights
            if p["RestApiId"] == {"Ref": api_ids(stack)[api]}
        }
        assert ids <= answered, f"{api}: resources without a preflight: {ids - answered}"
    for method in preflights:
        # A browser's preflight carries no credentials, so none may be asked for.
        assert method["AuthorizationType"] == "NONE"
        assert method["Integration"]["Type"] == "MOCK"
        [answer] = method["Integration"]["IntegrationResponses"]
        headers = answer["ResponseParameters"]
        assert headers["method.response.header.Access-Control-Allow-Origin"] == f"'{origins[0]}'"
        template = answer.get("ResponseTemplates", {}).get("application/json", "")
        for other in origins[1:]:
            assert f'$origin == "{other}"' in template


@pytest.mark.parametrize("which", ["demo", "variant"])
def test_api_gateways_own_answers_carry_the_origin(synth: Synth, which: str) -> None:
    """An IAM refusal (403), throttling (429) or a 5xx is API Gateway's answer, not the
    function's: without these headers the browser sees a network error instead."""
    stack = getattr(synth, which)
    origins = stack.config.web_origins
    responses = resources(stack, "AWS::ApiGateway::GatewayResponse").values()
    expected = cors.gateway_response_headers(origins)
    for api_id in api_ids(stack).values():
        mine = {p["ResponseType"]: p for p in responses if p["RestApiId"] == {"Ref": api_id}}
        assert {"DEFAULT_4XX", "DEFAULT_5XX"} <= set(mine)
        for response in mine.values():  # the customized ones too (BAD_REQUEST_BODY)
            parameters = response["ResponseParameters"]
            assert {
                key.removeprefix("gatewayresponse.header."): value
                for key, value in parameters.items()
            } == expected
    if len(origins) == 1:
        assert expected == {"Access-Control-Allow-Origin": f"'{origins[0]}'"}
    else:
        assert stack.config.web_origins == VARIANT_ORIGINS
        assert expected["Access-Control-Allow-Origin"] == "method.request.header.Origin"


@pytest.mark.parametrize("which", ["demo", "variant"])
def test_the_functions_answer_for_the_same_origins(synth: Synth, which: str) -> None:
    stack = getattr(synth, which)
    functions = resources(stack, "AWS::Lambda::Function").values()
    given = [
        f["Environment"]["Variables"]["CORS_ORIGINS"]
        for f in functions
        if "CORS_ORIGINS" in f.get("Environment", {}).get("Variables", {})
    ]
    assert given == [",".join(stack.config.web_origins)] * 2  # sign-in and items
