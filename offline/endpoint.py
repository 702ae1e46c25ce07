"""The offline endpoint: one HTTP address in front of moto, adding what moto lacks.

Requests go to moto unchanged, except:

- the identity pool operations ``offline.identity`` answers, and STS's
  ``AssumeRoleWithWebIdentity``, which it judges as STS does (moto's answers any token);
- SRP sign-in, whose proof ``offline.srp`` checks before moto issues tokens;
- refreshes, marked so the pre token hook sees ``TokenGeneration_RefreshTokens``;
- the template's REST APIs, which ``offline.apigateway`` serves as API Gateway would;
- CORS, answered as each service answers a browser (``offline.cors``).
"""

from __future__ import annotations

import ast
import base64
import json
import secrets
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from io import BytesIO
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from moto.cognitoidp.models import cognitoidp_backends
from moto.core.exceptions import _RESTError as MotoError
from moto.iam.access_control import IAMRequest
from werkzeug.test import run_wsgi_app
from werkzeug.wrappers import Request, Response

from offline import cors, tokens
from offline.apigateway import Gateway
from offline.identity import IdentityError, IdentityService, StsError
from offline.srp import MAX_PENDING, SrpVerifier
from offline.user_pools import UserPools

IDENTITY_TARGET = "AWSCognitoIdentityService."
USER_POOL_TARGET = "AWSCognitoIdentityProviderService."
AMZ_JSON = "application/x-amz-json-1.1"
REFRESH_FLOWS = {"REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"}
FORM = "application/x-www-form-urlencoded"
STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
MFAS_CAN_SETUP = "MFAS_CAN_SETUP"


@dataclass(frozen=True)
class PendingSignIn:
    """An SRP challenge in flight: moto's session, and whom and which client it was for."""

    moto_session: str
    client_id: str
    username: str


WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class OfflineEndpoint:
    def __init__(
        self,
        moto: WsgiApp,
        identity: IdentityService,
        user_pools: UserPools,
        gateway: Gateway,
        account: str,
        region: str,
    ) -> None:
        self.moto = moto
        self.identity = identity
        self.user_pools = user_pools
        self.gateway = gateway
        self.account, self.region = account, region
        self.srp = SrpVerifier()
        self._pending: dict[str, PendingSignIn] = {}  # by our SECRET_BLOCK

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        body = request.get_data()
        environ["wsgi.input"] = BytesIO(body)
        target = request.headers.get("X-Amz-Target", "")
        if self.gateway.serves(request.path):
            response = self.gateway(request, body)
        elif request.method == "OPTIONS" and request.path == "/":
            # Cognito's and STS's APIs are POSTs to "/"; S3's requests name a bucket.
            response = cors.any_origin_preflight(request)
        elif target.startswith((IDENTITY_TARGET, USER_POOL_TARGET)) or _query_action(request, body):
            response = cors.any_origin(self._aws_api(environ, request, body, target))
        elif request.method == "OPTIONS":
            response = cors.s3_preflight(request, self.account)
        else:
            response = cors.s3_answer(request, self._forward(environ), self.account)
        return response(environ, start_response)

    def _aws_api(
        self, environ: dict[str, Any], request: Request, body: bytes, target: str
    ) -> Response:
        """Cognito's and STS's APIs."""
        if target.startswith(IDENTITY_TARGET):
            return self._identity(target.removeprefix(IDENTITY_TARGET), request, body)
        if _query_action(request, body) == "AssumeRoleWithWebIdentity":
            return self._assume_role_with_web_identity(body)
        if target == USER_POOL_TARGET + "InitiateAuth":
            return self._initiate_auth(environ, json.loads(body))
        if target == USER_POOL_TARGET + "RespondToAuthChallenge":
            return self._respond_to_auth_challenge(environ, json.loads(body))
        if target == USER_POOL_TARGET + "UpdateUserAttributes":
            return self._update_user_attributes(environ, json.loads(body))
        if target == USER_POOL_TARGET + "GetTokensFromRefreshToken":
            return self._tokens_from_refresh_token(environ, json.loads(body))
        if target == USER_POOL_TARGET + "RevokeToken":
            return self._revoke_token(json.loads(body))
        return self._forward(environ)

    # moto --------------------------------------------------------------------------------------

    def _forward(self, environ: dict[str, Any], body: Mapping[str, Any] | None = None) -> Response:
        if body is not None:
            data = json.dumps(body).encode()
            environ["wsgi.input"] = BytesIO(data)
            environ["CONTENT_LENGTH"] = str(len(data))
        app_iter, status, headers = run_wsgi_app(self.moto, environ, buffered=True)
        return Response(b"".join(app_iter), status=status, headers=headers)

    # User pools ----------------------------------------------------------------------------------

    def _initiate_auth(self, environ: dict[str, Any], body: dict[str, Any]) -> Response:
        flow = body.get("AuthFlow")
        if flow in REFRESH_FLOWS:
            with tokens.issuing(tokens.REFRESH_TOKENS):
                return self._forward(environ)
        answer = self._forward(environ)
        if flow != "USER_SRP_AUTH":
            return answer
        client_id = body.get("ClientId", "")
        srp_a = body.get("AuthParameters", {}).get("SRP_A", "")
        if answer.status_code != 200:
            error = json.loads(answer.get_data() or b"{}").get("__type", "")
            if error == "UserNotFoundException" and self.user_pools.hides_unknown_users(client_id):
                return _json(self._decoy_challenge(body))
            return answer
        # Cognito's PASSWORD_VERIFIER challenge with a real SALT and SRP_B (moto's are random).
        document = json.loads(answer.get_data())
        parameters = document["ChallengeParameters"]
        pool_id, password = self.user_pools.password(client_id, parameters["USERNAME"])
        try:
            challenge = self.srp.challenge(pool_id, parameters["USER_ID_FOR_SRP"], password, srp_a)
        except ValueError as error:
            return _error("InvalidParameterException", str(error))
        self._pending[challenge.secret_block] = PendingSignIn(
            parameters["SECRET_BLOCK"], client_id, parameters["USERNAME"]
        )
        while len(self._pending) > MAX_PENDING:  # unanswered sign-ins: oldest go first
            self._pending.pop(next(iter(self._pending)))
        parameters.update(
            SALT=challenge.salt_hex,
            SRP_B=format(challenge.big_b, "x"),
            SECRET_BLOCK=challenge.secret_block,
        )
        return _json(document)

    @staticmethod
    def _decoy_challenge(body: dict[str, Any]) -> dict[str, Any]:
        """For an unknown user, a challenge no answer can meet, shaped like a real one."""
        username = body.get("AuthParameters", {}).get("USERNAME", "")
        return {
            "ChallengeName": "PASSWORD_VERIFIER",
            "Session": secrets.token_urlsafe(32),
            "ChallengeParameters": {
                "SALT": secrets.token_hex(16),
                "SRP_B": secrets.token_hex(384),
                "SECRET_BLOCK": base64.standard_b64encode(secrets.token_bytes(64)).decode(),
                "USERNAME": username,
                "USER_ID_FOR_SRP": username,
            },
        }

    def _respond_to_auth_challenge(self, environ: dict[str, Any], body: dict[str, Any]) -> Response:
        if body.get("ChallengeName") != "PASSWORD_VERIFIER":
            return self._forward(environ)
        answers = body.get("ChallengeResponses", {})
        block = answers.get("PASSWORD_CLAIM_SECRET_BLOCK", "")
        pending = self._pending.pop(block, None)
        # Developer guide, "Authentication flows" (USER_SRP_AUTH): the PASSWORD_VERIFIER answer
        # proves the password of the user the challenge was issued to, through that app client.
        # moto would issue tokens for whatever USERNAME the answer names.
        proven = (
            pending is not None
            and pending.client_id == body.get("ClientId")
            and pending.username == answers.get("USERNAME")
            and self.srp.verify(
                block, answers.get("TIMESTAMP", ""), answers.get("PASSWORD_CLAIM_SIGNATURE", "")
            )
        )
        if pending is None or not proven:
            # Developer guide, "Managing user existence error responses": one message for a
            # wrong password and an unknown user; Cognito's wording, as public reports quote it:
            # https://github.com/qqaatw/JciHitachiHA/issues/33.
            return _error("NotAuthorizedException", "Incorrect username or password.")
        answers["PASSWORD_CLAIM_SECRET_BLOCK"] = pending.moto_session
        return _string_parameters(self._forward(environ, body))

    def _tokens_from_refresh_token(self, environ: dict[str, Any], body: dict[str, Any]) -> Response:
        """``GetTokensFromRefreshToken`` (which Amplify JS refreshes with; moto lacks it): the
        same new ID and access tokens as ``InitiateAuth`` with ``REFRESH_TOKEN_AUTH``, in the
        same ``AuthenticationResult`` (API reference, GetTokensFromRefreshToken)."""
        environ["HTTP_X_AMZ_TARGET"] = USER_POOL_TARGET + "InitiateAuth"
        initiate = {
            "AuthFlow": "REFRESH_TOKEN_AUTH",
            "ClientId": body.get("ClientId", ""),
            "AuthParameters": {"REFRESH_TOKEN": body.get("RefreshToken", "")},
        }
        with tokens.issuing(tokens.REFRESH_TOKENS):
            return self._forward(environ, initiate)

    def _revoke_token(self, body: dict[str, Any]) -> Response:
        """``RevokeToken`` (Amplify JS's sign-out; moto lacks it): the refresh token, and the
        tokens issued from it, stop working (API reference, RevokeToken); revoking one that is
        no longer valid changes nothing. A token of another app client is refused."""
        refresh_token, client_id = body.get("Token", ""), body.get("ClientId", "")
        backend = cognitoidp_backends[self.account][self.region]
        for pool in backend.user_pools.values():
            issued = pool.refresh_tokens.get(refresh_token)
            if issued is None:
                continue
            if issued[0] != client_id:
                return _error("UnauthorizedException", "Invalid client for this token.")
            # The session (origin_jti) ends: offline.identity's token check refuses its tokens.
            pool.refresh_tokens[refresh_token] = None
        return _json({})

    def _update_user_attributes(self, environ: dict[str, Any], body: dict[str, Any]) -> Response:
        """Developer guide, "Working with user attributes" (attribute permissions and scopes):
        an app client may write only its write attributes; anything else is refused whole."""
        writable = self.user_pools.writable_attributes(body.get("AccessToken", ""))
        names = [attribute["Name"] for attribute in body.get("UserAttributes", [])]
        if writable is not None and any(name not in writable for name in names):
            return _error(
                "NotAuthorizedException", "A client attempted to write unauthorized attribute"
            )
        return self._forward(environ)

    # Identity pools ------------------------------------------------------------------------------

    def _identity(self, operation: str, request: Request, body: bytes) -> Response:
        handlers: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
            "GetId": self.identity.get_id,
            "GetCredentialsForIdentity": self.identity.get_credentials_for_identity,
            "GetOpenIdToken": self.identity.get_open_id_token,
            "GetOpenIdTokenForDeveloperIdentity": self._developer_token(request, body),
        }
        if operation not in handlers:
            return self._forward(request.environ)
        try:
            return _json(handlers[operation](json.loads(body or b"{}")))
        except IdentityError as error:
            return _error(error.code, error.message)
        except MotoError as error:
            return _error(error.error_type, error.message, error.code)

    def _developer_token(
        self, request: Request, body: bytes
    ) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
        """Only a caller whose IAM policy allows it on this pool may mint developer tokens
        (developer guide, "Developer-authenticated identities": the backend calls it with AWS
        credentials; Cognito Identity API reference: an authenticated, signed call)."""

        def authorized(document: Mapping[str, Any]) -> dict[str, Any]:
            if "Authorization" not in request.headers:
                raise IdentityError(
                    "NotAuthorizedException", "This operation needs AWS credentials."
                )
            pool_id = document.get("IdentityPoolId", "")
            check = IAMRequest(
                account_id=self.account,
                method=request.method,
                path=request.path,
                data={},
                body=body,
                headers=dict(request.headers),
                action="GetOpenIdTokenForDeveloperIdentity",
            )
            check.check_signature()
            check.check_action_permitted(
                f"arn:aws:cognito-identity:{self.region}:{self.account}:identitypool/{pool_id}"
            )
            return self.identity.get_open_id_token_for_developer_identity(document)

        return authorized

    # STS -----------------------------------------------------------------------------------------

    def _assume_role_with_web_identity(self, body: bytes) -> Response:
        """STS's query protocol: form parameters in, XML out (STS API reference,
        AssumeRoleWithWebIdentity: response elements and errors)."""
        form = {key: values[0] for key, values in parse_qs(body.decode()).items()}
        request_id = str(uuid.uuid4())
        try:
            answer = self.identity.assume_role_with_web_identity(form)
        except StsError as error:
            document = (
                f'<ErrorResponse xmlns="{STS_NAMESPACE}"><Error><Type>Sender</Type>'
                f"<Code>{error.code}</Code><Message>{escape(error.message)}</Message></Error>"
                f"<RequestId>{request_id}</RequestId></ErrorResponse>"
            )
            return Response(document, status=error.status, content_type="text/xml")
        role = answer.role
        document = (
            f'<AssumeRoleWithWebIdentityResponse xmlns="{STS_NAMESPACE}">'
            "<AssumeRoleWithWebIdentityResult>"
            f"<SubjectFromWebIdentityToken>{escape(answer.subject)}</SubjectFromWebIdentityToken>"
            f"<Audience>{escape(answer.audience)}</Audience>"
            f"<AssumedRoleUser><Arn>{escape(role.arn)}</Arn>"
            f"<AssumedRoleId>{escape(role.user_id)}</AssumedRoleId></AssumedRoleUser>"
            f"<Credentials><AccessKeyId>{role.access_key_id}</AccessKeyId>"
            f"<SecretAccessKey>{role.secret_access_key}</SecretAccessKey>"
            f"<SessionToken>{role.session_token}</SessionToken>"
            f"<Expiration>{role.expiration.strftime('%Y-%m-%dT%H:%M:%SZ')}</Expiration>"
            "</Credentials>"
            "<Provider>cognito-identity.amazonaws.com</Provider>"
            # API reference, response elements: how close the session tags come to the packed
            # allowance (the offline estimate, facts.sts.packed_tags_percent).
            + (
                f"<PackedPolicySize>{answer.packed_percent}</PackedPolicySize>"
                if answer.packed_percent
                else ""
            )
            + "</AssumeRoleWithWebIdentityResult>"
            f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
            "</AssumeRoleWithWebIdentityResponse>"
        )
        return Response(document, status=200, content_type="text/xml")


