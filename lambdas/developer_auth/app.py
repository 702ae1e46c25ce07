"""Developer-authenticated sign-in: ``POST /login`` checks the team's own user store and hands
out an identity pool token for the user's server-side id.

Per request: one ``GetItem``, then either one ``GetOpenIdTokenForDeveloperIdentity`` (success;
plus one write only if failures had been counted) or one conditional ``UpdateItem`` (any
failure, unknown users included, so that every failure costs the same). Unknown user, wrong
password and disabled user get the same 401; a locked account gets the same 429 whether or not
the password was right. Passwords, hashes and tokens never reach a log line.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

try:  # as a package (tests, the operator tool)
    from . import passwords
except ImportError:  # in Lambda, where the function's folder is the import root
    import passwords

MAX_BODY_BYTES = 1024
JSON_CONTENT = re.compile(r"^application/json\s*(;.*)?$", re.IGNORECASE)
INVALID = {"error": "invalid username or password"}
LOCKED = {"error": "too many failed sign-ins; try again later"}
# Unknown users are checked against this, so that they cost the same scrypt work as real ones.
DUMMY_HASH = passwords.hash_password(secrets.token_urlsafe(16))


class RequestError(Exception):
    """A bad request: answered with ``status`` and a JSON body naming the field."""

    def __init__(self, status: int, field: str, message: str) -> None:
        super().__init__(message)
        self.status, self.field, self.message = status, field, message


@dataclass(frozen=True)
class Settings:
    table_name: str
    identity_pool_id: str
    provider_name: str
    token_seconds: int
    max_failed_attempts: int
    lockout_seconds: int
    cors_origins: tuple[str, ...]

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            table_name=env["USER_TABLE"],
            identity_pool_id=env["IDENTITY_POOL_ID"],
            provider_name=env["DEVELOPER_PROVIDER"],
            token_seconds=int(env["TOKEN_SECONDS"]),
            max_failed_attempts=int(env["MAX_FAILED_ATTEMPTS"]),
            lockout_seconds=int(env["LOCKOUT_SECONDS"]),
            cors_origins=tuple(filter(None, env.get("CORS_ORIGINS", "").split(","))),
        )


@dataclass(frozen=True)
class Outcome:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    metric: str


def parse_credentials(
    headers: dict[str, str], body: str | None, is_base64: bool
) -> tuple[str, str]:
    """Validate the request; usernames are case-insensitive and stored in lower case."""
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    if not JSON_CONTENT.match(content_type or ""):
        raise RequestError(415, "Content-Type", "send the body as application/json")
    raw = base64.b64decode(body or "") if is_base64 else (body or "").encode()
    if len(raw) > MAX_BODY_BYTES:
        raise RequestError(413, "body", f"the body is larger than {MAX_BODY_BYTES} bytes")
    try:
        document = json.loads(raw)
    except ValueError:
        raise RequestError(400, "body", "the body is not valid JSON") from None
    if not isinstance(document, dict):
        raise RequestError(400, "body", "the body must be a JSON object")
    for key in document:
        if key not in ("username", "password"):
            raise RequestError(400, str(key)[:64], "unknown field; send username and password")
    username, password = document.get("username"), document.get("password")
    if not isinstance(username, str) or not passwords.USERNAME.match(username):
        raise RequestError(
            400, "username", "3-64 characters: letters, digits and . _ @ + - (not first)"
        )
    low, high = passwords.PASSWORD_LENGTH
    if not isinstance(password, str) or not low <= len(password) <= high:
        raise RequestError(400, "password", f"a string of {low} to {high} characters")
    return username.lower(), password


class SignIn:
    """The sign-in policy over the user table and the identity pool; the clock is injectable."""

    def __init__(
        self,
        settings: Settings,
        table: Any,
        identity: Any,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings, self.table, self.identity, self.clock = settings, table, identity, clock

    def __call__(self, username: str, password: str) -> Outcome:
        item = self.table.get_item(Key={"username": username}, ConsistentRead=True).get("Item")
        now = self.clock()
        if item is None:
            passwords.verify_password(password, DUMMY_HASH)
            self._record_failure(username, None, now)
            return self._invalid()
        correct = passwords.verify_password(password, item["passwordHash"])
        stored_failures = int(item.get("failedAttempts", 0))
        locked_until = float(item.get("lockedUntil", 0))
        failed = stored_failures
        if failed >= self.settings.max_failed_attempts:
            if now < locked_until:
                return self._locked(locked_until - now)
            failed = 0  # the lock-out is over; _record_failure restarts the count too
        if item.get("disabled") or not correct:
            self._record_failure(username, item, now)
            if not item.get("disabled") and failed + 1 >= self.settings.max_failed_attempts:
                return self._locked(self.settings.lockout_seconds)
            return self._invalid()
        if stored_failures:
            self.table.update_item(
                Key={"username": username},
                UpdateExpression="SET failedAttempts = :zero REMOVE lockedUntil",
                ExpressionAttributeValues={":zero": 0},
            )
        request: dict[str, Any] = {
            "IdentityPoolId": self.settings.identity_pool_id,
            "Logins": {self.settings.provider_name: item["userId"]},
            "TokenDuration": self.settings.token_seconds,
        }
        if item.get("principalTags"):
            request["PrincipalTags"] = dict(item["principalTags"])
        answer = self.identity.get_open_id_token_for_developer_identity(**request)
        body = {
            "identityId": answer["IdentityId"],
            "token": answer["Token"],
            "expiresIn": self.settings.token_seconds,
        }
        return Outcome(200, body, {"Cache-Control": "no-store"}, "SignInSucceeded")

    def _record_failure(self, username: str, item: dict[str, Any] | None, now: float) -> None:
        """One conditional write. Unknown users get the same write, refused by its condition."""
        until = int(now + self.settings.lockout_seconds)
        seen = int(item.get("failedAttempts", 0)) if item else 0
        try:
            if seen >= self.settings.max_failed_attempts:
                # The last lock-out is over: counting starts again.
                self.table.update_item(
                    Key={"username": username},
                    UpdateExpression="SET failedAttempts = :one, lockedUntil = :until",
                    ConditionExpression="failedAttempts = :seen",
                    ExpressionAttributeValues={
                        ":one": 1,
                        ":until": until,
                        ":seen": seen,
                    },
                )
            else:
                self.table.update_item(
                    Key={"username": username},
                    UpdateExpression="SET lockedUntil = :until ADD failedAttempts :one",
                    ConditionExpression="attribute_exists(username)",
                    ExpressionAttributeValues={":one": 1, ":until": until},
                )
        except ClientError as error:
            # Unknown user, or a concurrent failure already restarted the count.
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def _invalid(self) -> Outcome:
        return Outcome(401, INVALID, {}, "SignInFailed")

    def _locked(self, seconds: float) -> Outcome:
        return Outcome(429, LOCKED, {"Retry-After": str(max(1, int(seconds)))}, "SignInLocked")


def pseudonym(username: str) -> str:
    """Correlates one user's attempts in the logs without naming the user."""
    return hashlib.sha256(username.encode()).hexdigest()[:16]


SETTINGS = Settings.from_env()
SIGN_IN = SignIn(
    SETTINGS,
    boto3.resource("dynamodb").Table(SETTINGS.table_name),
    boto3.client("cognito-identity"),
)
logger = Logger()
metrics = Metrics()
cors = (
    CORSConfig(allow_origin=SETTINGS.cors_origins[0], extra_origins=list(SETTINGS.cors_origins[1:]))
    if SETTINGS.cors_origins
    else None
)
api = APIGatewayRestResolver(cors=cors)


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(status, "application/json", json.dumps(body), headers or {})


@api.exception_handler(RequestError)
def bad_request(error: RequestError) -> Response:
    logger.info("Request refused", status=error.status, field=error.field)
    return _json(error.status, {"error": error.message, "field": error.field})


@api.post("/login")
def login() -> Response:
    event = api.current_event
    username, password = parse_credentials(
        dict(event.headers or {}), event.body, bool(event.is_base64_encoded)
    )
    outcome = SIGN_IN(username, password)
    metrics.add_metric(outcome.metric, MetricUnit.Count, 1)
    logger.info("Sign-in", status=outcome.status, user=pseudonym(username))
    return _json(outcome.status, outcome.body, outcome.headers)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return api.resolve(event, context)
