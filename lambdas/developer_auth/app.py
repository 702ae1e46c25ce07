"""Developer-authenticated sign-in: ``POST /login`` checks the team's own user store and hands
out an identity pool token for the user's server-side id.

The lock-out (docs/developer-identities.md, "The lock-out"):

- Every attempt first reserves a guess: one conditional ``UpdateItem`` adds one to the window's
  count and holds it under the attempt's own id (``holds``), and is refused once
  ``maxFailedAttempts`` guesses are counted in the window, so no more than that many passwords
  are ever judged per window, however many requests race.
- Before it answers, the attempt settles its hold: a wrong password drops the hold and the
  guess stays counted (a failure); the right password clears the count. A hold the function
  could not settle (a dependency failed: the answer was 503, which tells nothing about the
  password) stops counting once it expires, ``HOLD_SECONDS`` after the attempt, so faults never
  lock the rightful user out for longer than that.
- The hold's id makes the reservation idempotent: when the SDK retries a reservation that was
  applied but whose answer was lost, the condition refuses the retry and returns the record with
  the hold in it, so the guess counts once.

Unknown usernames are counted the same way, in records that DynamoDB TTL removes later, so they
answer exactly as real users do; how many such records a window may create is bounded
(``UNKNOWN_NAMES_PER_WINDOW``). A failure costs two writes, a success two writes and the token,
a lock-out one write. A dependency that fails (throttled, erroring, or too slow for the time
left) answers 503 with ``Retry-After``. Passwords, hashes, tokens and tag values never reach a
log line.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import secrets
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from boto3.dynamodb.types import TypeDeserializer
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

try:  # as a package (tests, the operator tool)
    from . import passwords, tags
except ImportError:  # in Lambda, where the function's folder is the import root
    import passwords  # type: ignore[import-not-found,no-redef]
    import tags  # type: ignore[import-not-found,no-redef]

# The largest body a client sends for the longest username and password: JSON may escape any
# character as \uXXXX, six bytes for each UTF-16 code unit, and each UTF-8 byte of the text
# carries at most one code unit, so the strings take at most 6 * (64 + 256) = 1,920 bytes; the
# object around them 32 with json.dumps's separators. The rest is room for whitespace.
MAX_BODY_BYTES = 2048
JSON_CONTENT = re.compile(r"^application/json\s*(;.*)?$", re.IGNORECASE)
INVALID = {"error": "invalid username or password"}
LOCKED = {"error": "too many failed sign-ins; try again later"}
# A stored record the function will not act on (a tag STS or the hook would refuse): a data
# problem on the server side, for the operator to fix; the caller learns nothing more.
UNAVAILABLE = {"error": "sign-in failed on the server; contact the administrator"}
# A dependency failed (DynamoDB or Cognito throttled, erroring, or too slow): nothing was
# decided about the password, and trying again shortly is the fix.
BUSY = {"error": "sign-in is unavailable for a moment; try again shortly"}
BUSY_RETRY_SECONDS = 5
# Unknown users are checked against this, so that they cost the same scrypt work as real ones.
DUMMY_HASH = passwords.hash_password(secrets.token_urlsafe(16))

# The SDK's retries, chosen rather than inherited (DynamoDB's legacy default makes 10
# attempts): standard mode, whose retry quota stops retry storms in a long outage, three
# attempts, short timeouts (both services answer in tens of milliseconds). One call then takes
# at most 3 * (1 + 2) s of timeouts plus 1 + 2 s of backoff (botocore's standard backoff:
# rand(0, 1) * 2 ** (attempt - 1) s when throttled).
AWS_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=1, read_timeout=2
)
CALL_SECONDS = 12
# No call starts unless it can end by then (infra/developer_auth.py gives the function 20 s, and
# a test holds these together), so the function answers 503 itself rather than time out (502).
DEADLINE_SECONDS = 19
# A hold outlives the attempt that took it (the function's timeout) with room for clocks.
HOLD_SECONDS = 30


class RequestError(Exception):
    """A bad request: answered with ``status`` and a JSON body naming the field."""

    def __init__(self, status: int, field: str, message: str) -> None:
        super().__init__(message)
        self.status, self.field, self.message = status, field, message


class OutOfTime(Exception):
    """No time left for another AWS call within the function's deadline."""


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
    # Records of unknown usernames one lock-out window may create (config.developerAuth).
    unknown_names_per_window: int

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
            unknown_names_per_window=int(env["UNKNOWN_NAMES_PER_WINDOW"]),
        )


