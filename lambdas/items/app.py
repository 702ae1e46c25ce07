"""The items API: ``GET /me`` and each tenant's items, behind API Gateway with ``AWS_IAM``
authorization on every method (docs/items-api.md).

Who calls comes only from ``requestContext.identity``, which API Gateway fills from the signed
request's credentials (API Gateway developer guide, "Variables for data transformations":
``$context.identity.*``); no header or body field ever names a caller. The tenant is in the
path because API Gateway passes no session tags to the integration: IAM has already judged it
against the role's ``execute-api:Invoke`` grant on ``/tenants/${aws:PrincipalTag/tenant}/...``.
This function judges ownership, with conditional writes, so no read-then-write race exists:

- ``PUT`` writes an item that is new or the caller's own;
- ``DELETE`` removes the caller's own item, or any item of the tenant when the caller's role is
  one of ``DELETE_ANY_ROLES`` (the admin-preset groups' roles).

Bad input answers 4xx with ``{"error", "field"}``, never 5xx. A table that fails (throttled,
unreachable, erroring) after the SDK's own retries answers 503 with ``Retry-After`` and
``{"error"}``: each request makes one write at most, so nothing is half-written. boto3 is
imported by the first request that reaches the table, not at import: ``GET /me`` and refused
requests never need it, and the cold import stays the resolver's own (bench/items_api.py).
"""

from __future__ import annotations

import base64
import functools
import json
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.api_gateway_proxy_event import (
    APIGatewayEventRequestContext,
)
from aws_lambda_powertools.utilities.data_classes.common import APIGatewayEventIdentity
from aws_lambda_powertools.utilities.typing import LambdaContext

# The contract's path parameters (docs/items-api.md). A tenant is what a `tenant` session tag
# can hold in one path segment: 1-256 letters, digits (any script), spaces and _ . : = + - @
# (STS's tag value alphabet, IAM user guide "Passing session tags in AWS STS", without "/",
# which would leave the path segment). fullmatch: `$` would let a trailing newline through.
TENANT_LENGTH = 256
TENANT_PUNCTUATION = frozenset("_.:=+-@")
ITEM_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_TEXT = 1000
# 1000 characters, each at most 12 bytes as a JSON escape (a surrogate pair), and the braces:
# anything longer cannot be a valid body, so it is refused before it is parsed.
MAX_BODY_BYTES = 16 * 1024
ITEM_FIELDS = ("id", "tenant", "owner", "text", "updatedAt")
# Items per listing page at most, and by default: 100 of the longest texts, escaped, are about
# 1.2 MB, well inside Lambda's 6 MB response limit however many items a tenant holds.
PAGE_SIZE = 100
# The query strings of a listing (the method request declares both): the page after a token,
# and the page's size, 1..PAGE_SIZE in plain decimal.
NEXT = "next"
LIMIT = "limit"
LIMIT_VALUE = re.compile(r"[1-9][0-9]{0,2}")
# The resolver's routes, and the query strings each takes: any other is refused, never ignored.
ME_ROUTE = "/me"
LISTING = "/tenants/<tenant>/items"
ITEM_ROUTE = "/tenants/<tenant>/items/<id>"
QUERY_BY_ROUTE = {ME_ROUTE: frozenset(), LISTING: frozenset({NEXT, LIMIT}), ITEM_ROUTE: frozenset()}
# The SDK's retries, set here rather than left to the defaults (legacy mode, which allows
# DynamoDB 10 attempts): standard mode, 3 attempts, each bounded by these timeouts, so a
# brownout answers 503 well inside the function's timeout (tests/lambdas/items/test_contract.py
# holds the worst case below it).
RETRY_MODE = "standard"
ATTEMPTS = 3
CONNECT_TIMEOUT_SECONDS = 1
READ_TIMEOUT_SECONDS = 2
# When a failing table answers 503, the client may retry after this many seconds.
RETRY_AFTER_SECONDS = 2
# IAM role names; the assumed-role ARN of identity pool credentials names the role, not its path
# (IAM user guide, "IAM identifiers": assumed-role ARNs).
ASSUMED_ROLE = re.compile(
    r"arn:aws[a-z-]*:sts::(\d{12}):assumed-role/([A-Za-z0-9_+=,.@-]{1,64})/.+"
)
# What the not-found answer lists; tests/lambdas/items/test_contract.py holds it to the API's
# methods in the template.
ROUTES = (
    "GET /me",
    "GET /tenants/{tenant}/items",
    "PUT /tenants/{tenant}/items/{id}",
    "DELETE /tenants/{tenant}/items/{id}",
)

