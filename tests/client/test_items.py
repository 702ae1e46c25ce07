"""Calls to the items API: signed with SigV4 for execute-api in the stack's region with the
session's credentials of the moment, answered with the status and the JSON body. The signature
is checked as a server would: recomputed with botocore from the request as received."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from client import credentials, items
from client.__main__ import main
from client.errors import ClientProblem
from client.outputs import StackOutputs, parse
from tests.client.conftest import REGION, ItemsApi, Received, outputs_document


class Source:
    """Credentials that expire one hour after they are fetched, on a clock the test moves."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)
        self.fetches = 0

    def secret(self, fetch: int) -> str:
        return f"secret-{fetch}"

    def __call__(self) -> credentials.Issued:
        self.fetches += 1
        n = self.fetches
        expires = self.now + timedelta(hours=1)
        return credentials.Issued(f"{REGION}:me", f"KEY{n}", self.secret(n), f"token-{n}", expires)


@pytest.fixture
def source() -> Source:
    return Source()


@pytest.fixture
def identity(source: Source) -> credentials.IdentitySession:
    return credentials.refreshing_session(REGION, source, clock=lambda: source.now)


def stack_of(api: ItemsApi) -> StackOutputs:
    return parse(outputs_document(ItemsApiUrl=api.url))


def header(received: Received, name: str) -> str:
    [value] = [v for k, v in received.headers.items() if k.lower() == name.lower()]
    return value


def signature_holds(received: Received, secret: str) -> bool:
    """The server's check: the signature recomputed from the received request, over the headers
    the client says it signed, with the secret of the access key it names."""
    authorization = header(received, "Authorization")
    algorithm, _, rest = authorization.partition(" ")
    fields = dict(part.strip().split("=", 1) for part in rest.split(","))
    access_key, _, region, service, _ = fields["Credential"].split("/")
    signed = {name: header(received, name) for name in fields["SignedHeaders"].split(";")}
    request = AWSRequest(
        method=received.method,
        url=f"http://{header(received, 'Host')}{received.path}",
        data=received.body,
        headers=signed,
    )
    request.context["timestamp"] = header(received, "X-Amz-Date")
    token = header(received, "X-Amz-Security-Token")
    auth = SigV4Auth(Credentials(access_key, secret, token), service, region)
    expected = auth.signature(
        auth.string_to_sign(request, auth.canonical_request(request)), request
    )
    return bool(algorithm == "AWS4-HMAC-SHA256" and expected == fields["Signature"])


def test_a_call_is_signed_for_execute_api_in_the_stacks_region(identity, items_api) -> None:
    items_api.body = {"id": "note-1", "text": "hello"}

    answer = items.call(identity, stack_of(items_api), "put", "tenants/acme/items/note-1",
                        {"text": "hello"})  # fmt: skip

    assert answer == items.Answer(200, {"id": "note-1", "text": "hello"})
    [received] = items_api.received
    assert (received.method, received.path) == ("PUT", "/items-api/v1/tenants/acme/items/note-1")
    assert json.loads(received.body) == {"text": "hello"}
    assert header(received, "Content-Type") == "application/json"
    credential = header(received, "Authorization").split("Credential=")[1].split(",")[0]
    assert credential.split("/")[0] == "KEY1"
    assert credential.split("/")[2:] == [REGION, "execute-api", "aws4_request"]
    assert header(received, "X-Amz-Security-Token") == "token-1"
    assert "host" in header(received, "Authorization").split("SignedHeaders=")[1]
    assert signature_holds(received, "secret-1")


def test_the_check_refuses_a_tampered_body_or_another_secret(identity, items_api) -> None:
    items.call(identity, stack_of(items_api), "PUT", "tenants/acme/items/n", {"text": "a"})
    [received] = items_api.received
    tampered = Received(received.method, received.path, received.headers, b'{"text": "b"}')

    assert signature_holds(received, "secret-1")
    assert not signature_holds(tampered, "secret-1")
    assert not signature_holds(received, "secret-2")


def test_each_call_is_signed_with_the_credentials_of_the_moment(source, identity, items_api):
    stack = stack_of(items_api)
    items.call(identity, stack, "GET", "me")
    source.now += timedelta(minutes=56)  # four minutes left: the session refreshes first
    items.call(identity, stack, "GET", "me")

    first, second = items_api.received
    assert "Credential=KEY1/" in header(first, "Authorization")
    assert "Credential=KEY2/" in header(second, "Authorization")
    assert header(second, "X-Amz-Security-Token") == "token-2"
    assert signature_holds(second, "secret-2")
    assert source.fetches == 2


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"error": "the item belongs to another identity: choose another id", "field": "id"},
         "the item belongs to another identity: choose another id (field id)"),
        ({"message": "Missing Authentication Token"}, "Missing Authentication Token"),
        ({"Message": "User: x is not authorized"}, "User: x is not authorized"),
        ({}, "HTTP 403"),
    ],
)  # fmt: skip
def test_a_refusal_is_answered_with_its_reason(identity, items_api, body, reason) -> None:
    items_api.status, items_api.body = 403, body

    answer = items.call(identity, stack_of(items_api), "DELETE", "tenants/acme/items/x")

    assert (answer.status, answer.body, answer.ok, answer.reason) == (403, body, False, reason)