@dataclass(frozen=True)
class Outcome:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    metric: str
    # Why the function refused to act, for the log (no secret, no tag value).
    problem: str = ""


def _field_name(key: str) -> str:
    """A field name as the answer and the log may carry it: printable ASCII, escapes else."""
    return key.encode("ascii", "backslashreplace").decode("ascii")[:64]


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise RequestError(400, _field_name(key), "the field is sent twice; send it once")
        document[key] = value
    return document


def parse_credentials(
    headers: dict[str, str] | None, body: object, is_base64: bool
) -> tuple[str, str]:
    """Validate the request; usernames are case-insensitive and stored in lower case."""
    content_type = next(
        (v for k, v in (headers or {}).items() if str(k).lower() == "content-type"), ""
    )
    if not isinstance(content_type, str) or not JSON_CONTENT.match(content_type):
        raise RequestError(415, "Content-Type", "send the body as application/json")
    text = body or ""
    if not isinstance(text, str):  # API Gateway hands the body over as text, always
        raise RequestError(400, "body", "the body is not text")
    # Measured before decoding: a text is never shorter in UTF-8, base64 is 4/3 of its bytes.
    if len(text) > (MAX_BODY_BYTES + 2) // 3 * 4 if is_base64 else len(text) > MAX_BODY_BYTES:
        raise RequestError(413, "body", f"the body is larger than {MAX_BODY_BYTES} bytes")
    try:
        raw = base64.b64decode(text, validate=True) if is_base64 else text.encode("utf-8")
        if len(raw) > MAX_BODY_BYTES:
            raise RequestError(413, "body", f"the body is larger than {MAX_BODY_BYTES} bytes")
        document = json.loads(raw.decode("utf-8"), object_pairs_hook=_unique_keys)
    except (binascii.Error, UnicodeError):
        raise RequestError(400, "body", "the body is not UTF-8 text") from None
    except (ValueError, RecursionError):  # malformed, or nested past the parser
        raise RequestError(400, "body", "the body is not valid JSON") from None
    if not isinstance(document, dict):
        raise RequestError(400, "body", "the body must be a JSON object")
    for key in document:
        if key not in ("username", "password"):
            raise RequestError(400, _field_name(key), "unknown field; send username and password")
    username, password = document.get("username"), document.get("password")
    if not isinstance(username, str) or passwords.username_problem(username):
        raise RequestError(400, "username", passwords.USERNAME_RULE)
    if not isinstance(password, str):
        raise RequestError(400, "password", passwords.PASSWORD_RULE)
    problem = passwords.password_problem(password)
    if problem:
        raise RequestError(400, "password", problem)
    return username.lower(), password


# Counts a guess while the window allows one, and holds it under the attempt's id. The window
# slides: each counted guess moves its end to now + lockoutSeconds. expiresAt is the table's TTL
# attribute: a record without a userId (an unknown username) gets the window's end, a Number, so
# DynamoDB deletes it once expired; a user keeps a copy of its userId there, a String, which TTL
# ignores ("Using DynamoDB Time to Live", DynamoDB developer guide: a TTL attribute that is not
# a Number is ignored).
COUNT = (
    "SET lockedUntil = :until, expiresAt = if_not_exists(userId, :until) "
    "ADD failedAttempts :one, holds :held"
)
OPEN = (
    "(attribute_not_exists(lockedUntil) OR lockedUntil > :now) "
    "AND (attribute_not_exists(failedAttempts) OR failedAttempts < :max) "
    "AND NOT contains(holds, :hold)"
)
# The window is over: the count starts again at this guess, once, whoever races for it.
RESTART = (
    "SET failedAttempts = :one, lockedUntil = :until, expiresAt = if_not_exists(userId, :until), "
    "holds = :held"
)
# Each refused restart or give-back means another request changed the record first; past this
# many the answer is 429 (fail closed) rather than spin.
RESTART_ROUNDS = 3
# The key of the item counting the records of unknown usernames a window created: no username
# holds '#', so it is never a user's.
UNKNOWN_NAMES_KEY = "#unknown-names#"
_DESERIALIZE = TypeDeserializer().deserialize


