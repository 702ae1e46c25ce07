"""The one set of limits: the password rule (facts/stack.py), the login API's schema, the
function's body limit, and its deadline against the timeout the synth gives it."""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from moto import mock_aws

from client import credentials
from facts.stack import PASSWORD_MAX_BYTES, PASSWORD_MIN_CHARACTERS, USERNAME_PATTERN
from infra.developer_auth import TIMEOUT_SECONDS
from lambdas.developer_auth import app as sign_in_app
from lambdas.developer_auth import passwords
from tests.lambdas.context import FakeContext
from tests.lambdas.developer_auth.test_app import request
from tests.lambdas.developer_auth.world import TEST_COST, World
from tests.support.template import Synth


def test_the_password_rule_is_a_copy_of_the_facts() -> None:
    # The function cannot import facts (its folder is its own asset).
    assert passwords.PASSWORD_MIN_CHARACTERS == PASSWORD_MIN_CHARACTERS
    assert passwords.PASSWORD_MAX_BYTES == PASSWORD_MAX_BYTES


def test_the_function_answers_before_its_timeout_and_holds_outlive_it() -> None:
    # The function starts no AWS call it could not finish by its deadline, so a slow dependency
    # gets its own 503 rather than Lambda's timeout (a 502 at API Gateway); a hold must outlive
    # the attempt that took it, or a failure being settled could stop counting.
    assert sign_in_app.DEADLINE_SECONDS < TIMEOUT_SECONDS < sign_in_app.HOLD_SECONDS
    assert sign_in_app.CALL_SECONDS < sign_in_app.DEADLINE_SECONDS
    # The worst case of one call as the SDK is configured: every attempt times out on connect
    # and read, and each retry waits its longest (botocore standard mode when throttled).
    retries = sign_in_app.AWS_CONFIG.retries
    assert retries == {"mode": "standard", "total_max_attempts": 3}
    attempts = retries["total_max_attempts"]
    timeouts = sign_in_app.AWS_CONFIG.connect_timeout + sign_in_app.AWS_CONFIG.read_timeout
    backoff = sum(2**attempt for attempt in range(attempts - 1))
    assert attempts * timeouts + backoff <= sign_in_app.CALL_SECONDS
    assert TIMEOUT_SECONDS < 29  # API Gateway's integration timeout


GUIDE = Path(__file__).resolve().parents[3] / "docs" / "developer-identities.md"
NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5}


def stated(pattern: str) -> int:
    """The number the developer guide states where ``pattern`` (one group) matches."""
    text = " ".join(GUIDE.read_text().split())
    found = re.search(pattern, text)
    assert found, f"docs/developer-identities.md no longer says {pattern!r}"
    return int(NUMBERS.get(found[1], found[1]))


def test_the_guide_states_the_functions_own_numbers() -> None:
    # Operators plan retries and alarms from these numbers (docs/developer-identities.md, the
    # answers and the lock-out): each is the one the function acts on.
    config = sign_in_app.AWS_CONFIG
    assert stated(r"a body over (\d+) KB \(413\)") * 1024 == sign_in_app.MAX_BODY_BYTES
    assert stated(r"with `Retry-After: (\d+)`") == sign_in_app.BUSY_RETRY_SECONDS
    attempts = config.retries["total_max_attempts"]
    assert stated(r"(\w+) attempts \(DynamoDB's legacy default") == attempts
    assert stated(r"(\d+) s to connect") == config.connect_timeout
    assert stated(r"(\d+) s to read") == config.read_timeout
    assert stated(r"one call takes at most (\d+) s") == sign_in_app.CALL_SECONDS
    assert stated(r"the function \((\d+) s timeout\)") == TIMEOUT_SECONDS
    assert stated(r"could not finish within (\d+) s") == sign_in_app.DEADLINE_SECONDS
    assert stated(r"expiring (\d+) s later \(`HOLD_SECONDS`") == sign_in_app.HOLD_SECONDS
    assert stated(r"signs in at the latest (\d+) s later") == sign_in_app.HOLD_SECONDS
    assert stated(r"after (\w+) lost races the answer is 429") == sign_in_app.RESTART_ROUNDS


def credentials_schema(synth: Synth) -> Any:
    [model] = synth.demo.assertions.find_resources(
        "AWS::ApiGateway::Model",
        {"Properties": {"Schema": {"required": ["username", "password"]}}},
    ).values()
    return model["Properties"]["Schema"]


