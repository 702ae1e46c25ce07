"""The items function as API Gateway calls it, over moto's DynamoDB: routes, ownership, refusals,
and the attacks on each (docs/items-api.md)."""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from lambdas.items import app
from tests.lambdas.context import FakeContext
from tests.lambdas.dynamodb import atomic_item_writes
from tests.lambdas.items.conftest import NOW
from tests.lambdas.items.events import (
    ADA,
    ADMIN_ROLE,
    ALICE,
    BOB,
    DEFAULT_ROLE,
    DEV,
    EDITOR_ROLE,
    ITEM,
    ITEMS,
    ME,
    USER_POOL,
    VIC,
    Who,
    call,
    delete,
    list_items,
    me,
    put,
    request,
)
from tests.lambdas.settings import ACCOUNT, IDENTITY_POOL_ID

UPDATED = "2026-11-26T07:00:00.123Z"
CONDITION_KEYS = ("ConditionExpression", "ExpressionAttributeNames", "ExpressionAttributeValues")


def stored(table: Any, tenant: str, item_id: str) -> dict[str, Any] | None:
    return table.get_item(Key={"tenant": tenant, "id": item_id}).get("Item")


def without_conditions(table: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The table as it would act if the function sent its writes unconditionally."""
    for name in ("put_item", "delete_item"):
        write = getattr(table, name)

        def unconditional(*, _write: Any = write, **request: Any) -> Any:
            # The placeholders go with the condition: DynamoDB refuses unused ones.
            for key in CONDITION_KEYS:
                request.pop(key, None)
            return _write(**request)

        monkeypatch.setattr(table, name, unconditional)


# Settings and pure functions


def test_settings_read_the_delete_any_roles_as_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DELETE_ANY_ROLES", f" {ADMIN_ROLE} ,,other ")
    assert app.Settings.from_env().delete_any_roles == {ADMIN_ROLE, "other"}
    monkeypatch.setenv("DELETE_ANY_ROLES", "")
    assert app.Settings.from_env().delete_any_roles == frozenset()


@pytest.mark.parametrize(
    ("arn", "role"),
    [
        (
            f"arn:aws:sts::{ACCOUNT}:assumed-role/{EDITOR_ROLE}/CognitoIdentityCredentials",
            EDITOR_ROLE,
        ),
        (f"arn:aws-cn:sts::{ACCOUNT}:assumed-role/{EDITOR_ROLE}/s", EDITOR_ROLE),
        # The same name in another account is another role.
        (f"arn:aws:sts::444455556666:assumed-role/{ADMIN_ROLE}/CognitoIdentityCredentials", None),
        (f"arn:aws:iam::{ACCOUNT}:user/{ADMIN_ROLE}", None),
        (f"arn:aws:iam::{ACCOUNT}:role/{ADMIN_ROLE}", None),
        (f"arn:aws:sts::{ACCOUNT}:assumed-role/{ADMIN_ROLE}", None),
        (f"arn:aws:sts::{ACCOUNT}:assumed-role/{ADMIN_ROLE}/s\n", None),
        ("", None),
        (None, None),
    ],
)
def test_role_name_is_the_assumed_role_of_the_apis_account(arn: str | None, role: str) -> None:
    assert app.role_name(arn, ACCOUNT) == role


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("acme", True),
        ("a.b:c=d+e@f_g-h", True),
        # What a tenant session tag may hold: letters of any script, digits, spaces.
        ("Acme Corp", True),
        ("Société Générale 2", True),
        ("東京", True),
        ("x" * 256, True),
        ("x" * 257, False),
        ("", False),
        ("acme\n", False),
        ("acme\t", False),
        # A tag may hold "/", but then it is no longer one path segment.
        ("acme/globex", False),
        ("acme%2Fglobex", False),
        ("acme*", False),
        (["acme"], False),
    ],
)
def test_tenant_is_checked_against_the_contract(value: Any, valid: bool) -> None:
    if valid:
        assert app.check_tenant(value) == value
    else:
        with pytest.raises(app.RequestError) as refused:
            app.check_tenant(value)
        assert (refused.value.status, refused.value.field) == (400, "tenant")


@pytest.mark.parametrize(
    ("value", "valid"),
    [("note-1_A", True), ("x" * 64, True), ("x" * 65, False), ("", False), ("a.b", False)],
)
def test_item_id_is_checked_against_the_contract(value: str, valid: bool) -> None:
    if valid:
        assert app.check_item_id(value) == value
    else:
        with pytest.raises(app.RequestError) as refused:
            app.check_item_id(value)
        assert (refused.value.status, refused.value.field) == (400, "id")


@pytest.mark.parametrize(
    ("body", "is_base64", "status", "field"),
    [
        (None, False, 400, "body"),
        ("", False, 400, "body"),
        ("{", False, 400, "body"),
        ('"text"', False, 400, "body"),
        ('["hello"]', False, 400, "body"),
        ("[" * 5000 + "]" * 5000, False, 400, "body"),
        ("{}", False, 400, "text"),
        ('{"text": 5}', False, 400, "text"),
        ('{"text": null}', False, 400, "text"),
        ('{"text": ""}', False, 400, "text"),
        (json.dumps({"text": "x" * 1001}), False, 400, "text"),
        ('{"text": "\\ud800"}', False, 400, "text"),
        ('{"text": "hi", "owner": "someone"}', False, 400, "owner"),
        ('{"text": "hi", "": 1}', False, 400, "body"),
        ("not base64!", True, 400, "body"),
        (base64.b64encode(b'{"text": "\xff"}').decode(), True, 400, "body"),
        (json.dumps({"text": "x" * 1000, "pad": " " * 20_000}), False, 413, "body"),
    ],
)
def test_bad_bodies_are_refused_naming_the_field(
    body: str | None, is_base64: bool, status: int, field: str
) -> None:
    with pytest.raises(app.RequestError) as refused:
        app.parse_text(body, is_base64)
    assert (refused.value.status, refused.value.field) == (status, field)
    assert refused.value.message


@pytest.mark.parametrize("text", ["x", "x" * 1000, "\U0001f600" * 1000, "line\nbreak"])
def test_good_bodies_give_their_text(text: str) -> None:
    assert app.parse_text(json.dumps({"text": text}), False) == text
    encoded = base64.b64encode(json.dumps({"text": text}).encode()).decode()
    assert app.parse_text(encoded, True) == text


# Routes


def test_me_answers_from_the_request_context(table: Any) -> None:
    assert me(ALICE) == (
        200,
        {
            "identityId": ALICE.identity_id,
            "identityPoolId": IDENTITY_POOL_ID,
            "authenticationType": "authenticated",
            "authenticationProvider": ALICE.provider,
            "role": EDITOR_ROLE,
        },
    )


def test_me_names_the_default_role_for_a_developer_identity(table: Any) -> None:
    status, body = me(DEV)
    assert (status, body["identityId"], body["role"]) == (200, DEV.identity_id, DEFAULT_ROLE)
    assert body["authenticationProvider"] == DEV.provider


def test_put_then_list_sorted_by_id_within_the_tenant(table: Any) -> None:
    assert put("acme", "b", "second") == (
        200,
        {
            "id": "b",
            "tenant": "acme",
            "owner": ALICE.identity_id,
            "text": "second",
            "updatedAt": UPDATED,
        },
    )
    put("acme", "a", "first", who=BOB)
    put("globex", "c", "elsewhere")
    status, body = list_items("acme")
    assert status == 200
    assert [(item["id"], item["owner"]) for item in body["items"]] == [
        ("a", BOB.identity_id),
        ("b", ALICE.identity_id),
    ]
    assert list_items("initech") == (200, {"items": []})


def listing(tenant: str, who: Who = ALICE) -> list[dict[str, Any]]:
    """Every page of the tenant's listing, following ``next`` to the end."""
    pages, token = [], None
    while True:
        status, body = list_items(tenant, who, token)
        assert status == 200, body
        pages.append(body["items"])
        if "next" not in body:
            return pages
        token = body["next"]


@pytest.mark.parametrize(
    ("count", "pages"),
    [
        (5, [["item-0", "item-1"], ["item-2", "item-3"], ["item-4"]]),
        # A page that ends at the tenant's last item is the last: no empty page follows it.
        (4, [["item-0", "item-1"], ["item-2", "item-3"]]),
        (0, [[]]),
    ],
)
def test_a_listing_comes_in_pages_that_follow_next(
    table: Any, monkeypatch: pytest.MonkeyPatch, count: int, pages: list[list[str]]
) -> None:
    monkeypatch.setattr(app, "PAGE_SIZE", 2)
    for n in range(count):
        put("acme", f"item-{n}")
    put("globex", "item-9")
    assert [[item["id"] for item in page] for page in listing("acme")] == pages


def test_a_listing_honours_the_page_size_it_asks_for(table: Any) -> None:
    for n in range(5):
        put("acme", f"item-{n}")
    pages, token = [], None
    while True:
        status, body = list_items("acme", next_token=token, limit="2")
        assert status == 200, body
        pages.append([item["id"] for item in body["items"]])
        if "next" not in body:
            break
        token = body["next"]
    assert pages == [["item-0", "item-1"], ["item-2", "item-3"], ["item-4"]]
    # The bounds: one item, and PAGE_SIZE.
    assert [i["id"] for i in list_items("acme", limit="1")[1]["items"]] == ["item-0"]
    assert len(list_items("acme", limit=str(app.PAGE_SIZE))[1]["items"]) == 5


def test_without_a_limit_a_page_holds_page_size_items(
    table: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app, "PAGE_SIZE", 3)
    for n in range(4):
        put("acme", f"item-{n}")
    status, body = list_items("acme")
    assert (status, len(body["items"]), "next" in body) == (200, 3, True)


@pytest.mark.parametrize(
    "limit", ["0", "101", "-1", "1.5", "abc", "", " 5", "05", "+5", "1e2", "\u0661", "5\n", "9999"]
)
def test_a_page_size_outside_its_bounds_is_a_400_naming_limit(table: Any, limit: str) -> None:
    status, body = list_items("acme", limit=limit)
    assert (status, body["field"]) == (400, "limit")
    assert str(app.PAGE_SIZE) in body["error"]


@pytest.mark.parametrize(
    ("method", "resource", "parameters"),
    [
        ("GET", ITEMS, {"tenant": "acme"}),
        ("GET", ME, {}),
        ("PUT", ITEM, {"tenant": "acme", "id": "note"}),
        ("DELETE", ITEM, {"tenant": "acme", "id": "note"}),
    ],
)
@pytest.mark.parametrize("name", ["pageSize", "page_size", "owner", "Limit"])
def test_a_query_string_a_route_does_not_take_is_refused_naming_it(
    table: Any, method: str, resource: str, parameters: dict[str, str], name: str
) -> None:
    put("acme", "note", "kept")
    event = request(method, resource, body={"text": "changed"}, query={name: "2"}, **parameters)
    status, body = call(event)
    assert (status, body["field"]) == (400, name)
    assert stored(table, "acme", "note")["text"] == "kept"


@pytest.mark.parametrize("name", ["limit", "next"])
def test_a_query_string_given_twice_is_refused(table: Any, name: str) -> None:
    event = request("GET", ITEMS, query={name: "2"}, tenant="acme")
    event["multiValueQueryStringParameters"] = {name: ["1", "2"]}
    status, body = call(event)
    assert (status, body["field"]) == (400, name)


def test_a_query_cut_at_dynamodbs_read_limit_says_more_may_remain() -> None:
    """A Query stops after 1 MB read with fewer items than its Limit and a LastEvaluatedKey
    (DynamoDB developer guide, "Paginating table query results"): the page then carries next."""
    item = {
        "tenant": "acme",
        "id": "a",
        "owner": BOB.identity_id,
        "text": "t",
        "updatedAt": UPDATED,
    }

    class QueryCutAtReadLimit:
        def query(self, **_: Any) -> dict[str, Any]:
            return {"Items": [item], "LastEvaluatedKey": {"tenant": "acme", "id": "a"}}

    assert app.ItemStore(QueryCutAtReadLimit()).list_tenant("acme") == ([item], "a")


def test_a_page_of_the_longest_items_fits_lambdas_response_limit(table: Any) -> None:
    """Without pages, about 500 of the longest escaped texts pass Lambda's 6 MB response limit
    and every listing of the tenant fails; a page holds PAGE_SIZE items whatever the tenant
    holds."""
    longest = "\U0001f600" * app.MAX_TEXT  # twelve bytes each in the JSON answer
    with table.batch_writer() as batch:
        for n in range(app.PAGE_SIZE + 1):
            item = {"tenant": "acme", "id": f"n{n:04}", "owner": BOB.identity_id}
            batch.put_item(Item={**item, "text": longest, "updatedAt": UPDATED})
    response = app.handler(request("GET", ITEMS, tenant="acme"), FakeContext())
    body = json.loads(response["body"])
    assert (response["statusCode"], len(body["items"])) == (200, app.PAGE_SIZE)
    assert len(response["body"].encode()) < 6 * 1024 * 1024
    status, rest = list_items("acme", next_token=body["next"])
    assert (status, [item["id"] for item in rest["items"]]) == (200, [f"n{app.PAGE_SIZE:04}"])
    assert "next" not in rest


def test_a_next_token_from_one_tenant_reads_only_the_paths_tenant(
    table: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The token holds an item id alone: the tenant is the path's, which IAM judged against the
    caller's tag, so a token carried to another tenant's path reads that path's tenant."""
    monkeypatch.setattr(app, "PAGE_SIZE", 1)
    for tenant, item_id in (("acme", "a"), ("acme", "m"), ("globex", "b"), ("globex", "z")):
        put(tenant, item_id)
    _, first = list_items("acme")
    status, body = list_items("globex", next_token=first["next"])
    assert (status, [(i["tenant"], i["id"]) for i in body["items"]]) == (200, [("globex", "b")])


def token_of(document: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(document).encode()).decode()


@pytest.mark.parametrize(
    "token",
    [
        "",
        "!!!",
        "a",
        "YQ==",  # "a" with padding: not the token a listing gives
        "Y Q",
        app.encode_next("a") + "%",
        base64.urlsafe_b64encode(b"a/b").decode(),
        base64.urlsafe_b64encode(b"\xff").decode(),
        # A whole DynamoDB key, as a token that named the tenant would carry it.
        token_of({"tenant": "globex", "id": "a"}),
        token_of({"tenant": {"S": "globex"}, "id": {"S": "a"}}),
    ],
)
def test_a_malformed_next_token_is_a_400_naming_next(table: Any, token: str) -> None:
    status, body = list_items("acme", next_token=token)
    assert (status, body["field"]) == (400, "next")
    assert "next" in body["error"]


def test_the_owner_may_overwrite_and_delete_their_item(table: Any) -> None:
    put("acme", "note", "first")
    assert put("acme", "note", "second")[0] == 200
    assert stored(table, "acme", "note")["text"] == "second"
    assert delete("acme", "note") == (200, {"deleted": "note"})
    assert stored(table, "acme", "note") is None


def test_deleting_a_missing_item_is_404(table: Any) -> None:
    assert delete("acme", "ghost") == (404, {"error": "no such item in this tenant", "field": "id"})
    assert delete("acme", "ghost", who=ADA)[0] == 404


def test_an_unknown_route_is_a_json_404_naming_the_path(table: Any) -> None:
    status, body = call(request("GET", "/admin"))
    assert (status, body["field"]) == (404, "path")
    assert "GET /me" in body["error"]


# Attacks


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Amz-Cognito-Identity-Id": BOB.identity_id},
        {"cognitoIdentityId": BOB.identity_id, "X-Identity-Pool-Id": IDENTITY_POOL_ID},
        {"X-Amzn-Principal-Tag-Role": ADMIN_ROLE, "X-Forwarded-User": BOB.identity_id},
    ],
)
def test_an_identity_forged_in_headers_or_body_is_ignored(
    table: Any, headers: dict[str, str]
) -> None:
    forged_body = {"identityId": BOB.identity_id, "role": ADMIN_ROLE}
    status, body = me(ALICE, headers=headers, body=forged_body)
    assert (status, body["identityId"], body["role"]) == (200, ALICE.identity_id, EDITOR_ROLE)
    assert put("acme", "note", headers=headers)[1]["owner"] == ALICE.identity_id