# Metric names (namespace POWERTOOLS_METRICS_NAMESPACE, dimension service=items) for alarms.
WRITTEN = "ItemWritten"
DELETED = "ItemDeleted"
# PUT or DELETE on another owner's item: ownership is refused here, not by IAM.
REFUSED = "ItemRefused"
# Signed by credentials of another identity pool or without an identity id: IAM let the caller
# invoke, so a grant reaches further than the identity pool's roles.
CALLER_REFUSED = "CallerRefused"
# The table failed after the SDK's retries: answered 503.
TABLE_FAILED = "TableFailed"
# DynamoDB's error code for a write whose condition failed.
CONDITION_FAILED = "ConditionalCheckFailedException"


class RequestError(Exception):
    """A refused request: answered with ``status`` and ``{"error", "field"}`` (field when one
    applies); ``metric`` counts it when it is worth an alarm."""

    def __init__(
        self, status: int, field: str | None, message: str, metric: str | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.field, self.message, self.metric = status, field, message, metric


class ConditionFailed(Exception):
    """DynamoDB refused a write's condition; ``response`` is its error response."""

    def __init__(self, response: dict[str, Any]) -> None:
        super().__init__(CONDITION_FAILED)
        self.response = response


class TableUnavailable(Exception):
    """The table failed after the SDK's retries: answered 503 with ``Retry-After``. ``reason``
    is the DynamoDB error code or the botocore error class, for the log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Settings:
    table_name: str
    identity_pool_id: str
    # IAM role names (not ARNs) whose callers may delete any item of their tenant.
    delete_any_roles: frozenset[str]
    # Browser origins whose pages may read the answers (config.corsOrigins); none: no CORS.
    cors_origins: tuple[str, ...] = ()

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        roles = (name.strip() for name in env["DELETE_ANY_ROLES"].split(","))
        return cls(
            table_name=env["ITEMS_TABLE"],
            identity_pool_id=env["IDENTITY_POOL_ID"],
            delete_any_roles=frozenset(filter(None, roles)),
            cors_origins=tuple(filter(None, env.get("CORS_ORIGINS", "").split(","))),
        )


@dataclass(frozen=True)
class Caller:
    identity_id: str
    identity_pool_id: str
    authentication_type: str | None
    authentication_provider: str | None
    # The role of the caller's credentials when it is a role of the API's own account: a role
    # of the same name elsewhere that trusts this identity pool is nobody here.
    role: str | None


def role_name(user_arn: str | None, account: str | None) -> str | None:
    """The role name in an assumed-role ARN of ``account``, else None."""
    match = ASSUMED_ROLE.fullmatch(user_arn or "")
    if match is None or match[1] != account:
        return None
    return match[2]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def parse_caller(context: APIGatewayEventRequestContext, settings: Settings) -> Caller:
    """The caller as API Gateway identified them; 403 unless it is an identity of our pool."""
    identity = APIGatewayEventIdentity(context.get("identity") or {})
    identity_id = _text(identity.cognito_identity_id)
    pool = identity.cognito_identity_pool_id
    if pool != settings.identity_pool_id or identity_id is None:
        raise RequestError(
            403,
            None,
            "sign the request with credentials from this API's identity pool",
            CALLER_REFUSED,
        )
    return Caller(
        identity_id=identity_id,
        identity_pool_id=pool,
        authentication_type=_text(identity.cognito_authentication_type),
        authentication_provider=_text(identity.cognito_authentication_provider),
        role=role_name(_text(identity.user_arn), _text(context.get("accountId"))),
    )


def _tenant_character(character: str) -> bool:
    # Letters, digits and space separators of any script, as STS's \p{L}\p{N}\p{Z}.
    return unicodedata.category(character)[0] in "LNZ" or character in TENANT_PUNCTUATION


def check_tenant(value: Any) -> str:
    if (
        not isinstance(value, str)
        or not 1 <= len(value) <= TENANT_LENGTH
        or not all(map(_tenant_character, value))
    ):
        raise RequestError(
            400,
            "tenant",
            f"1-{TENANT_LENGTH} letters, digits, spaces and _ . : = + - @ (your tenant tag)",
        )
    return value


def check_item_id(value: Any) -> str:
    if not isinstance(value, str) or not ITEM_ID.fullmatch(value):
        raise RequestError(400, "id", "1-64 characters: letters, digits, _ and -")
    return value


def encode_next(item_id: str) -> str:
    """The ``next`` token after ``item_id``: the sort key alone, so a token never names a
    tenant; the handler pairs it with the path's tenant, which IAM judged."""
    return base64.urlsafe_b64encode(item_id.encode()).decode().rstrip("=")


def decode_next(token: str) -> str:
    """The item id a ``next`` token holds; 400 ``next`` for anything no listing gave."""
    try:
        item_id = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except ValueError:  # not base64, or not UTF-8
        item_id = ""
    # The decoder skips characters outside its alphabet: only the token encode_next gives for
    # a valid id is one.
    if not ITEM_ID.fullmatch(item_id) or encode_next(item_id) != token:
        raise RequestError(
            400, NEXT, "not a token a listing gave; send the previous page's next, or none"
        )
    return item_id


def parse_limit(value: str | None) -> int:
    """The page size a listing asks for: PAGE_SIZE when none; 400 ``limit`` for anything but
    1..PAGE_SIZE in plain decimal."""
    if value is None:
        return PAGE_SIZE
    if not LIMIT_VALUE.fullmatch(value) or int(value) > PAGE_SIZE:
        raise RequestError(400, LIMIT, f"a whole number from 1 to {PAGE_SIZE}, or none")
    return int(value)


def check_query(route: str, single: dict[str, str] | None, multi: Any) -> None:
    """400 naming the first query string the route does not take, or one given twice (which
    value API Gateway keeps in ``queryStringParameters`` is its choice, not the caller's)."""
    allowed = QUERY_BY_ROUTE[route]
    for name in [*(single or {}), *(multi or {})]:
        if name not in allowed:
            taken = ", ".join(sorted(allowed)) or "none"
            raise RequestError(
                400, name[:64] or "query", f"unknown query string; this route takes {taken}"
            )
    for name, values in (multi or {}).items():
        if isinstance(values, list) and len(values) > 1:
            raise RequestError(400, name[:64] or "query", "give this query string once")


def parse_text(body: str | None, is_base64: bool) -> str:
    """The ``text`` of a PUT body ``{"text": "<1..1000 characters>"}``, which holds nothing else:
    an item's owner, tenant and id never come from the body."""
    if body is not None and not isinstance(body, str):
        raise RequestError(400, "body", 'send the body as JSON text: {"text": "..."}')
    try:
        # surrogatepass: a lone surrogate in the text is refused below, naming the text.
        raw = (
            base64.b64decode(body or "", validate=True)
            if is_base64
            else (body or "").encode("utf-8", "surrogatepass")
        )
    except ValueError:
        raise RequestError(400, "body", "the body is not valid base64") from None
    if len(raw) > MAX_BODY_BYTES:
        raise RequestError(413, "body", f"the body is larger than {MAX_BODY_BYTES} bytes")
    try:
        document = json.loads(raw if is_base64 else body or "")
    except (ValueError, RecursionError):  # malformed, not UTF-8, or nested past the parser
        raise RequestError(400, "body", 'the body is not JSON; send {"text": "..."}') from None
    if not isinstance(document, dict):
        raise RequestError(400, "body", 'the body must be a JSON object: {"text": "..."}')
    for key in document:
        if key != "text":
            # Named as sent (an empty key names nothing, so the body is named).
            raise RequestError(400, key[:64] or "body", "unknown field; send text only")
    text = document.get("text")
    if not isinstance(text, str) or not 1 <= len(text) <= MAX_TEXT:
        raise RequestError(400, "text", f"a string of 1 to {MAX_TEXT} characters")
    try:
        text.encode()
    except UnicodeEncodeError:  # a lone surrogate escape: DynamoDB stores UTF-8 only
        raise RequestError(
            400, "text", "the text holds a lone surrogate (\\ud800-\\udfff); send Unicode text"
        ) from None
    return text


def utc_now() -> datetime:
    return datetime.now(UTC)


# The ownership rules, as conditions on the writes. Attribute names go through placeholders:
# OWNER is a DynamoDB reserved word (DynamoDB developer guide, "Reserved words").
NEW_OR_OWN = "attribute_not_exists(#id) OR #owner = :caller"
OWN = "attribute_exists(#id) AND #owner = :caller"
EXISTS = "attribute_exists(#id)"
ID_AND_OWNER = {"#id": "id", "#owner": "owner"}


class ItemStore:
    """The ownership rules over the items table (``tenant``, ``id``); the clock is injectable.

    Each rule is the condition of the one write that acts on it: DynamoDB applies a conditional
    write atomically to the item (DynamoDB developer guide, "Condition expressions"), so two
    callers racing on one id cannot both pass. Any other failure of the table, after the SDK's
    retries, raises :class:`TableUnavailable`.
    """

    def __init__(self, table: Any, clock: Callable[[], datetime] = utc_now) -> None:
        self.table, self.clock = table, clock

    def _call(self, operation: Callable[..., dict[str, Any]], **request: Any) -> dict[str, Any]:
        """``operation(**request)``; a refused condition raises ConditionFailed, and any other
        error of the table or the SDK raises TableUnavailable."""
        # botocore is imported with boto3, by the first request that reaches the table.
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return operation(**request)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            if code == CONDITION_FAILED:
                raise ConditionFailed(error.response) from None
            raise TableUnavailable(code or type(error).__name__) from error
        except BotoCoreError as error:  # no connection, a timeout, after the SDK's retries
            raise TableUnavailable(type(error).__name__) from error

    def list_tenant(
        self, tenant: str, after: str | None = None, limit: int = PAGE_SIZE
    ) -> tuple[list[dict[str, str]], str | None]:
        """One page of at most ``limit`` of the tenant's items, sorted by id (DynamoDB returns a
        partition in sort key order), starting after the id ``after``; and the id to start the
        next page after, when more remain."""
        start = {} if after is None else {"ExclusiveStartKey": {"tenant": tenant, "id": after}}
        answer = self._call(
            self.table.query,
            KeyConditionExpression="#tenant = :tenant",
            ExpressionAttributeNames={"#tenant": "tenant"},
            ExpressionAttributeValues={":tenant": tenant},
            # One past the page: DynamoDB's LastEvaluatedKey alone would also come with a page
            # that ends at the tenant's last item, and the next page would be empty.
            Limit=limit + 1,
            **start,
        )
        items = [_public(item) for item in answer["Items"]]
        if len(items) > limit:
            return items[:limit], items[limit - 1]["id"]
        # Fewer items yet a LastEvaluatedKey: the Query stopped at its 1 MB read limit (DynamoDB
        # developer guide, "Paginating table query results"), so more may remain.
        last = answer.get("LastEvaluatedKey")
        return items, None if last is None else last["id"]

    def put(self, tenant: str, item_id: str, caller: str, text: str) -> dict[str, str]:
        """Write the item if it is new or the caller's own. A retry of the SDK after a lost
        response finds the caller's own item: the same condition passes again."""
        updated = self.clock().isoformat(timespec="milliseconds").replace("+00:00", "Z")
        item = {
            "tenant": tenant,
            "id": item_id,
            "owner": caller,
            "text": text,
            "updatedAt": updated,
        }
        try:
            self._call(
                self.table.put_item,
                Item=item,
                ConditionExpression=NEW_OR_OWN,
                ExpressionAttributeNames=ID_AND_OWNER,
                ExpressionAttributeValues={":caller": caller},
            )
        except ConditionFailed:
            raise RequestError(
                403, "id", "another identity owns this item; choose another id", REFUSED
            ) from None
        return _public(item)

    def delete(self, tenant: str, item_id: str, caller: str, any_owner: bool) -> None:
        """Delete the caller's own item, or any item when ``any_owner``. 404 when there is no
        item, unless the SDK retried: an earlier attempt may have deleted it and lost its
        response, so a gone item then counts as deleted (the request's outcome either way)."""
        condition: dict[str, Any] = (
            {"ConditionExpression": EXISTS, "ExpressionAttributeNames": {"#id": "id"}}
            if any_owner
            else {
                "ConditionExpression": OWN,
                "ExpressionAttributeNames": ID_AND_OWNER,
                "ExpressionAttributeValues": {":caller": caller},
            }
        )
        try:
            self._call(
                self.table.delete_item,
                Key={"tenant": tenant, "id": item_id},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
                **condition,
            )
        except ConditionFailed as error:
            # The item as it was when the condition failed (API reference, DeleteItem:
            # ReturnValuesOnConditionCheckFailure): none means there was no item.
            if "Item" in error.response:
                raise RequestError(
                    403,
                    "id",
                    "another identity owns this item; only its owner may delete it",
                    REFUSED,
                ) from None
            # botocore reports the retries it made (ResponseMetadata.RetryAttempts).
            if not error.response.get("ResponseMetadata", {}).get("RetryAttempts"):
                raise RequestError(404, "id", "no such item in this tenant") from None


def _public(item: dict[str, Any]) -> dict[str, str]:
    return {name: item[name] for name in ITEM_FIELDS}


SETTINGS = Settings.from_env()
logger = Logger()
metrics = Metrics()
# The answer names the caller's origin when it is one of these (the preflight is API Gateway's).
cors = (
    CORSConfig(allow_origin=SETTINGS.cors_origins[0], extra_origins=list(SETTINGS.cors_origins[1:]))
    if SETTINGS.cors_origins
    else None
)
api = APIGatewayRestResolver(cors=cors)


@functools.cache
def store() -> ItemStore:
    """The table, opened by the first request that reaches it (see the module's docstring)."""
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"mode": RETRY_MODE, "total_max_attempts": ATTEMPTS},
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
    )
    return ItemStore(boto3.resource("dynamodb", config=config).Table(SETTINGS.table_name))


