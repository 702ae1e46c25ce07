"""CORS as a browser meets it, asked of the target with plain HTTP and an ``Origin`` header:
the bucket and both APIs answer the configured origins (preflights without credentials), their
refusals included, and no other origin; Cognito answers any origin. Offline this checks
``offline.cors`` and the template's rules together; against a deployment, AWS itself.

The configured origins are cdk.json's (``corsOrigins``, or by stage), as the target was
deployed from. A config that allows none (a protected stage by default) still runs every test:
the configured-origin checks then have nothing to ask, and every other origin is refused."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from urllib.parse import urljoin

import pytest

from client.outputs import StackOutputs
from infra.config import CONTEXT_KEY, cdk_json_context, parse_config

ORIGINS = parse_config(cdk_json_context()[CONTEXT_KEY]).web_origins
OTHER_ORIGIN = "https://elsewhere.example"
# What the AWS SDK for JavaScript and a SigV4 fetch ask to send.
SIGNED = "authorization,x-amz-date,x-amz-security-token,content-type"


def ask(method: str, url: str, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
    """The status and headers (lower-case names) of one request, refusals included."""
    request = urllib.request.Request(url, method=method, headers=headers)  # noqa: S310 (http(s) URLs of the target)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (the target's http(s) URL)
            return answer.status, {k.lower(): v for k, v in answer.headers.items()}
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}


def preflight(url: str, origin: str, method: str) -> tuple[int, dict[str, str]]:
    return ask(
        "OPTIONS",
        url,
        {
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": SIGNED,
        },
    )


def object_url(outputs: StackOutputs, key: str) -> str:
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        return f"{endpoint}/{outputs.bucket_name}/{key}"
    return f"https://{outputs.bucket_name}.s3.{outputs.region}.amazonaws.com/{key}"


def test_the_bucket_answers_a_configured_origins_preflight_and_no_others(
    outputs: StackOutputs,
) -> None:
    url = object_url(outputs, "shared/e2e-readme.txt")
    for origin in ORIGINS:
        status, headers = preflight(url, origin, "PUT")
        assert status == 200
        assert headers["access-control-allow-origin"] == origin
        allowed = {h.strip() for h in headers["access-control-allow-headers"].split(",")}
        assert allowed == set(SIGNED.split(","))  # the headers asked for, no pattern
    status, headers = preflight(url, OTHER_ORIGIN, "GET")
    assert status == 403
    assert "access-control-allow-origin" not in headers


def test_an_s3_refusal_is_readable_by_the_page(outputs: StackOutputs) -> None:
    for origin in ORIGINS[:1]:
        status, headers = ask(
            "GET", object_url(outputs, "shared/e2e-readme.txt"), {"Origin": origin}
        )
        assert status == 403  # no credentials: AccessDenied
        assert headers["access-control-allow-origin"] == origin
    _, elsewhere = ask(
        "GET", object_url(outputs, "shared/e2e-readme.txt"), {"Origin": OTHER_ORIGIN}
    )
    assert "access-control-allow-origin" not in elsewhere


@pytest.mark.parametrize("api", ["items", "login"])
def test_each_api_answers_a_configured_origins_preflight(outputs: StackOutputs, api: str) -> None:
    url, method = (
        (urljoin(outputs.items_api_url, "me"), "GET")
        if api == "items"
        else (outputs.login_url, "POST")
    )
    for origin in ORIGINS[-1:]:
        status, headers = preflight(url, origin, method)
        assert status in (200, 204)
        assert headers["access-control-allow-origin"] == origin
        assert method in headers["access-control-allow-methods"]
    _, elsewhere = preflight(url, OTHER_ORIGIN, method)
    assert elsewhere.get("access-control-allow-origin") != OTHER_ORIGIN


def test_api_gateways_own_refusal_is_readable_by_the_page(outputs: StackOutputs) -> None:
    """An unsigned call: API Gateway refuses it itself (403), through its gateway responses."""
    for origin in ORIGINS[:1] or [OTHER_ORIGIN]:
        status, headers = ask("GET", urljoin(outputs.items_api_url, "me"), {"Origin": origin})
        assert status == 403
        if ORIGINS:
            assert headers["access-control-allow-origin"] == origin


def test_cognito_answers_any_origin(outputs: StackOutputs) -> None:
    endpoint = (
        os.environ.get("AWS_ENDPOINT_URL") or f"https://cognito-idp.{outputs.region}.amazonaws.com"
    )
    status, headers = ask(
        "OPTIONS",
        endpoint + "/",
        {
            "Origin": OTHER_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-amz-target,x-amz-user-agent",
        },
    )
    assert status in (200, 204)
    assert headers["access-control-allow-origin"] in ("*", OTHER_ORIGIN)
