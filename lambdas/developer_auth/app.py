"""Developer-authenticated sign-in: ``POST /login`` checks the team's own user store and hands
out an identity pool token for the user's server-side id.

Every attempt first reserves a guess: one conditional ``UpdateItem`` counts it and reads the
record back, and is refused once ``maxFailedAttempts`` guesses are counted in the lock-out
window, so no more than that many passwords are ever judged per window, however many requests
race. Unknown usernames are counted the same way, in records that DynamoDB TTL removes later, so
they answer exactly as real users do: 401 for the first failures, then 429. A success gives its
reservation back and asks for the token (three calls); a failure costs the reservation alone.
Passwords, hashes, tokens and tag values never reach a log line.
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
from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

try:  # as a package (tests, the operator tool)
    from . import passwords, tags
except ImportError:  # in Lambda, where the function's folder is the import root
    import passwords
    import tags

MAX_BODY_BYTES = 1024
JSON_CONTENT = re.compile(r"^application/json\s*(;.*)?$", re.IGNORECASE)
INVALID = {"error": "invalid username or password"}
LOCKED = {"error": "too many failed sign-ins; try again later"}
# A stored record the function will not act on (a tag STS or the hook would refuse): a data
# problem on the server side, for the operator to fix; the caller learns nothing more.
UNAVAILABLE = {"error": "sign-in failed on the server; contact the administrator"}
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
    # Per tag key, the transforms of the claim that tag comes from for user pool users
    # (config.tokenHook.claims through config.principalTags), so both kinds of user get the same
    # tenant tag.
    tag_transforms: dict[str, tuple[str, ...]]

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
            tag_transforms=tags.parse_transforms(env["TAG_TRANSFORMS"]),
        )


@dataclass(frozen=True)
class Outcome:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    metric: str
    # Why the function refused to act, for the log (no secret, no tag value).
    problem: str = ""


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
    except (ValueError, RecursionError):  # malformed, not UTF-8, or nested past the parser
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


# Counts a guess while the window allows one. The window slides: each counted guess moves its
# end to now + lockoutSeconds. expiresAt is the table's TTL attribute: a record without a
# userId (an unknown username) gets the window's end, a Number, so DynamoDB deletes it once
# expired; a user keeps a copy of its userId there, a String, which TTL ignores ("Using DynamoDB
# Time to Live", DynamoDB developer guide: a TTL attribute that is not a Number is ignored).
COUNT = (
    "SET lockedUntil = :until, expiresAt = if_not_exists(userId, :until) ADD failedAttempts :one"
)
OPEN = (
    "(attribute_not_exists(lockedUntil) OR lockedUntil > :now) "
    "AND (attribute_not_exists(failedAttempts) OR failedAttempts < :max)"
)
# The window is over: the count starts again at this guess, once, whoever races for it.
RESTART = (
    "SET failedAttempts = :one, lockedUntil = :until, expiresAt = if_not_exists(userId, :until)"
)
# Each refused restart means another request restarted the window first; past this many the
# answer is 429 (fail closed) rather than spin.
RESTART_ROUNDS = 3
_DESERIALIZE = TypeDeserializer().deserialize


def is_user(item: dict[str, Any]) -> bool:
    """Records of unknown usernames carry counters only: never a password hash or user id."""
    return "passwordHash" in item and "userId" in item


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
        now = int(self.clock())
        item, locked_until = self._reserve(username, now)
        if item is None:
            # Refused before any password is judged: the same answer for every username.
            return self._locked(locked_until - now)
        stored = item.get("passwordHash") if is_user(item) else None
        # Unknown usernames cost the same scrypt work, against a hash no password matches.
        correct = passwords.verify_password(password, stored or DUMMY_HASH) and stored is not None
        if not correct or item.get("disabled"):
            return Outcome(401, INVALID, {}, "SignInFailed")
        # The right password is no guess, so it clears the count even when the record fails
        # below: a fault in stored data must not lock its user out once it is fixed.
        self._release(username, item["failedAttempts"])
        try:
            principal_tags = tags.normalize(
                item.get("principalTags", {}), self.settings.tag_transforms
            )
        except tags.TagError as error:
            # Stored data no session may carry: refuse rather than pass it on or trim it.
            return Outcome(500, UNAVAILABLE, {}, "SignInDataError", f"stored {error}")
        request: dict[str, Any] = {
            "IdentityPoolId": self.settings.identity_pool_id,
            "Logins": {self.settings.provider_name: item["userId"]},
            "TokenDuration": self.settings.token_seconds,
        }
        if principal_tags:
            request["PrincipalTags"] = principal_tags
        answer = self.identity.get_open_id_token_for_developer_identity(**request)
        body = {
            "identityId": answer["IdentityId"],
            "token": answer["Token"],
            "expiresIn": self.settings.token_seconds,
        }
        return Outcome(200, body, {"Cache-Control": "no-store"}, "SignInSucceeded")

    def _reserve(self, username: str, now: int) -> tuple[dict[str, Any] | None, int]:
        """One conditional write per attempt (two when a window has ended): the record after the
        guess was counted, or None and when the lock-out ends.

        DynamoDB applies a conditional UpdateItem atomically to the item, and returns the item
        as it was when the condition failed if asked to (API reference, UpdateItem:
        ReturnValuesOnConditionCheckFailure), so no read precedes the write. An expired window
        is recognised by lockedUntil, never by TTL: DynamoDB deletes expired items only within
        a few days, and until then they still show up in reads ("Time to Live", DynamoDB
        developer guide).
        """
        until = now + self.settings.lockout_seconds
        key = {"username": username}
        returns = {"ReturnValues": "ALL_NEW", "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}
        for _ in range(RESTART_ROUNDS):
            try:
                return self.table.update_item(
                    Key=key,
                    UpdateExpression=COUNT,
                    ConditionExpression=OPEN,
                    ExpressionAttributeValues={
                        ":one": 1,
                        ":until": until,
                        ":now": now,
                        ":max": self.settings.max_failed_attempts,
                    },
                    **returns,
                )["Attributes"], until
            except ClientError as error:
                old = _refused(error)
            if "lockedUntil" in old and old["lockedUntil"] > now:
                return None, int(old["lockedUntil"])
            if "lockedUntil" in old:
                condition, seen = "lockedUntil = :seen", {":seen": old["lockedUntil"]}
            else:
                condition, seen = "attribute_not_exists(lockedUntil)", {}
            try:
                return self.table.update_item(
                    Key=key,
                    UpdateExpression=RESTART,
                    ConditionExpression=condition,
                    ExpressionAttributeValues={":one": 1, ":until": until, **seen},
                    **returns,
                )["Attributes"], until
            except ClientError as error:
                _refused(error)
        return None, until

    def _release(self, username: str, seen: int) -> None:
        """A success clears the count, unless another attempt was counted since this one: then
        the count stands, ours included (one write either way)."""
        try:
            self.table.update_item(
                Key={"username": username},
                UpdateExpression="SET failedAttempts = :zero REMOVE lockedUntil",
                ConditionExpression="failedAttempts = :seen",
                ExpressionAttributeValues={":zero": 0, ":seen": seen},
            )
        except ClientError as error:
            _refused(error)

    def _locked(self, seconds: float) -> Outcome:
        return Outcome(429, LOCKED, {"Retry-After": str(max(1, int(seconds)))}, "SignInLocked")


def _refused(error: ClientError) -> dict[str, Any]:
    """The item a refused condition returned (empty if there was none); anything else raises."""
    if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
        raise error
    raw = error.response.get("Item") or {}
    return {name: _DESERIALIZE(value) for name, value in raw.items()}


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
    if outcome.problem:
        logger.error("Sign-in refused", problem=outcome.problem, user=pseudonym(username))
    else:
        logger.info("Sign-in", status=outcome.status, user=pseudonym(username))
    return _json(outcome.status, outcome.body, outcome.headers)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return api.resolve(event, context)
