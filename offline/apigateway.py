"""The template's REST APIs on the offline endpoint, as API Gateway serves them.

moto's API Gateway neither signs nor authorizes nor invokes anything, so the offline run serves
each REST API itself, at ``<endpoint>/<api id>/<stage>/<path>`` (the stack outputs point there,
``offline.deploy``). For a request it:

1. routes by the API's resource tree: a literal path part before a ``{param}``, a ``{param}``
   before a greedy ``{param+}``, the method before ``ANY``; no method answers 403 "Missing
   Authentication Token" (API Gateway developer guide, "Gateway responses";
   https://repost.aws/knowledge-center/api-gateway-authentication-token-errors);
2. for an ``AWS_IAM`` method, authenticates the Signature Version 4 signature against the
   credentials the offline identity pool issued (IAM user guide, "Signature Version 4 for API
   requests" and "Create a signed AWS API request"): recomputed with botocore over the received
   request, the credential scope, the session token, the credentials' expiry and the five
   minutes' clock skew AWS allows;
3. authorizes ``execute-api:Invoke`` on the method ARN with ``facts.iam``
   (``offline.access``), as for S3 (developer guide, "Control access to a REST API with IAM
   permissions");
4. invokes the function in-process with the REST API proxy event (developer guide, "Lambda
   proxy integrations": input format), ``requestContext.identity`` filled from the credentials
   alone ("$context variables": ``cognitoIdentityId``, ``cognitoIdentityPoolId``,
   ``cognitoAuthenticationType``, ``cognitoAuthenticationProvider``, ``userArn``, ``caller``,
   ``accessKey``, ``accountId``), never from what the client's headers say.

Refusals are API Gateway's default gateway responses: the status, ``x-amzn-ErrorType`` and
``{"message": ...}`` in the wording AWS's troubleshooting pages quote
(https://repost.aws/knowledge-center/api-gateway-troubleshoot-403-forbidden,
https://repost.aws/knowledge-center/api-gateway-iam-sigv4-mismatch).
"""

from __future__ import annotations

import hmac
import json
import traceback
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from moto.sts.models import AssumedRole, sts_backends
from werkzeug.wrappers import Request, Response

from facts import iam
from facts.cognito import AUTHENTICATED, UNAUTHENTICATED
from offline import access, cors
from offline.deploy import Method, RestApi
from offline.functions import Function
from offline.identity import Clock, IssuedCredentials

SERVICE = "execute-api"
INVOKE = "execute-api:Invoke"
ALGORITHM = "AWS4-HMAC-SHA256"
SIGV4_TIMESTAMP = "%Y%m%dT%H%M%SZ"
# IAM user guide, "Elements of an AWS API request signature": a request more than five minutes
# from AWS's clock is refused.
MAX_SKEW_SECONDS = 5 * 60
# $context.requestTime's format ("$context variables").
REQUEST_TIME = "%d/%b/%Y:%H:%M:%S +0000"


