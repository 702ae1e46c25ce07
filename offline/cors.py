"""CORS on the offline endpoint, as each AWS service answers a browser (docs/offline.md's
ledger has each rule's source).

- Cognito user pools, Cognito identity pools and STS answer any origin: the AWS SDK for
  JavaScript lists them among the services that support CORS (``apis/metadata.json``,
  ``"cors": true``), and a browser reaches them from any page. Their APIs take no ambient
  credential (no cookie), so the origin decides nothing. The offline endpoint answers their
  preflights (``OPTIONS /``) and adds ``Access-Control-Allow-Origin: *`` to their answers.
- S3 answers from the bucket's CORS rules (``PutBucketCors``; the template's
  ``CorsConfiguration``), once moto's server-wide ``*`` (flask-cors) is off: preflights here
  (:func:`s3_preflight`), and every answer, refusals included, gets the matching rule's headers
  (:func:`s3_answer`).
- REST APIs answer from the template: ``offline.apigateway`` serves the preflight methods and
  the gateway responses' headers, and a function's answer keeps the headers the function gave.
"""

from __future__ import annotations

from collections.abc import Mapping
from fnmatch import fnmatchcase
from typing import Any

from moto.s3.models import s3_backends
from moto.s3.utils import cors_matches_origin
from werkzeug.wrappers import Request, Response

ANY_ORIGIN = "*"
# What the SDKs read from an AWS JSON or query API's answer.
EXPOSED = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date"
PREFLIGHT_MAX_AGE = "86400"
PREFLIGHT_VARY = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"


def any_origin_preflight(request: Request) -> Response:
    """A preflight to Cognito or STS: whatever method and headers the page asks for."""
    response = Response(status=200)
    response.headers["Access-Control-Allow-Origin"] = ANY_ORIGIN
    response.headers["Access-Control-Allow-Methods"] = request.headers.get(
        "Access-Control-Request-Method", "POST"
    )
    asked = request.headers.get("Access-Control-Request-Headers")
    if asked:
        response.headers["Access-Control-Allow-Headers"] = asked
    response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    return response


def any_origin(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = ANY_ORIGIN
    response.headers["Access-Control-Expose-Headers"] = EXPOSED
    return response


def s3_preflight(request: Request, account: str) -> Response:
    """A preflight to the bucket, answered from its CORS rules as S3 evaluates them (S3 user
    guide, "How does Amazon S3 evaluate the CORS configuration on a bucket?"): the first rule
    whose origins, methods and ``AllowedHeader`` patterns match the origin, the requested method
    and every requested header; the answer names the origin and the requested headers. None
    matches: 403 "This CORS request is not allowed" ("Troubleshooting CORS"). No credentials are
    asked for. (moto's own preflight repeats the patterns, which browsers read literally.)"""
    method = request.headers.get("Access-Control-Request-Method", "")
    asked = request.headers.get("Access-Control-Request-Headers", "")
    headers = [header.strip().lower() for header in asked.split(",") if header.strip()]
    for rule in _s3_rules(request, account, method):
        patterns = [pattern.lower() for pattern in rule.allowed_headers or []]
        if all(any(fnmatchcase(header, p) for p in patterns) for header in headers):
            response = Response(status=200)
            response.headers["Access-Control-Allow-Origin"] = request.headers["Origin"]
            response.headers["Access-Control-Allow-Methods"] = ", ".join(rule.allowed_methods)
            if headers:
                response.headers["Access-Control-Allow-Headers"] = ", ".join(headers)
            if rule.exposed_headers:
                response.headers["Access-Control-Expose-Headers"] = ", ".join(rule.exposed_headers)
            if rule.max_age_seconds is not None:
                response.headers["Access-Control-Max-Age"] = str(rule.max_age_seconds)
            response.headers["Vary"] = (
                "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"
            )
            return response
    return Response(
        "CORSResponse: This CORS request is not allowed. This is usually because the evalution "
        "of Origin, request method / Access-Control-Request-Method or "
        "Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
        status=403,
    )


def s3_answer(request: Request, response: Response, account: str) -> Response:
    """An S3 answer with the CORS headers of the bucket's matching rule, refusals included, as
    S3 sends them (so a browser reads the AccessDenied); moto adds them to some object answers
    only, and to no listing or error."""
    origin = request.headers.get("Origin")
    if origin is None or "Access-Control-Allow-Origin" in response.headers:
        return response
    for rule in _s3_rules(request, account, request.method):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
        if rule.exposed_headers:
            response.headers["Access-Control-Expose-Headers"] = ", ".join(rule.exposed_headers)
        break
    return response


def _s3_rules(request: Request, account: str, method: str) -> list[Any]:
    """The bucket's CORS rules that match the request's origin and ``method``, in order."""
    origin = request.headers.get("Origin")
    bucket_name = request.path.lstrip("/").partition("/")[0]
    bucket = s3_backends[account]["aws"].buckets.get(bucket_name)
    if origin is None or bucket is None:
        return []
    return [
        rule
        for rule in bucket.cors
        if rule.allowed_origins
        and cors_matches_origin(origin, rule.allowed_origins)
        and method in (rule.allowed_methods or [])
    ]


def gateway_headers(mappings: Mapping[str, str], request: Request) -> dict[str, str]:
    """A gateway response's headers: a quoted static value, or a request header's value
    (API Gateway developer guide, "Set up a gateway response": ``method.request.header.<name>``)."""
    headers = {}
    for name, mapping in mappings.items():
        if mapping.startswith("'") and mapping.endswith("'"):
            headers[name] = mapping[1:-1]
        elif mapping.startswith("method.request.header."):
            value = request.headers.get(mapping.removeprefix("method.request.header."))
            if value is not None:
                headers[name] = value
    return headers
