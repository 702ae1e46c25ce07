"""Temporary AWS credentials from the identity pool, as a boto3 ``Session`` that refreshes itself.

Four flows (Cognito developer guide, "Identity pools authentication flow"):

- ``enhanced``: ``GetId`` then ``GetCredentialsForIdentity`` with the user pool ID token; the
  identity pool chooses the role (token mapping), optionally the caller's ``CustomRoleArn``.
- ``basic`` (classic): ``GetOpenIdToken`` then STS ``AssumeRoleWithWebIdentity``; the caller
  names the role. This app's pool has it off, and the client says so plainly.
- ``developer``: ``POST /login`` on the stack's login API returns an identity id and a Cognito
  token, which ``GetCredentialsForIdentity`` takes under ``cognito-identity.amazonaws.com``.
- ``guest``: ``GetId`` and ``GetCredentialsForIdentity`` without logins, when guests are on.

None of these calls is signed (see ``client.aws``). Each session's credentials are botocore
``RefreshableCredentials`` whose refresh runs the flow again: the user pool flows first renew
the ID token with the refresh token, every time; the developer flow reuses its login token until
it is about to expire.

Why every time: after a global sign-out the user pool refuses the refresh token (API reference,
GlobalSignOut), but the two AWS pages disagree on whether the identity pool still accepts the
signed-out user's unexpired ID token for credentials (GlobalSignOut: only ``GetId`` is refused;
CognitoIdentityProvider, ServerSideTokenCheck: credentials are refused too). Renewing first
means a refresh never presents a revoked token, under either reading. ``IdentitySession.sign_out``
signs out globally and drops the credentials the session holds.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.credentials import CredentialProvider, CredentialResolver, RefreshableCredentials
from botocore.exceptions import ClientError

from client import aws, sign_in
from client.errors import ClientProblem
from client.outputs import StackOutputs
from facts.cognito import COGNITO_IDENTITY
from facts.stack import PASSWORD_MAX_BYTES, PASSWORD_MIN_CHARACTERS, USERNAME_PATTERN

Clock = Callable[[], datetime]
# A token this close to its expiry is renewed before use, so it cannot lapse in flight.
TOKEN_MARGIN = timedelta(minutes=5)
# botocore's defaults (refresh from 15 minutes before expiry, block from 10) assume long-lived
# credentials and fail outright on credentials issued with less than ten minutes to live.
# Refresh early, and block only in the last 30 seconds.
ADVISORY_REFRESH_SECONDS = 5 * 60
MANDATORY_REFRESH_SECONDS = 30


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Issued:
    """One answer of the identity pool (or STS): the identity and its temporary credentials."""

    identity_id: str
    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: datetime


class Refresher:
    """The function botocore calls to refresh; it also remembers the latest expiry to show it.
    Once closed (signed out) it refuses to fetch again."""

    def __init__(self, fetch: Callable[[], Issued]) -> None:
        self._fetch = fetch
        self.closed = False
        self.latest = fetch()  # the first fetch runs now, so a refusal surfaces at sign-in

    def __call__(self) -> dict[str, str]:
        if self.closed:
            raise ClientProblem("this session signed out: sign in again", code="SignedOut")
        self.latest = self._fetch()
        return {
            "access_key": self.latest.access_key_id,
            "secret_key": self.latest.secret_access_key,
            "token": self.latest.session_token,
            "expiry_time": self.latest.expiration.isoformat(),
        }


@dataclass(frozen=True)
class IdentitySession:
    """A boto3 session acting as one identity pool identity."""

    session: boto3.Session
    identity_id: str
    refresher: Refresher = field(repr=False, compare=False)
    # The flow's own sign-out (GlobalSignOut for the user pool flows), if it has one.
    end: Callable[[], None] | None = field(default=None, repr=False, compare=False)

    @property
    def expiration(self) -> datetime:
        """When the credentials the session holds now expire; it refreshes them before that."""
        return self.refresher.latest.expiration

    def sign_out(self) -> None:
        """Sign out globally (user pool flows) and forget the credentials: the session's next
        request fails with "sign in again" instead of using or renewing them."""
        self.refresher.closed = True
        credentials = self.session.get_credentials()
        # botocore has no public way to drop refreshable credentials: expired ones make the
        # next request refresh, which the closed refresher refuses.
        credentials._expiry_time = datetime.fromtimestamp(0, UTC)
        if self.end is not None:
            self.end()


def enhanced(
    outputs: StackOutputs,
    tokens: sign_in.Tokens,
    custom_role_arn: str | None = None,
    clock: Clock = utc_now,
) -> IdentitySession:
    """Credentials for the role the identity pool picks from the ID token.

    ``custom_role_arn`` asks for one of the token's ``cognito:roles``; any other is refused.
    """
    identity = aws.unsigned_client("cognito-identity", outputs.region)
    id_token = _IdToken(outputs, tokens, clock)
    identity_id = _get_id(identity, outputs, {outputs.user_pool_provider_name: id_token()})

    def fetch() -> Issued:
        request: dict[str, Any] = {
            "IdentityId": identity_id,
            "Logins": {outputs.user_pool_provider_name: id_token.for_credentials()},
        }
        if custom_role_arn:
            request["CustomRoleArn"] = custom_role_arn
        answer = _call("GetCredentialsForIdentity", identity.get_credentials_for_identity, request)
        return _from_cognito(answer)

    return refreshing_session(outputs.region, fetch, clock, end=id_token.sign_out)


def basic(
    outputs: StackOutputs,
    tokens: sign_in.Tokens,
    role_arn: str | None = None,
    clock: Clock = utc_now,
) -> IdentitySession:
    """Credentials for ``role_arn`` (default: the pool's authenticated role) by the classic flow.

    In this flow the app picks the role and only the role's trust policy checks it; that is
    why this app's identity pool turns it off, and why the refusal is explained rather than
    passed on.
    """
    identity = aws.unsigned_client("cognito-identity", outputs.region)
    sts = aws.unsigned_client("sts", outputs.region)
    id_token = _IdToken(outputs, tokens, clock)
    identity_id = _get_id(identity, outputs, {outputs.user_pool_provider_name: id_token()})

    def fetch() -> Issued:
        logins = {outputs.user_pool_provider_name: id_token.for_credentials()}
        try:
            token = identity.get_open_id_token(IdentityId=identity_id, Logins=logins)["Token"]
        except ClientError as error:
            message = error.response["Error"].get("Message", "")
            if _code(error) == "InvalidParameterException" and "classic" in message.lower():
                raise ClientProblem(
                    "the identity pool has the basic (classic) flow disabled: use the enhanced "
                    "flow (--flow enhanced), where the identity pool chooses the role",
                    code="InvalidParameterException",
                ) from None
            raise _refusal("GetOpenIdToken", error) from None
        request = {
            "RoleArn": role_arn or outputs.authenticated_role_arn,
            # The session name shows up in the caller's ARN and in CloudTrail: name the identity.
            "RoleSessionName": identity_id.replace(":", "_"),
            "WebIdentityToken": token,
        }
        answer = _call("AssumeRoleWithWebIdentity", sts.assume_role_with_web_identity, request)
        credentials = answer["Credentials"]
        return Issued(
            identity_id,
            credentials["AccessKeyId"],
            credentials["SecretAccessKey"],
            credentials["SessionToken"],
            credentials["Expiration"],
        )

    return refreshing_session(outputs.region, fetch, clock, end=id_token.sign_out)


def developer(
    outputs: StackOutputs, username: str, password: str, clock: Clock = utc_now
) -> IdentitySession:
    """Credentials for a user of the team's own user table, through ``POST /login``.

    The password stays in memory for the life of the session: a new login token (needed once
    the last one expires) can only come from signing in again.
    """
    identity = aws.unsigned_client("cognito-identity", outputs.region)
    login = _DeveloperLogin(outputs.login_url, username, password, clock)

    def fetch() -> Issued:
        identity_id, token = login()
        request = {"IdentityId": identity_id, "Logins": {COGNITO_IDENTITY: token}}
        answer = _call("GetCredentialsForIdentity", identity.get_credentials_for_identity, request)
        return _from_cognito(answer)

    return refreshing_session(outputs.region, fetch, clock)


def guest(outputs: StackOutputs, clock: Clock = utc_now) -> IdentitySession:
    """Credentials for a new unauthenticated identity, if the pool allows guests."""
    identity = aws.unsigned_client("cognito-identity", outputs.region)
    identity_id = _get_id(identity, outputs, None)

    def fetch() -> Issued:
        request = {"IdentityId": identity_id}
        answer = _call("GetCredentialsForIdentity", identity.get_credentials_for_identity, request)
        return _from_cognito(answer)

    return refreshing_session(outputs.region, fetch, clock)


class _IdToken:
    """The current ID token; renewed with the refresh token when it is about to expire, and
    before every credential refresh (see the module's docstring)."""

    def __init__(self, outputs: StackOutputs, tokens: sign_in.Tokens, clock: Clock) -> None:
        self._outputs, self._tokens, self._clock = outputs, tokens, clock
        self._fetched = False

    def __call__(self) -> str:
        if self._tokens.id_token_expires_at - self._clock() < TOKEN_MARGIN:
            self._tokens = sign_in.refresh(self._outputs, self._tokens)
        return self._tokens.id_token

    def for_credentials(self) -> str:
        """The sign-in's token for the first credentials, a renewed one for every later fetch."""
        if self._fetched:
            self._tokens = sign_in.refresh(self._outputs, self._tokens)
        self._fetched = True
        return self()

    def sign_out(self) -> None:
        sign_in.sign_out(self._outputs, self._tokens)


class _DeveloperLogin:
    """``POST /login``; the answer's token is reused until it is about to expire."""

    def __init__(self, url: str, username: str, password: str, clock: Clock) -> None:
        if not url.startswith(("https://", "http://")):
            raise ClientProblem(f"LoginUrl {url!r} is not an http(s) URL: fix the outputs file")
        # The rule the operator tool stored the password under and the login API applies: what
        # passes it is sent (the API's body limit fits its longest JSON), what fails it never is.
        problem = developer_credentials_problem(username, password)
        if problem:
            raise ClientProblem(problem)
        self._url, self._username, self._password, self._clock = url, username, password, clock
        self._answer: tuple[str, str, datetime] | None = None

    def __call__(self) -> tuple[str, str]:
        if self._answer is None or self._answer[2] - self._clock() < TOKEN_MARGIN:
            started = self._clock()
            body = self._post()
            expires = started + timedelta(seconds=int(body["expiresIn"]))
            self._answer = (body["identityId"], body["token"], expires)
        return self._answer[0], self._answer[1]

    def _post(self) -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310 (the scheme is checked in __init__)
            self._url,
            data=json.dumps({"username": self._username, "password": self._password}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (as above)
                answer: dict[str, Any] = json.load(response)
                return answer
        except urllib.error.HTTPError as error:
            raise _login_refusal(error) from None
        except urllib.error.URLError as error:
            raise ClientProblem(
                f"cannot reach LoginUrl {self._url} ({error.reason}): check the outputs file "
                "and that the stack (or the offline emulator) is up"
            ) from None


def developer_credentials_problem(username: str, password: str) -> str | None:
    """Why the login API would refuse these (facts/stack.py's rules), or None."""
    if not re.fullmatch(USERNAME_PATTERN.removeprefix("^").removesuffix("$"), username):
        return f"developer username {username!r}: 3-64 letters, digits and . _ @ + - (not first)"
    try:
        size = len(password.encode("utf-8"))
    except UnicodeEncodeError:
        return "developer password: it holds a lone surrogate, which is no character"
    if len(password) < PASSWORD_MIN_CHARACTERS or size > PASSWORD_MAX_BYTES:
        return (
            f"developer password: at least {PASSWORD_MIN_CHARACTERS} characters and at most "
            f"{PASSWORD_MAX_BYTES} bytes in UTF-8"
        )
    return None


def _login_refusal(error: urllib.error.HTTPError) -> ClientProblem:
    try:
        reason = json.loads(error.read()).get("error", "")
    except (ValueError, AttributeError):
        reason = ""
    message = f"developer sign-in refused (HTTP {error.code}): {reason or error.reason}"
    if error.code in (429, 503) and error.headers.get("Retry-After"):
        message += f"; try again in {error.headers['Retry-After']} s"
    return ClientProblem(message, code=str(error.code))


def _get_id(identity: Any, outputs: StackOutputs, logins: dict[str, str] | None) -> str:
    request: dict[str, Any] = {"IdentityPoolId": outputs.identity_pool_id}
    if logins is not None:
        request["Logins"] = logins
    try:
        identity_id: str = identity.get_id(**request)["IdentityId"]
    except ClientError as error:
        if logins is None and _code(error) == "NotAuthorizedException":
            raise ClientProblem(
                "the identity pool refuses guests (unauthenticated identities are off; "
                f"GuestAccess is {str(outputs.guest_access).lower()}): sign in with a user flow, "
                "or turn config.guestAccess on and redeploy",
                code="NotAuthorizedException",
            ) from None
        raise _refusal("GetId", error) from None
    return identity_id


def _from_cognito(answer: dict[str, Any]) -> Issued:
    credentials = answer["Credentials"]
    return Issued(
        answer["IdentityId"],
        credentials["AccessKeyId"],
        credentials["SecretKey"],
        credentials["SessionToken"],
        credentials["Expiration"],
    )


def refreshing_session(
    region: str,
    fetch: Callable[[], Issued],
    clock: Clock = utc_now,
    end: Callable[[], None] | None = None,
) -> IdentitySession:
    """A session whose credentials come from ``fetch`` now and again whenever they run low;
    ``end`` is what ``IdentitySession.sign_out`` does besides dropping them."""
    refresher = Refresher(fetch)
    first = refresher.latest
    credentials = RefreshableCredentials(
        access_key=first.access_key_id,
        secret_key=first.secret_access_key,
        token=first.session_token,
        expiry_time=first.expiration,
        refresh_using=refresher,
        method="cognito-identity",
        time_fetcher=clock,
        advisory_timeout=ADVISORY_REFRESH_SECONDS,
        mandatory_timeout=MANDATORY_REFRESH_SECONDS,
    )
    core = aws.botocore_session()
    # The session's only credential source: never the environment's or a profile's.
    core.register_component("credential_provider", CredentialResolver([_Fixed(credentials)]))
    session = boto3.Session(botocore_session=core, region_name=region)
    return IdentitySession(session, first.identity_id, refresher, end)


class _Fixed(CredentialProvider):  # type: ignore[misc]  # botocore has no type stubs: Any
    """Hands botocore the one set of credentials this session may use."""

    METHOD = CANONICAL_NAME = "cognito-identity"

    def __init__(self, credentials: RefreshableCredentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> RefreshableCredentials:
        return self._credentials


def _call(operation: str, method: Callable[..., Any], request: dict[str, Any]) -> Any:
    try:
        return method(**request)
    except ClientError as error:
        raise _refusal(operation, error) from None


def _refusal(operation: str, error: ClientError) -> ClientProblem:
    code = _code(error)
    message = error.response["Error"].get("Message", "")
    return ClientProblem(f"{operation} refused ({code}): {message}", code=code)


def _code(error: ClientError) -> str:
    code: str = error.response["Error"]["Code"]
    return code