def test_an_answer_that_is_not_json_is_a_clear_problem(identity, items_api) -> None:
    items_api.status, items_api.body = 502, b"<html>Bad Gateway</html>"
    with pytest.raises(ClientProblem, match=r"GET me answered HTTP 502 with a body that is not "):
        items.call(identity, stack_of(items_api), "GET", "me")


def test_an_unreachable_api_is_named(identity) -> None:
    stack = parse(outputs_document(ItemsApiUrl="http://127.0.0.1:9/v1/"))  # nothing listens
    with pytest.raises(ClientProblem, match=r"cannot reach ItemsApiUrl http://127\.0\.0\.1:9/"):
        items.call(identity, stack, "GET", "me")


def test_a_tenant_name_keeps_its_characters_in_the_path(identity, items_api) -> None:
    items.call(identity, stack_of(items_api), "GET", "tenants/a:b=c+d@e/items")
    assert items_api.received[0].path == "/items-api/v1/tenants/a:b=c+d@e/items"
    assert signature_holds(items_api.received[0], "secret-1")


def test_a_query_string_in_the_path_reaches_the_api_signed(identity, items_api) -> None:
    items.call(identity, stack_of(items_api), "GET", "tenants/acme/items?next=bi0x_-")
    assert items_api.received[0].path == "/items-api/v1/tenants/acme/items?next=bi0x_-"
    assert signature_holds(items_api.received[0], "secret-1")


def test_list_items_follows_next_to_the_last_page(identity, items_api) -> None:
    pages = {
        "/items-api/v1/tenants/acme/items": {"items": [{"id": "a"}], "next": "YQ"},
        "/items-api/v1/tenants/acme/items?next=YQ": {"items": [{"id": "b"}], "next": "Yg"},
        "/items-api/v1/tenants/acme/items?next=Yg": {"items": []},
    }
    items_api.body = pages.get
    assert items.list_items(identity, stack_of(items_api), "acme") == [{"id": "a"}, {"id": "b"}]
    assert [received.path for received in items_api.received] == list(pages)
    assert all(signature_holds(received, "secret-1") for received in items_api.received)


def test_list_items_asks_every_page_for_the_page_size(identity, items_api) -> None:
    pages = {
        "/items-api/v1/tenants/acme/items?limit=1": {"items": [{"id": "a"}], "next": "YQ"},
        "/items-api/v1/tenants/acme/items?next=YQ&limit=1": {"items": [{"id": "b"}]},
    }
    items_api.body = pages.get
    listed = items.list_items(identity, stack_of(items_api), "acme", page_size=1)
    assert listed == [{"id": "a"}, {"id": "b"}]
    assert [received.path for received in items_api.received] == list(pages)
    assert all(signature_holds(received, "secret-1") for received in items_api.received)


def test_list_items_names_a_refused_page(identity, items_api) -> None:
    items_api.status, items_api.body = 400, {"error": "not a token", "field": "next"}
    with pytest.raises(ClientProblem, match=r"answered HTTP 400: not a token \(field next\)"):
        items.list_items(identity, stack_of(items_api), "acme")


# python -m client call ------------------------------------------------------------------------


@pytest.fixture
def signed_in_as(monkeypatch, identity) -> list[Any]:
    """The command's sign-in (tested with the flows) answers with the test's session."""
    flows: list[Any] = []

    def sign_in_with(args: Any, stack: StackOutputs) -> credentials.IdentitySession:
        flows.append((args.flow, args.username))
        return identity

    monkeypatch.setattr("client.__main__.sign_in_with", sign_in_with)
    return flows


def call(api: ItemsApi, tmp_path, *argv: str) -> int:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs_document(ItemsApiUrl=api.url)))
    return main(["call", *argv, "--outputs", str(path)])


def test_call_prints_the_json_answer(items_api, signed_in_as, tmp_path, capsys) -> None:
    items_api.body = {"id": "n", "text": "hi"}

    assert call(items_api, tmp_path, "PUT", "tenants/acme/items/n", "--data", '{"text": "hi"}',
                "--flow", "developer", "--username", "dana", "--password", "pw") == 0  # fmt: skip

    assert json.loads(capsys.readouterr().out) == {"id": "n", "text": "hi"}
    assert signed_in_as == [("developer", "dana")]
    assert json.loads(items_api.received[0].body) == {"text": "hi"}


def test_a_4xx_is_one_line_and_exit_2(items_api, signed_in_as, tmp_path, capsys) -> None:
    items_api.status, items_api.body = 403, {"error": "not your item: pick another", "field": "id"}

    assert call(items_api, tmp_path, "delete", "tenants/acme/items/n", "--username", "a") == 2

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "error: DELETE tenants/acme/items/n answered HTTP 403: not your item: pick another "
        "(field id)\n"
    )


def test_data_that_is_not_json_is_refused_before_signing_in(
    items_api, signed_in_as, tmp_path, capsys
) -> None:
    assert call(items_api, tmp_path, "PUT", "tenants/acme/items/n", "--data", "{text: hi}") == 2

    assert capsys.readouterr().err.startswith("error: --data is not JSON (")
    assert signed_in_as == []
    assert items_api.received == []