@settings(max_examples=40, deadline=None)
@given(
    # Characters of one UTF-8 width each, as many as the byte limit allows.
    password=st.sampled_from(
        [(0, 0x7F, 1), (0x80, 0x7FF, 2), (0x800, 0xFFFF, 3), (0x10000, 0x10FFFF, 4)]
    ).flatmap(
        lambda width: st.text(
            st.characters(
                min_codepoint=width[0], max_codepoint=width[1], exclude_categories=["Cs"]
            ),
            min_size=PASSWORD_MIN_CHARACTERS,
            max_size=PASSWORD_MAX_BYTES // width[2],
        )
    ),
    username=st.from_regex(USERNAME_PATTERN.replace("$", r"\Z"), fullmatch=True),
)
def test_the_schema_and_body_limit_fit_every_password_the_operator_tool_accepts(
    synth: Synth, password: str, username: str
) -> None:
    # The one limit (facts/stack.py) decides: the operator tool stores what passes it, the
    # client sends it, and neither API Gateway's schema nor the function's body limit refuses it.
    assert passwords.password_problem(password) is None
    schema = credentials_schema(synth)
    body = {"username": username, "password": password}
    # jsonschema counts characters; API Gateway may count UTF-16 code units (its documentation
    # does not say): the schema must pass the password either way.
    jsonschema.Draft4Validator(schema).validate(body)
    units = len(password.encode("utf-16-le")) // 2
    rule = schema["properties"]["password"]
    assert rule["minLength"] <= len(password) <= units <= rule["maxLength"]
    # The body as the client sends it (JSON escapes every non-ASCII character) fits the limit.
    assert len(json.dumps(body).encode()) <= sign_in_app.MAX_BODY_BYTES


def escaped(text: str) -> str:
    """Every UTF-16 code unit as a \\uXXXX escape: the longest JSON any encoder writes."""
    units = text.encode("utf-16-be")
    return "".join(f"\\u{units[i]:02x}{units[i + 1]:02x}" for i in range(0, len(units), 2))


@settings(max_examples=50, deadline=None)
@given(password=st.sampled_from(["\x00", "a", "\u00e9", "\u20ac", "\U0001f600"]))
def test_the_body_limit_fits_the_worst_escaping_of_the_longest_credentials(password: str) -> None:
    # Each UTF-8 byte carries at most one UTF-16 code unit, and JSON escapes one in six bytes: a
    # one-byte character escaped is the worst case.
    password = password * (PASSWORD_MAX_BYTES // len(password.encode()))
    assert passwords.password_problem(password) is None
    username = "a" * 64
    body = f'{{"username": "{escaped(username)}", "password": "{escaped(password)}"}}'
    assert len(body.encode()) <= 6 * (64 + PASSWORD_MAX_BYTES) + 32 <= sign_in_app.MAX_BODY_BYTES
    headers = {"Content-Type": "application/json"}
    assert sign_in_app.parse_credentials(headers, body, False) == (username, password)


class LoginServer:
    """``POST /login`` over loopback, answered by the function's handler (as API Gateway's
    proxy integration hands it the body)."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                event = request(raw=raw.decode("utf-8"), content_type=self.headers["Content-Type"])
                response = sign_in_app.handler(event, FakeContext())
                self.send_response(response["statusCode"])
                self.end_headers()
                self.wfile.write(response["body"].encode())

            def log_message(self, *args: Any) -> None:
                """Quiet: the test output is for failures."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/login"


@pytest.mark.parametrize(
    "password",
    [
        "\x00" * PASSWORD_MAX_BYTES,  # escaped, six bytes each
        "\u00e9" * (PASSWORD_MAX_BYTES // 2),
        "\u20ac" * (PASSWORD_MAX_BYTES // 3),
        "\U0001f600" * (PASSWORD_MAX_BYTES // 4),  # issue 21: 413 even unescaped
    ],
    ids=["NUL", "2-byte", "3-byte", "4-byte"],
)
def test_the_client_signs_in_with_any_password_the_operator_tool_accepts(
    monkeypatch: pytest.MonkeyPatch, password: str
) -> None:
    # The longest of each kind, as the operator tool takes it (once 413 at API Gateway).
    assert passwords.password_problem(password) is None
    assert len(password.encode()) > PASSWORD_MAX_BYTES - 4
    username = "a" + "b" * 63
    with mock_aws():
        world = World()
        stored = passwords.hash_password(password, TEST_COST)
        world.add_user(username, passwordHash=stored)
        monkeypatch.setattr(sign_in_app, "SIGN_IN", world.sign_in)
        server = LoginServer()
        thread = threading.Thread(target=server.server.serve_forever, args=(0.01,), daemon=True)
        thread.start()
        try:
            login = credentials._DeveloperLogin(
                server.url, username, password, lambda: datetime.now(UTC)
            )
            identity_id, token = login()
        finally:
            server.server.shutdown()
            server.server.server_close()
    assert identity_id and token