class GatewayError(Exception):
    """A gateway response: its status, ``x-amzn-ErrorType`` and message. The default gateway
    responses answer ``{"message"}`` (developer guide, "Gateway responses"); IAM's refusal of
    ``execute-api:Invoke`` answers ``{"Message"}``, as an AWS sample shows it
    (https://github.com/amazon-archives/aws-serverless-auth-reference-app/blob/master/Quickstart.md)."""

    def __init__(
        self,
        status: int,
        error_type: str,
        message: str,
        key: str = "message",
        response_type: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.error_type, self.message, self.key = status, error_type, message, key
        # The gateway response type (developer guide, "Gateway response types"); unset, only
        # DEFAULT_4XX or DEFAULT_5XX applies.
        self.response_type = response_type

    def defaults(self) -> tuple[str, ...]:
        """The gateway response types that shape this answer, the most specific first."""
        default = "DEFAULT_5XX" if self.status >= 500 else "DEFAULT_4XX"
        return (self.response_type, default) if self.response_type else (default,)

    def response(self) -> Response:
        answer = Response(
            json.dumps({self.key: self.message}),
            status=self.status,
            content_type="application/json",
        )
        answer.headers["x-amzn-ErrorType"] = self.error_type
        return answer


def _missing_token() -> GatewayError:
    return GatewayError(
        403,
        "MissingAuthenticationTokenException",
        "Missing Authentication Token",
        response_type="MISSING_AUTHENTICATION_TOKEN",
    )


def _invalid_token() -> GatewayError:
    # The troubleshooting page's errortype and wording for keys that are not valid.
    return GatewayError(
        403, "AccessDeniedException", "The security token included in the request is invalid."
    )


def _invalid_signature(message: str) -> GatewayError:
    return GatewayError(
        403, "InvalidSignatureException", message, response_type="INVALID_SIGNATURE"
    )


def _incomplete(message: str) -> GatewayError:
    return GatewayError(403, "IncompleteSignatureException", message)


@dataclass(frozen=True)
class Signature:
    """The parts of a SigV4 ``Authorization`` header."""

    access_key: str
    date: str
    region: str
    service: str
    terminator: str
    signed_headers: tuple[str, ...]
    signature: str

    @classmethod
    def parse(cls, header: str) -> Signature:
        algorithm, _, rest = header.partition(" ")
        fields = dict(part.strip().partition("=")[::2] for part in rest.split(","))
        scope = fields.get("Credential", "").split("/")
        if algorithm != ALGORITHM or len(scope) != 5 or not fields.get("Signature"):
            raise _incomplete(
                f"Authorization header requires {ALGORITHM} with 'Credential' "
                "(<key>/<date>/<region>/<service>/aws4_request), 'SignedHeaders' and "
                "'Signature' parameters."
            )
        access_key, date, region, service, terminator = scope
        signed = tuple(fields.get("SignedHeaders", "").split(";"))
        return cls(access_key, date, region, service, terminator, signed, fields["Signature"])


@dataclass(frozen=True)
class Caller:
    """Who signed the request: what the offline identity pool recorded, and STS's session."""

    issued: IssuedCredentials
    session: AssumedRole


class Gateway:
    def __init__(
        self,
        apis: Mapping[str, RestApi],
        functions: Mapping[str, Function],
        issued: Mapping[str, IssuedCredentials],
        clock: Clock,
        account: str,
        region: str,
    ) -> None:
        self.apis, self.functions, self.issued, self.clock = apis, functions, issued, clock
        self.account, self.region = account, region

    def serves(self, path: str) -> bool:
        return path.lstrip("/").partition("/")[0] in self.apis

    def __call__(self, request: Request, body: bytes) -> Response:
        api = self.apis[request.path.lstrip("/").partition("/")[0]]
        if request.method == "OPTIONS":
            found = self._preflight(api, request)
            if found is not None:
                return found
        try:
            return self._serve(request, body)
        except GatewayError as error:
            return self._gateway_response(api, request, error)

    # CORS ---------------------------------------------------------------------------------------

    @staticmethod
    def _preflight(api: RestApi, request: Request) -> Response | None:
        """A resource's MOCK ``OPTIONS`` method, which takes no credentials (browsers send
        preflights without them): its static headers, the request's origin instead of the static
        one when the method's template names it (developer guide, "Enabling CORS for a REST API
        resource"). A resource without one has no ``OPTIONS`` method: None."""
        raw = request.environ.get("RAW_URI") or request.full_path
        _, _, rest = raw.partition("?")[0].lstrip("/").partition("/")
        stage, _, path = rest.partition("/")
        if stage not in api.stages:
            return None
        parts = path.split("/") if path else []
        for resource_path, preflight in api.preflights.items():
            if _match(resource_path, parts) is None:
                continue
            response = Response(status=preflight.status)
            response.headers.update(preflight.headers)
            origin = request.headers.get("Origin")
            if origin is not None and origin in preflight.other_origins:
                response.headers["Access-Control-Allow-Origin"] = origin
            return response
        return None

    @staticmethod
    def _gateway_response(api: RestApi, request: Request, error: GatewayError) -> Response:
        """API Gateway's own answer, with the headers of the gateway response that applies:
        the error's own type if the API customizes it, else ``DEFAULT_4XX``/``DEFAULT_5XX``."""
        response = error.response()
        for kind in error.defaults():
            if kind in api.gateway_responses:
                response.headers.update(cors.gateway_headers(api.gateway_responses[kind], request))
                break
        return response

    def _serve(self, request: Request, body: bytes) -> Response:
        # The raw path, so that an encoded "/" stays inside its path part, as in API Gateway.
        raw = request.environ.get("RAW_URI") or request.full_path
        api_id, _, rest = raw.partition("?")[0].lstrip("/").partition("/")
        stage, _, path = rest.partition("/")
        api = self.apis[api_id]
        parts = path.split("/") if path else []
        found = _route(api, request.method, parts) if stage in api.stages else None
        if found is None:
            raise _missing_token()
        method, parameters = found
        caller = None
        if method.authorization == "AWS_IAM":
            caller = self._authenticate(request, body)
            decoded = "/" + "/".join(unquote(part) for part in parts)
            self._authorize(caller, api, stage, request.method, decoded, _source_ip(request))
        event = self._event(request, body, api, stage, method, f"/{path}", parameters, caller)
        return self._invoke(self.functions[method.function], event)

    # Authentication -----------------------------------------------------------------------------

    def _authenticate(self, request: Request, body: bytes) -> Caller:
        header = request.headers.get("Authorization")
        if header is None:
            raise _missing_token()
        signature = Signature.parse(header)
        issued = self.issued.get(signature.access_key)
        session = sts_backends[self.account]["aws"].get_assumed_role_from_access_key(
            signature.access_key
        )
        token = request.headers.get("X-Amz-Security-Token")
        if issued is None or session is None or token != session.session_token:
            raise _invalid_token()
        now = self.clock.now()
        if session.expiration.replace(tzinfo=UTC).timestamp() <= now:
            # AWS's wording for expired temporary credentials (ExpiredToken); no page quotes
            # API Gateway's own, so the tests rely on the status only.
            raise GatewayError(
                403,
                "ExpiredTokenException",
                "The security token included in the request is expired",
                response_type="EXPIRED_TOKEN",
            )
        self._check_scope(signature, request.headers.get("X-Amz-Date", ""))
        expected = self._signature(request, body, signature, session)
        if not hmac.compare_digest(expected, signature.signature):
            raise _invalid_signature(
                "The request signature we calculated does not match the signature you provided. "
                "Check your AWS Secret Access Key and signing method. Consult the service "
                "documentation for details."
            )
        self._check_skew(request.headers["X-Amz-Date"], now)
        return Caller(issued, session)

    def _check_scope(self, signature: Signature, timestamp: str) -> None:
        """The credential scope names this service and region, and the date the request is
        signed on (IAM user guide, "Elements of an AWS API request signature")."""
        if signature.service != SERVICE:
            raise _invalid_signature(
                f"Credential should be scoped to correct service: '{SERVICE}'."
            )
        if signature.region != self.region:
            raise _invalid_signature("Credential should be scoped to a valid region.")
        if (
            not timestamp
            or signature.date != timestamp[:8]
            or signature.terminator != ("aws4_request")
        ):
            raise _incomplete(
                "The credential scope's date must be the X-Amz-Date header's date, and the "
                "scope must end with aws4_request."
            )

    def _signature(
        self, request: Request, body: bytes, signature: Signature, session: AssumedRole
    ) -> str:
        """The signature the caller's secret gives for the request as received: botocore's
        canonical request over the signed headers only."""
        headers = {name: request.headers.get(name, "") for name in signature.signed_headers}
        raw = request.environ.get("RAW_URI") or request.full_path
        received = AWSRequest(
            method=request.method, url=f"http://{request.host}{raw}", data=body, headers=headers
        )
        received.context["timestamp"] = request.headers["X-Amz-Date"]
        credentials = Credentials(
            session.access_key_id, session.secret_access_key, session.session_token
        )
        auth = SigV4Auth(credentials, SERVICE, self.region)
        string_to_sign = auth.string_to_sign(received, auth.canonical_request(received))
        return str(auth.signature(string_to_sign, received))

    @staticmethod
    def _check_skew(timestamp: str, now: float) -> None:
        try:
            signed = datetime.strptime(timestamp, SIGV4_TIMESTAMP).replace(tzinfo=UTC).timestamp()
        except ValueError:
            raise _incomplete(f"X-Amz-Date must be {SIGV4_TIMESTAMP}.") from None
        at = datetime.fromtimestamp(now, UTC)
        if signed < now - MAX_SKEW_SECONDS:
            # AWS's wording, as public reports quote it (https://github.com/mhart/aws4/issues/118).
            earliest = datetime.fromtimestamp(now - MAX_SKEW_SECONDS, UTC)
            raise _invalid_signature(
                f"Signature expired: {timestamp} is now earlier than "
                f"{earliest.strftime(SIGV4_TIMESTAMP)} ({at.strftime(SIGV4_TIMESTAMP)} - 5 min.)"
            )
        if signed > now + MAX_SKEW_SECONDS:
            latest = datetime.fromtimestamp(now + MAX_SKEW_SECONDS, UTC)
            raise _invalid_signature(
                f"Signature not yet current: {timestamp} is still later than "
                f"{latest.strftime(SIGV4_TIMESTAMP)} ({at.strftime(SIGV4_TIMESTAMP)} + 5 min.)"
            )

    # Authorization ------------------------------------------------------------------------------

    def _authorize(
        self, caller: Caller, api: RestApi, stage: str, verb: str, path: str, source_ip: str
    ) -> None:
        """``execute-api:Invoke`` on ``arn:aws:execute-api:<region>:<account>:<api id>/<stage>/
        <METHOD>/<path>`` (developer guide, "Control access to a REST API with IAM
        permissions": the resource format), judged by the same evaluator as every other request
        of identity pool credentials. The guides do not say whether the path is decoded first;
        decoded it is here, and either way a session tag (which cannot hold "%") is matched only
        by the path part it spells, so neither reading lets a caller into another tenant."""
        arn = f"arn:aws:execute-api:{self.region}:{self.account}:{api.id}/{stage}/{verb}{path}"
        decision = access.decide(
            caller.issued,
            self.account,
            self.clock.now(),
            INVOKE,
            arn,
            None,
            {},
            region=self.region,
            source_ip=source_ip,
        )
        if decision is iam.Decision.ALLOW:
            return
        why = (
            " with an explicit deny"
            if decision is iam.Decision.EXPLICIT_DENY
            else f" because no identity-based policy allows the {INVOKE} action"
        )
        raise GatewayError(
            403,
            "AccessDeniedException",
            f"User: {caller.issued.session_arn} is not authorized to perform: {INVOKE} on "
            f"resource: {arn}{why}",
            key="Message",
            response_type="ACCESS_DENIED",
        )

    # Integration --------------------------------------------------------------------------------

    def _event(
        self,
        request: Request,
        body: bytes,
        api: RestApi,
        stage: str,
        method: Method,
        path: str,
        parameters: dict[str, str],
        caller: Caller | None,
    ) -> dict[str, Any]:
        """The REST API proxy event (developer guide, "Lambda proxy integrations", input
        format); ``requestContext.identity`` as "$context variables" describes it. ``path`` stays
        percent-encoded as sent and ``pathParameters`` are decoded, as live captures show REST
        APIs deliver them (https://github.com/middleapi/standard-server/pull/93,
        https://github.com/dherault/serverless-offline/issues/638)."""
        now = datetime.fromtimestamp(self.clock.now(), UTC)
        headers = dict(request.headers)
        return {
            "resource": method.resource_path,
            "path": path,
            "httpMethod": request.method,
            "headers": headers or None,
            "multiValueHeaders": {key: request.headers.getlist(key) for key in headers} or None,
            "queryStringParameters": dict(request.args) or None,
            "multiValueQueryStringParameters": {k: request.args.getlist(k) for k in request.args}
            or None,
            "pathParameters": parameters or None,
            "stageVariables": None,
            "requestContext": {
                "accountId": self.account,
                "apiId": api.id,
                "domainName": request.host,
                "httpMethod": request.method,
                "identity": self._identity(request, caller),
                "path": f"/{stage}{path}",
                "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                "requestId": str(uuid.uuid4()),
                "requestTime": now.strftime(REQUEST_TIME),
                "requestTimeEpoch": int(now.timestamp() * 1000),
                "resourcePath": method.resource_path,
                "stage": stage,
            },
            # Lambda proxy events carry the body as text unless the API lists binary media types
            # (this stack's do not); bytes that are not UTF-8 reach the function replaced, and any
            # handler refuses them as a bad body either way.
            "body": body.decode(errors="replace") if body else None,
            "isBase64Encoded": False,
        }

    def _identity(self, request: Request, caller: Caller | None) -> dict[str, Any]:
        """API Gateway fills the Cognito fields only for a request signed with Amazon Cognito
        credentials: the identity, its pool, ``authenticated`` or ``unauthenticated``, and the
        providers of the sign-in as a comma-separated list (``amr`` without the
        authentication type, e.g. ``<user pool provider>,<user pool provider>:CognitoSignIn:
        <sub>``). The caller is the session's principal id (``<role id>:<session name>``)."""
        identity: dict[str, Any] = {
            "cognitoIdentityPoolId": None,
            "cognitoIdentityId": None,
            "cognitoAuthenticationType": None,
            "cognitoAuthenticationProvider": None,
            "accountId": None,
            "caller": None,
            "user": None,
            "userArn": None,
            "accessKey": None,
            "principalOrgId": None,
            "apiKey": None,
            "apiKeyId": None,
            "clientCert": None,
            "sourceIp": _source_ip(request),
            "userAgent": request.headers.get("User-Agent"),
        }
        if caller is None:
            return identity
        issued, session = caller.issued, caller.session
        providers = [entry for entry in issued.amr if entry not in (AUTHENTICATED, UNAUTHENTICATED)]
        identity.update(
            cognitoIdentityPoolId=issued.audience,
            cognitoIdentityId=issued.identity_id,
            cognitoAuthenticationType=(
                AUTHENTICATED if AUTHENTICATED in issued.amr else UNAUTHENTICATED
            ),
            cognitoAuthenticationProvider=",".join(providers) or None,
            accountId=self.account,
            caller=session.user_id,
            user=session.user_id,
            userArn=issued.session_arn,
            accessKey=session.access_key_id,
        )
        return identity

    @staticmethod
    def _invoke(function: Function, event: dict[str, Any]) -> Response:
        """The function's ``statusCode``, ``headers``, ``multiValueHeaders`` and ``body``; an
        error or an answer of another shape is 502 "Internal server error" (developer guide,
        "Lambda proxy integrations", output format)."""
        try:
            answer = function.invoke(event)
            response = Response(answer.get("body") or "", status=int(answer["statusCode"]))
            for key, value in (answer.get("headers") or {}).items():
                response.headers[key] = value
            for key, values in (answer.get("multiValueHeaders") or {}).items():
                for value in values:
                    if response.headers.get(key) != value:
                        response.headers.add(key, value)
        except Exception:  # any failure of the function is API Gateway's 502, logged
            print(traceback.format_exc(), file=function.log, flush=True)
            raise GatewayError(
                502, "InternalServerErrorException", "Internal server error"
            ) from None
        return response


def _route(api: RestApi, verb: str, parts: list[str]) -> tuple[Method, dict[str, str]] | None:
    """The most specific method for the path's parts: API Gateway developer guide, "Set up a
    proxy integration with a proxy resource" (a literal path part wins over a parameter, which
    wins over a greedy ``{proxy+}``; a method wins over ``ANY``)."""
    best: tuple[tuple[int, ...], Method, dict[str, str]] | None = None
    for method in api.methods:
        if method.http_method not in (verb, "ANY"):
            continue
        matched = _match(method.resource_path, parts)
        if matched is None:
            continue
        rank, parameters = matched
        key = (*rank, method.http_method == "ANY")
        if best is None or key < best[0]:
            best = (key, method, parameters)
    return None if best is None else (best[1], best[2])


def _match(resource_path: str, parts: list[str]) -> tuple[tuple[int, ...], dict[str, str]] | None:
    """Per path part 0 (literal), 1 (parameter) or 2 (greedy), and the parameters' values."""
    template = [part for part in resource_path.split("/") if part]
    rank: list[int] = []
    parameters: dict[str, str] = {}
    for index, part in enumerate(template):
        if part.startswith("{") and part.endswith("+}"):
            rest = parts[index:]
            if not rest or "" in rest:
                return None
            parameters[part[1:-2]] = unquote("/".join(rest))
            return (*rank, 2), parameters
        if index >= len(parts) or not parts[index]:
            return None
        if part.startswith("{") and part.endswith("}"):
            parameters[part[1:-1]] = unquote(parts[index])
            rank.append(1)
        elif part == parts[index]:
            rank.append(0)
        else:
            return None
    if len(parts) != len(template):
        return None
    return tuple(rank), parameters


def _source_ip(request: Request) -> str:
    """The caller's address, as API Gateway reports it (``identity.sourceIp``) and IAM sees it
    (``aws:SourceIp``); a request from werkzeug's test client has none, so loopback."""
    return request.remote_addr or "127.0.0.1"