def _query_action(request: Request, body: bytes) -> str | None:
    """The ``Action`` of a query-protocol request (STS), if this is one."""
    if request.method != "POST" or not request.content_type.startswith(FORM):
        return None
    return parse_qs(body.decode(errors="replace")).get("Action", [None])[0]


def _string_parameters(answer: Response) -> Response:
    """``ChallengeParameters`` is a map of strings (API reference, RespondToAuthChallenge): a
    list such as ``MFAS_CAN_SETUP`` travels as its JSON text (``["SOFTWARE_TOKEN_MFA"]``), which
    SDKs parse (Amplify JS does). moto sends Python's text of the list instead."""
    if answer.status_code != 200:
        return answer
    document = json.loads(answer.get_data() or b"{}")
    parameters = document.get("ChallengeParameters") or {}
    if MFAS_CAN_SETUP not in parameters:
        return answer
    listed = parameters[MFAS_CAN_SETUP]
    if isinstance(listed, str):
        listed = ast.literal_eval(listed) if listed.startswith("['") else json.loads(listed)
    parameters[MFAS_CAN_SETUP] = json.dumps(listed)
    return _json(document)


def _json(document: Mapping[str, Any]) -> Response:
    return Response(json.dumps(document), status=200, content_type=AMZ_JSON)


def _error(code: str, message: str, status: int = 400) -> Response:
    response = Response(
        json.dumps({"__type": code, "message": message}), status=status, content_type=AMZ_JSON
    )
    response.headers["x-amzn-ErrorType"] = code
    return response