def require_identity(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[str]:
    """Runs before every route, the not-found answer included."""
    event = app.current_event
    app.append_context(  # type: ignore[no-untyped-call]
        caller=parse_caller(
            APIGatewayEventRequestContext(event.get("requestContext") or {}), SETTINGS
        )
    )
    return next_middleware(app)


api.use(middlewares=[require_identity])


def _caller() -> Caller:
    caller: Caller = api.context["caller"]
    return caller


def _json(status: int, body: dict[str, Any]) -> Response[str]:
    return Response(status, "application/json", json.dumps(body))


@api.exception_handler(RequestError)  # type: ignore[untyped-decorator]
def refused(error: RequestError) -> Response[str]:
    if error.metric:
        metrics.add_metric(error.metric, MetricUnit.Count, 1)
    # A field named as sent may hold a lone surrogate, which the log's UTF-8 cannot carry.
    field = None if error.field is None else error.field.encode("utf-8", "backslashreplace")
    logged = None if field is None else field.decode()
    logger.info("Request refused", status=error.status, field=logged, metric=error.metric)
    body = {"error": error.message}
    if error.field is not None:
        body["field"] = error.field
    return _json(error.status, body)


@api.exception_handler(TableUnavailable)  # type: ignore[untyped-decorator]
def unavailable(error: TableUnavailable) -> Response[str]:
    """503, never the 502 of a failed function: the client may retry (its SDK retries 503s)."""
    metrics.add_metric(TABLE_FAILED, MetricUnit.Count, 1)
    logger.error("Table unavailable after the SDK's retries", reason=error.reason)
    body = {"error": f"the items table is unavailable; retry in {RETRY_AFTER_SECONDS} seconds"}
    return Response(
        503,
        "application/json",
        json.dumps(body),
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


# Path parameters are read as API Gateway parsed them (`pathParameters`, decoded), never as the
# resolver captured them from `path`, which REST APIs deliver percent-encoded (public reports;
# the developer guide says neither). A value in either form that is not the decoded one fails
# the contract's alphabet, which has no `%` (nor `/`), so either reading only ever refuses.
def _tenant() -> str:
    return check_tenant(api.current_event.path_parameters.get("tenant"))


def _item_id() -> str:
    return check_item_id(api.current_event.path_parameters.get("id"))


def _query(route: str) -> None:
    event = api.current_event
    check_query(route, event.query_string_parameters, event.get("multiValueQueryStringParameters"))


@api.not_found
def no_route(_: NotFoundError) -> Response[str]:
    """A path parameter outside the resolver's route patterns (a decoded `/` or `"`) still
    names its field: API Gateway routed the request and parsed its parameters."""
    parameters = api.current_event.path_parameters
    if "tenant" in parameters:
        _tenant()
    if "id" in parameters:
        _item_id()
    routes = ", ".join(ROUTES)
    return _json(404, {"error": f"no such route; the routes are {routes}", "field": "path"})


@api.get(ME_ROUTE)
def me() -> dict[str, Any]:
    _query(ME_ROUTE)
    caller = _caller()
    return {
        "identityId": caller.identity_id,
        "identityPoolId": caller.identity_pool_id,
        "authenticationType": caller.authentication_type,
        "authenticationProvider": caller.authentication_provider,
        "role": caller.role,
    }


@api.get(LISTING)
def list_items(**_encoded: str) -> dict[str, Any]:
    tenant = _tenant()
    _query(LISTING)
    event = api.current_event
    limit = parse_limit(event.get_query_string_value(LIMIT))
    token = event.get_query_string_value(NEXT)
    after = None if token is None else decode_next(token)
    items, last = store().list_tenant(tenant, after, limit)
    return {"items": items} if last is None else {"items": items, NEXT: encode_next(last)}


@api.put(ITEM_ROUTE)
def put_item(**_encoded: str) -> dict[str, str]:
    tenant, item_id = _tenant(), _item_id()
    _query(ITEM_ROUTE)
    event = api.current_event
    text = parse_text(event.body, bool(event.is_base64_encoded))
    item = store().put(tenant, item_id, _caller().identity_id, text)
    metrics.add_metric(WRITTEN, MetricUnit.Count, 1)
    return item


@api.delete(ITEM_ROUTE)
def delete_item(**_encoded: str) -> dict[str, str]:
    tenant, item_id = _tenant(), _item_id()
    _query(ITEM_ROUTE)
    caller = _caller()
    any_owner = caller.role in SETTINGS.delete_any_roles
    store().delete(tenant, item_id, caller.identity_id, any_owner)
    metrics.add_metric(DELETED, MetricUnit.Count, 1)
    return {"deleted": item_id}


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return api.resolve(event, context)
