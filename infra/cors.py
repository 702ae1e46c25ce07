"""CORS as a browser app needs it, no wider: the same origins (``config.corsOrigins``) for the
login API, the items API and the sample bucket. No origins, no CORS at all.

- REST APIs: a preflight ``OPTIONS`` method per resource (a ``MOCK`` integration, no
  authorization: browsers send preflights without credentials, API Gateway developer guide,
  "Enabling CORS for a REST API resource"), answering the allowed origin, the resource's methods
  and the headers a signed request carries. The functions add ``Access-Control-Allow-Origin``
  to their own answers (a proxy integration's headers are the function's). API Gateway's own
  answers (an IAM refusal, throttling, a bad body) carry it through the gateway responses
  ``DEFAULT_4XX`` and ``DEFAULT_5XX``: without it a browser sees a network error, not the 403.
- The bucket: one CORS rule with the object methods and the headers the AWS SDK sends.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_s3 as s3

MAX_AGE = Duration.hours(1)
# What a request signed with SigV4 by a browser carries (IAM user guide, "Elements of an AWS API
# request signature"), and a JSON body's type.
SIGNED_HEADERS = ("Authorization", "Content-Type", "X-Amz-Date", "X-Amz-Security-Token")
# What the AWS SDK for JavaScript v3 sends S3: SigV4, checksums and its own x-amz-* and amz-sdk-*
# headers (S3 matches AllowedHeader case-insensitively, one * wildcard each: S3 user guide, "CORS
# configuration").
S3_HEADERS = ("authorization", "content-type", "content-md5", "x-amz-*", "amz-sdk-*")
S3_METHODS = (
    s3.HttpMethods.GET,
    s3.HttpMethods.HEAD,
    s3.HttpMethods.PUT,
    s3.HttpMethods.DELETE,
)
# Headers of S3's answers a page may read (the SDK reads the ETag and the version of a write).
S3_EXPOSED = ("ETag", "x-amz-version-id", "x-amz-delete-marker", "x-amz-request-id")


def preflight(
    origins: Sequence[str], methods: Sequence[str], headers: Sequence[str]
) -> apigateway.CorsOptions | None:
    """A resource's preflight answer (``default_cors_preflight_options``), or None."""
    if not origins:
        return None
    return apigateway.CorsOptions(
        allow_origins=list(origins),
        allow_methods=list(methods),
        allow_headers=list(headers),
        max_age=MAX_AGE,
    )


def gateway_response_headers(origins: Sequence[str]) -> dict[str, str]:
    """The CORS headers of API Gateway's own answers, as response parameter mappings.

    A gateway response header is a static value or a request value (developer guide, "Set up a
    gateway response"), never a choice: one origin is stated; with several the request's
    ``Origin`` is echoed. That exposes nothing more: every request the APIs serve is preflighted
    (signed, or JSON), and a preflight from another origin is answered with an allowed one, so
    the browser never sends the request itself."""
    if not origins:
        return {}
    if len(origins) == 1:
        return {"Access-Control-Allow-Origin": f"'{origins[0]}'"}
    return {"Access-Control-Allow-Origin": "method.request.header.Origin", "Vary": "'Origin'"}


def add_gateway_responses(api: apigateway.RestApi, origins: Sequence[str]) -> None:
    """``DEFAULT_4XX`` and ``DEFAULT_5XX`` with the CORS headers (none without origins)."""
    headers = gateway_response_headers(origins)
    if not headers:
        return
    for construct_id, kind in (
        ("Default4xx", apigateway.ResponseType.DEFAULT_4_XX),
        ("Default5xx", apigateway.ResponseType.DEFAULT_5_XX),
    ):
        api.add_gateway_response(construct_id, type=kind, response_headers=headers)


def bucket_rules(origins: Sequence[str]) -> list[s3.CorsRule] | None:
    if not origins:
        return None
    return [
        s3.CorsRule(
            allowed_origins=list(origins),
            allowed_methods=list(S3_METHODS),
            allowed_headers=list(S3_HEADERS),
            exposed_headers=list(S3_EXPOSED),
            max_age=int(MAX_AGE.to_seconds()),
        )
    ]