def test_a_put_naming_another_owner_is_refused_by_the_schema(table: Any) -> None:
    status, body = put("acme", "note", body={"text": "mine now", "owner": BOB.identity_id})
    assert (status, body["field"]) == (400, "owner")
    assert stored(table, "acme", "note") is None


def test_an_editor_overwriting_anothers_item_is_refused(table: Any) -> None:
    put("acme", "note", "bob's", who=BOB)
    status, body = put("acme", "note", "alice's", who=ALICE)
    assert (status, body["field"]) == (403, "id")
    assert stored(table, "acme", "note")["owner"] == BOB.identity_id
    assert stored(table, "acme", "note")["text"] == "bob's"
    # Admins moderate by deleting, never by writing in another's name.
    assert put("acme", "note", "ada's", who=ADA)[0] == 403


def test_without_the_condition_the_overwrite_would_succeed(
    table: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    put("acme", "note", "bob's", who=BOB)
    without_conditions(table, monkeypatch)
    assert put("acme", "note", "alice's", who=ALICE)[0] == 200
    assert stored(table, "acme", "note")["owner"] == ALICE.identity_id


@pytest.mark.parametrize("who", [ALICE, VIC, DEV])
def test_a_non_admin_deleting_anothers_item_is_refused(table: Any, who: Who) -> None:
    put("acme", "note", "bob's", who=BOB)
    status, body = delete("acme", "note", who=who)
    assert (status, body["field"]) == (403, "id")
    assert stored(table, "acme", "note") is not None


def test_an_admin_of_the_tenant_deletes_anothers_item(table: Any) -> None:
    put("acme", "note", "bob's", who=BOB)
    assert delete("acme", "note", who=ADA) == (200, {"deleted": "note"})
    assert stored(table, "acme", "note") is None


def test_without_the_condition_a_non_admin_delete_would_succeed(
    table: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    put("acme", "note", "bob's", who=BOB)
    without_conditions(table, monkeypatch)
    assert delete("acme", "note", who=ALICE)[0] == 200
    assert stored(table, "acme", "note") is None


def test_an_admin_role_name_from_another_account_is_not_an_admin(table: Any) -> None:
    """A role named like ours elsewhere may trust this identity pool (anyone may write such a
    trust policy); its credentials carry our pool's identity but are not our admin role."""
    put("acme", "note", "bob's", who=BOB)
    impostor = dataclasses.replace(ADA, account="444455556666")
    assert me(impostor)[1]["role"] is None
    assert delete("acme", "note", who=impostor)[0] == 403
    assert stored(table, "acme", "note") is not None


OTHER_POOL = "eu-west-1:99999999-0000-4000-8000-000000000000"
ROUTE_EVENTS = [
    ("GET", ME, {}),
    ("GET", ITEMS, {"tenant": "acme"}),
    ("PUT", ITEM, {"tenant": "acme", "id": "note"}),
    ("DELETE", ITEM, {"tenant": "acme", "id": "note"}),
    ("GET", "/admin", {}),
]


@pytest.mark.parametrize(("method", "resource", "parameters"), ROUTE_EVENTS)
@pytest.mark.parametrize(
    "who",
    [
        dataclasses.replace(ADA, pool=OTHER_POOL),
        dataclasses.replace(ADA, identity_id=""),
        None,
    ],
    ids=["another identity pool", "no identity id", "not identity pool credentials"],
)
def test_a_caller_outside_the_identity_pool_is_refused_on_every_route(
    table: Any, method: str, resource: str, parameters: dict[str, str], who: Who | None
) -> None:
    put("acme", "note", "bob's", who=BOB)
    event = request(method, resource, who, body={"text": "x"}, **parameters)
    status, body = call(event)
    assert status == 403
    assert "identity pool" in body["error"]
    assert stored(table, "acme", "note")["owner"] == BOB.identity_id


MISSING = object()


@pytest.mark.parametrize(
    "identity",
    [None, MISSING, {"cognitoIdentityPoolId": IDENTITY_POOL_ID, "cognitoIdentityId": 5}],
    ids=["identity null", "identity missing", "identity id not a string"],
)
def test_a_request_context_without_an_identity_is_refused(table: Any, identity: Any) -> None:
    event = request("GET", ME)
    if identity is MISSING:
        del event["requestContext"]["identity"]
    else:
        event["requestContext"]["identity"] = identity
    assert call(event)[0] == 403


def test_concurrent_puts_by_two_owners_leave_exactly_one_owner(table: Any) -> None:
    """Straight to the store, on threads: Lambda runs one request per process, and the
    resolver keeps its current event in the class, so two threads cannot share the handler."""
    writers = 16
    store = app.ItemStore(table, clock=lambda: NOW)
    start = threading.Barrier(writers)

    def write(n: int) -> tuple[str, int]:
        owner = (ALICE, BOB)[n % 2].identity_id
        start.wait()
        try:
            store.put("acme", "race", owner, f"from {n}")
        except app.RequestError as refused:
            return owner, refused.status
        return owner, 200

    with atomic_item_writes(), ThreadPoolExecutor(max_workers=writers) as pool:
        answers = list(pool.map(write, range(writers)))
    winner = stored(table, "acme", "race")["owner"]
    assert {owner for owner, status in answers if status == 200} == {winner}
    assert all(status == 403 for owner, status in answers if owner != winner)
    assert sum(status == 200 for _, status in answers) == writers // 2


# Path parameters API Gateway routed but the resolver's patterns do not match


@pytest.mark.parametrize(
    ("parameters", "field"),
    [({"tenant": "acme/globex"}, "tenant"), ({"tenant": 'ac"me'}, "tenant")],
)
def test_a_path_parameter_outside_the_resolvers_patterns_still_names_its_field(
    table: Any, parameters: dict[str, str], field: str
) -> None:
    event = request("GET", ITEMS, encode_path=False, **parameters)
    status, body = call(event)
    assert (status, body["field"]) == (400, field)


@pytest.mark.parametrize("encode_path", [True, False])
def test_an_item_id_with_a_slash_names_the_id(table: Any, encode_path: bool) -> None:
    event = request("DELETE", ITEM, encode_path=encode_path, tenant="acme", id="a/b")
    status, body = call(event)
    assert (status, body["field"]) == (400, "id")


# Observability


def emf_lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if '"_aws"' in line]


def test_writes_deletes_and_refusals_are_counted_for_alarms(
    table: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    put("acme", "note", who=BOB)
    put("acme", "note", who=ALICE)
    delete("acme", "note", who=ALICE)
    delete("acme", "note", who=ADA)
    me(dataclasses.replace(ALICE, pool=OTHER_POOL))
    metrics = emf_lines(capsys.readouterr().out)
    names = [
        metric["Name"]
        for line in metrics
        for directive in line["_aws"]["CloudWatchMetrics"]
        for metric in directive["Metrics"]
    ]
    assert names == [app.WRITTEN, app.REFUSED, app.REFUSED, app.DELETED, app.CALLER_REFUSED]
    namespaces = {line["_aws"]["CloudWatchMetrics"][0]["Namespace"] for line in metrics}
    assert namespaces == {os.environ["POWERTOOLS_METRICS_NAMESPACE"]}
    # No dimension but the one Powertools adds (service, from POWERTOOLS_SERVICE_NAME, unset
    # here): an alarm names the metric and the service, nothing per request.
    for line in metrics:
        [dimensions] = line["_aws"]["CloudWatchMetrics"][0]["Dimensions"]
        assert set(dimensions) <= {"service"}


def test_logs_carry_no_item_text_or_identity(table: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger=app.logger.name)
    put("acme", "note", "a secret plan", who=BOB)
    put("acme", "note", "another secret", who=ALICE)
    put("acme", "bad id!", "third secret")
    ours = [record for record in caplog.records if record.name == app.logger.name]
    logged = json.dumps([record.__dict__ for record in ours], default=str)
    assert "Request refused" in logged
    for private in ("secret", ALICE.identity_id, BOB.identity_id, USER_POOL):
        assert private not in logged


def test_a_field_named_with_a_lone_surrogate_is_answered_and_logged_as_utf8(
    table: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=app.logger.name)
    status, body = put("acme", "note", raw_body='{"text": "hi", "\\ud800x": 1}')
    assert (status, body["field"]) == (400, "\ud800x")
    [record] = [r for r in caplog.records if r.name == app.logger.name]
    assert record.field.encode() == b"\\ud800x"
