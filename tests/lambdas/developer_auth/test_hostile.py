"""Every body a client can send to ``POST /login``: a 4xx JSON answer naming the field, or a
judged attempt (401, 429, 200); never a 5xx; and a body refused for its shape counts nothing.
Property tests over JSON and Unicode (lone surrogates, NUL, bidi controls), plus bodies of a
megabyte and nesting past the parser."""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from lambdas.developer_auth import app, passwords
from tests.lambdas.developer_auth.test_app import call, login, request
from tests.lambdas.developer_auth.world import DUMMY_HASH, PASSWORD, World

# Refusals for the request's shape, before any AWS call.
SHAPE = {400, 413, 415}
JUDGED = {200, 401, 429}
EXAMPLES = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Any Unicode code point, lone surrogates included (valid as JSON escapes), with the awkward
# ones made likely: NUL, other controls, bidi controls, the byte order mark, a non-character.
AWKWARD = st.sampled_from(
    ["\x00", "\n", "\u202e", "\u2066", "\ufeff", "\ud800", "\udfff", "\uffff"]
)
CHARACTERS = st.characters(codec=None, exclude_categories=()) | AWKWARD
TEXT = st.text(CHARACTERS, max_size=80)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    with mock_aws():
        world = World()
        world.add_user()
        monkeypatch.setattr(app, "SIGN_IN", world.sign_in)
        monkeypatch.setattr(app, "DUMMY_HASH", DUMMY_HASH)
        yield world


def answer(world: World, event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    world.recorder.calls.clear()
    status, body, _ = call(event)
    assert status < 500, body
    if status in SHAPE:
        assert isinstance(body["field"], str) and body["error"], body  # "" is a field name too
        assert world.recorder.calls == Counter()  # refused for its shape: nothing counted
    else:
        assert status in JUDGED, body
    return status, body


@EXAMPLES
@given(document=JSON, ensure_ascii=st.booleans())
@example(document={"username": "alice", "password": "ab\ud800cdefgh"}, ensure_ascii=True)
@example(document={"username": "alice", "password": "ab\ud800cdefgh"}, ensure_ascii=False)
@example(document={"username": "alice\n", "password": PASSWORD}, ensure_ascii=True)
@example(document={"username": "alice", "username\x00": "x"}, ensure_ascii=True)
@example(document={"username": "alice", "password": float("nan")}, ensure_ascii=True)
def test_any_json_document_gets_a_4xx_naming_the_field(
    world: World, document: Any, ensure_ascii: bool
) -> None:
    text = json.dumps(document, ensure_ascii=ensure_ascii)
    status, body = answer(world, request(raw=text))
    if status in SHAPE:
        # The field named is one the document has, or the body itself.
        assert body["field"] in {"body", "username", "password"} or isinstance(document, dict)


@EXAMPLES
@given(username=TEXT, password=st.text(CHARACTERS, max_size=300))
@example("alice", "ab\ud800cdefgh")  # issue 21: crashed the hash
@example("alice", "pass\x00word\u202e")
@example("alice", "\U0001f600" * 64)  # 256 bytes: the longest
@example("alice", "\U0001f600" * 64 + "a")  # 257 bytes
def test_credentials_are_judged_or_refused_by_the_one_rule(
    world: World, username: str, password: str
) -> None:
    status, body = answer(world, request({"username": username, "password": password}))
    if passwords.username_problem(username):
        assert (status, body["field"]) == (400, "username")
    elif passwords.password_problem(password):
        assert (status, body["field"]) == (400, "password")
    else:
        assert status in {401, 429}  # judged (or locked), never refused by the length rule


@EXAMPLES
@given(
    raw=st.text(CHARACTERS, max_size=200)
    | st.binary(max_size=200).map(lambda data: data.decode("utf-8", "surrogateescape"))
)
def test_any_text_is_answered(world: World, raw: str) -> None:
    answer(world, request(raw=raw))


@EXAMPLES
@given(data=st.binary(max_size=300))
def test_any_bytes_base64_encoded_are_answered(world: World, data: bytes) -> None:
    event = request(raw=base64.b64encode(data).decode())
    event["isBase64Encoded"] = True
    answer(world, event)


@EXAMPLES
@given(content_type=st.text(CHARACTERS, max_size=40), headers_absent=st.booleans())
def test_any_content_type_is_answered(
    world: World, content_type: str, headers_absent: bool
) -> None:
    event = request({"username": "alice", "password": PASSWORD}, content_type=content_type)
    if headers_absent:
        event["headers"] = event["multiValueHeaders"] = None
    status, _ = answer(world, event)
    assert status == 415 or app.JSON_CONTENT.match(content_type)


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ('{"username": "alice", "password": "' + "a" * 2**20 + '"}', 413),  # a megabyte
        ("[" * 2**20, 413),
        ('{"a":' * 300 + "1" + "}" * 300, 400),
        ("[" * 1000 + "]" * 1000, 400),
        ('{"username": "alice", "password": "' + "\\ud800" * 8 + '"}', 400),
        ('{"username": "alice", "password": "x", "password": "correct horse"}', 400),
        ('{"username": "alice", "password": 1e999999}', 400),
        ('{"username": "alice", "password": ' + "9" * 5000 + "}", 413),
        ('{"username": "alice", "password": ' + "9" * 1800 + "}", 400),
        ("", 400),
        ("null", 400),
    ],
    ids=[
        "1 MB string",
        "1 MB nesting",
        "deep objects",
        "deep lists",
        "surrogates only",
        "a field twice",
        "infinity",
        "a huge number",
        "a long number",
        "empty",
        "null",
    ],
)
def test_hostile_bodies(world: World, raw: str, status: int) -> None:
    assert answer(world, request(raw=raw))[0] == status


def test_the_body_itself_may_hold_a_lone_surrogate(world: World) -> None:
    # The event is JSON too: API Gateway could hand over a body string with one.
    assert answer(world, request(raw='{"username": "alice", "password": "ab\ud800cdefgh"}')) == (
        400,
        {"error": "the body is not UTF-8 text", "field": "body"},
    )


def test_the_field_sent_twice_is_named(world: World) -> None:
    raw = '{"username": "alice", "password": "x", "password": "correct horse"}'
    assert answer(world, request(raw=raw))[1]["field"] == "password"


def test_an_unknown_field_is_named_in_printable_ascii(world: World) -> None:
    body = {"username": "alice", "password": PASSWORD, "r\u00f4le\u202e\ud800": 1}
    status, answered = answer(world, request(raw=json.dumps(body)))
    assert (status, answered["field"]) == (400, "r\\xf4le\\u202e\\ud800")


def test_a_refused_password_counts_nothing_and_the_right_one_signs_in(world: World) -> None:
    for _ in range(world.settings.max_failed_attempts + 2):
        assert login("ab\ud800cdefgh")[0] == 400
    assert "failedAttempts" not in world.item() or world.item()["failedAttempts"] == 0
    assert login()[0] == 200


@pytest.mark.parametrize("body", [{"username": "alice"}, ["x"], 42, True])
def test_a_body_that_is_no_text_in_the_event_is_a_400(world: World, body: object) -> None:
    event = request({})
    event["body"] = body
    assert answer(world, event)[0] == 400