def is_user(item: dict[str, Any]) -> bool:
    """Records of unknown usernames carry counters only: never a password hash or user id."""
    return "passwordHash" in item and "userId" in item


def hold_expiry(hold: str) -> int:
    """A hold is ``<expiry>:<attempt id>``: it stops counting at that time. One this code did
    not write (by hand) has expired, so it is given back rather than counted for good."""
    expiry = str(hold).split(":", 1)[0]
    return int(expiry) if expiry.isdigit() else 0


def holds_of(item: dict[str, Any]) -> set[str]:
    return set(item.get("holds", ()))


class SignIn:
    """The sign-in policy over the user table and the identity pool; the clocks are injectable."""

    def __init__(
        self,
        settings: Settings,
        table: Any,
        identity: Any,
        clock: Callable[[], float] = time.time,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings, self.table, self.identity = settings, table, identity
        self.clock, self.timer = clock, timer

    def __call__(self, username: str, password: str) -> Outcome:
        started = self.timer()
        try:
            return self._sign_in(username, password, started)
        except (ClientError, BotoCoreError, OutOfTime) as error:
            # Nothing was decided: a hold taken is given back by its expiry (see above).
            return Outcome(
                503,
                BUSY,
                {"Retry-After": str(BUSY_RETRY_SECONDS)},
                "SignInUnavailable",
                f"dependency failed: {_describe(error)}",
            )

    def _call(self, started: float, method: Callable[..., Any], **request: Any) -> Any:
        if self.timer() - started + CALL_SECONDS > DEADLINE_SECONDS:
            raise OutOfTime(f"{getattr(method, '__name__', 'call')}: no time left")
        return method(**request)

    def _sign_in(self, username: str, password: str, started: float) -> Outcome:
        now = int(self.clock())
        hold = f"{now + HOLD_SECONDS}:{secrets.token_hex(8)}"
        item, new, retry_at = self._reserve(username, now, hold, started)
        if item is None:
            # Refused before any password is judged: the same answer for every username.
            return self._locked(retry_at - now)
        with ThreadPoolExecutor(max_workers=1) as background:
            # A new record of an unknown username asks for its place in the window's budget
            # while the password is judged, so that the extra write takes no visible time.
            admitted: Future[bool] | None = (
                background.submit(self._admit, username, now, hold, started) if new else None
            )
            stored = item.get("passwordHash") if is_user(item) else None
            problem = ""
            try:
                # Unknown usernames cost the same scrypt work, against a hash no password
                # matches.
                correct = passwords.verify_password(password, stored or DUMMY_HASH)
            except (ValueError, TypeError, AttributeError):  # a stored hash this code cannot
                # read (written by hand, or not text): judged wrong, and said in the log
                correct, problem = False, "stored password hash unreadable"
            correct = correct and stored is not None
            counted = admitted.result() if admitted is not None else True
        if not correct or item.get("disabled"):
            if counted:
                self._settle(username, hold, started)
            return Outcome(
                401, INVALID, {}, "SignInDataError" if problem else "SignInFailed", problem
            )
        # The right password is no guess, so it clears the count even when the record fails
        # below: a fault in stored data must not lock its user out once it is fixed.
        self._release(username, item, hold, now, started)
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
        answer = self._call(
            started, self.identity.get_open_id_token_for_developer_identity, **request
        )
        body = {
            "identityId": answer["IdentityId"],
            "token": answer["Token"],
            "expiresIn": self.settings.token_seconds,
        }
        return Outcome(200, body, {"Cache-Control": "no-store"}, "SignInSucceeded")

    def _reserve(
        self, username: str, now: int, hold: str, started: float
    ) -> tuple[dict[str, Any] | None, bool, int]:
        """One conditional write per attempt (two when a window has ended or holds expired):
        the record after the guess was counted and whether this attempt created it, or None and
        when to try again.

        DynamoDB applies a conditional UpdateItem atomically to the item, and returns the item
        as it was before the write (ReturnValues=ALL_OLD), or when the condition failed if asked
        to (API reference, UpdateItem: ReturnValuesOnConditionCheckFailure), so no read precedes
        the write, and the record after it is the one before plus this write. An expired window
        is recognised by lockedUntil, never by TTL: DynamoDB deletes expired items only within
        a few days, and until then they still show up in reads ("Time to Live", DynamoDB
        developer guide).
        """
        until = now + self.settings.lockout_seconds
        key = {"username": username}
        returns = {"ReturnValues": "ALL_OLD", "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}
        mine = {":hold": hold, ":held": {hold}, ":one": 1, ":until": until}
        for _ in range(RESTART_ROUNDS):
            try:
                answer = self._call(
                    started,
                    self.table.update_item,
                    Key=key,
                    UpdateExpression=COUNT,
                    ConditionExpression=OPEN,
                    ExpressionAttributeValues={
                        **mine,
                        ":now": now,
                        ":max": self.settings.max_failed_attempts,
                    },
                    **returns,
                )
                old = answer.get("Attributes") or {}
                counted = {
                    **old,
                    "failedAttempts": old.get("failedAttempts", 0) + 1,
                    "holds": holds_of(old) | {hold},
                    "lockedUntil": until,
                }
                return counted, not old, until
            except ClientError as error:
                old = _refused(error)
            if hold in holds_of(old):  # the SDK retried this attempt's own applied write
                return old, False, until
            if "lockedUntil" in old and old["lockedUntil"] > now:
                expired = {h for h in holds_of(old) if hold_expiry(h) <= now}
                if not expired:
                    live = [hold_expiry(h) for h in holds_of(old)]
                    return None, False, int(min([old["lockedUntil"], *live]))
                self._give_back(username, expired, started)
                continue
            if "lockedUntil" in old:
                condition, seen = "lockedUntil = :seen", {":seen": old["lockedUntil"]}
            else:
                condition, seen = "attribute_not_exists(lockedUntil)", {}
            try:
                self._call(
                    started,
                    self.table.update_item,
                    Key=key,
                    UpdateExpression=RESTART,
                    ConditionExpression=f"{condition} AND NOT contains(holds, :hold)",
                    ExpressionAttributeValues={**mine, **seen},
                    **returns,
                )
                restarted = {**old, "failedAttempts": 1, "holds": {hold}, "lockedUntil": until}
                return restarted, False, until
            except ClientError as error:
                old = _refused(error)
            if hold in holds_of(old):
                return old, False, until
        return None, False, until

    def _give_back(self, username: str, expired: Iterable[str], started: float) -> None:
        """Holds nobody settled (their attempt met a fault) stop counting, each once: the
        condition fails if another request gave one back first."""
        expired = sorted(expired)
        names = {f":h{n}": hold for n, hold in enumerate(expired)}
        try:
            self._call(
                started,
                self.table.update_item,
                Key={"username": username},
                UpdateExpression="ADD failedAttempts :minus DELETE holds :expired",
                ConditionExpression=" AND ".join(f"contains(holds, {name})" for name in names),
                ExpressionAttributeValues={
                    ":minus": -len(expired),
                    ":expired": set(expired),
                    **names,
                },
            )
        except ClientError as error:
            _refused(error)

    def _settle(self, username: str, hold: str, started: float) -> None:
        """A judged failure: the hold goes, the guess stays counted for the window."""
        try:
            self._call(
                started,
                self.table.update_item,
                Key={"username": username},
                UpdateExpression="DELETE holds :held",
                # UpdateItem would create a record that is gone (over the budget, or deleted).
                ConditionExpression="attribute_exists(username)",
                ExpressionAttributeValues={":held": {hold}},
            )
        except ClientError as error:
            _refused(error)

    def _release(
        self, username: str, item: dict[str, Any], hold: str, now: int, started: float
    ) -> None:
        """A success clears the count, but for attempts still in flight (their live holds),
        unless another attempt was counted since this one: then the count stands, and this
        attempt's hold expires (one write either way)."""
        live = {h for h in holds_of(item) if hold_expiry(h) > now} - {hold}
        try:
            self._call(
                started,
                self.table.update_item,
                Key={"username": username},
                UpdateExpression="SET failedAttempts = :live REMOVE lockedUntil DELETE holds :gone",
                ConditionExpression="failedAttempts = :seen",
                ExpressionAttributeValues={
                    ":live": len(live),
                    ":gone": holds_of(item) - live,
                    ":seen": item["failedAttempts"],
                },
            )
        except ClientError as error:
            _refused(error)

    def _admit(self, username: str, now: int, hold: str, started: float) -> bool:
        """Whether the window's budget of unknown-username records has room for this new one;
        if not, the record goes again and the guess counts nothing (the trade-off is in
        docs/security.md)."""
        window = now // self.settings.lockout_seconds
        try:
            self._call(
                started,
                self.table.update_item,
                Key={"username": f"{UNKNOWN_NAMES_KEY}{window}"},
                UpdateExpression="SET expiresAt = :expires ADD admitted :one",
                ConditionExpression="attribute_not_exists(admitted) OR admitted < :cap",
                ExpressionAttributeValues={
                    ":one": 1,
                    ":cap": self.settings.unknown_names_per_window,
                    ":expires": (window + 2) * self.settings.lockout_seconds,
                },
            )
            return True
        except ClientError as error:
            _refused(error)
        try:
            self._call(
                started,
                self.table.delete_item,
                Key={"username": username},
                ConditionExpression="attribute_not_exists(userId) AND contains(holds, :hold)",
                ExpressionAttributeValues={":hold": hold},
            )
        except ClientError as error:
            _refused(error)
        return False

    def _locked(self, seconds: float) -> Outcome:
        return Outcome(429, LOCKED, {"Retry-After": str(max(1, int(seconds)))}, "SignInLocked")


def _refused(error: ClientError) -> dict[str, Any]:
    """The item a refused condition returned (empty if there was none); anything else raises."""
    if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
        raise error
    raw = error.response.get("Item") or {}
    return {name: _DESERIALIZE(value) for name, value in raw.items()}


def _describe(error: Exception) -> str:
    """The failed operation and AWS's error code, for the log; no request data."""
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "unknown")
        return f"{error.operation_name}: {code}"
    return type(error).__name__


def pseudonym(username: str) -> str:
    """Correlates one user's attempts in the logs without naming the user."""
    return hashlib.sha256(username.encode()).hexdigest()[:16]


SETTINGS = Settings.from_env()
SIGN_IN = SignIn(
    SETTINGS,
    boto3.resource("dynamodb", config=AWS_CONFIG).Table(SETTINGS.table_name),
    boto3.client("cognito-identity", config=AWS_CONFIG),
)
logger = Logger()
metrics = Metrics()
cors = (
    CORSConfig(allow_origin=SETTINGS.cors_origins[0], extra_origins=list(SETTINGS.cors_origins[1:]))
    if SETTINGS.cors_origins
    else None
)
api = APIGatewayRestResolver(cors=cors)


def _json(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Response[str]:
    return Response(status, "application/json", json.dumps(body), headers or {})


def bad_request(error: RequestError) -> Response[str]:
    logger.info("Request refused", status=error.status, field=error.field)
    return _json(error.status, {"error": error.message, "field": error.field})


@api.post("/login")
def login() -> Response[str]:
    event = api.current_event
    try:
        username, password = parse_credentials(
            dict(event.headers or {}), event.body, bool(event.is_base64_encoded)
        )
    except RequestError as error:
        return bad_request(error)
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
