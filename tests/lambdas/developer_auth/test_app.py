"""Developer sign-in against moto's DynamoDB and Cognito Identity, as API Gateway calls it."""

from __future__ import annotations

import base64
import json
import logging
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from lambdas.developer_auth import app, passwords
from tests.lambdas.context import FakeContext
from tests.lambdas.developer_auth.world import PASSWORD, USER_ID, WRONG, World
from tests.lambdas.settings import DEVELOPER_PROVIDER


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    with mock_aws():
        world = World()
        monkeypatch.setattr(app, "SIGN_IN", world.sign_in)
        yield world


def request(body: Any = None, *, content_type: str = "application/json", raw: str | None = None):
    """An API Gateway REST proxy event for POST /login, as API Gateway sends it."""
    text = raw if raw is not None else json.dumps(body)
    return {
        "resource": "/login",
        "path": "/login",
        "httpMethod": "POST",
        "headers": {
            "Content-Type": content_type,
            "Host": "abc123.execute-api.eu-west-1.amazonaws.com",
        },
        "multiValueHeaders": {"Content-Type": [content_type]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": "r1",
            "resourcePath": "/login",
            "httpMethod": "POST",
            "extendedRequestId": "Ext1=",
            "requestTime": "26/Nov/2026:07:00:00 +0000",
            "path": "/v1/login",
            "accountId": "111122223333",
            "protocol": "HTTP/1.1",
            "stage": "v1",
            "domainPrefix": "abc123",
            "requestTimeEpoch": 1795676400000,
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "identity": {"sourceIp": "203.0.113.7", "userAgent": "test"},
            "domainName": "abc123.execute-api.eu-west-1.amazonaws.com",
            "apiId": "abc123",
        },
        "body": text,
        "isBase64Encoded": False,
    }


def call(event: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
    response = app.handler(event, FakeContext())
    headers = {name: values[-1] for name, values in response["multiValueHeaders"].items()}
    return response["statusCode"], json.loads(response["body"]), headers


def login(password: str = PASSWORD, username: str = "alice"):
    return call(request({"username": username, "password": password}))


def test_success_returns_a_developer_token_with_exactly_two_calls(world: World) -> None:
    world.add_user()
    status, body, headers = login()
    assert status == 200
    assert set(body) == {"identityId", "token", "expiresIn"}
    assert body["expiresIn"] == 900
    assert headers["Cache-Control"] == "no-store"
    assert world.recorder.calls == Counter(GetItem=1, GetOpenIdTokenForDeveloperIdentity=1)
    sent = world.recorder.params["GetOpenIdTokenForDeveloperIdentity"]
    assert sent["Logins"] == {DEVELOPER_PROVIDER: USER_ID}  # the server's id, never the username
    assert sent["PrincipalTags"] == {"tenant": "acme"}
    assert sent["TokenDuration"] == 900


def test_username_is_case_insensitive(world: World) -> None:
    world.add_user()
    assert login(username="ALICE")[0] == 200


def test_wrong_password_is_401_with_one_conditional_write(world: World) -> None:
    world.add_user()
    status, body, _ = login(WRONG)
    assert (status, body) == (401, app.INVALID)
    assert world.recorder.calls == Counter(GetItem=1, UpdateItem=1)
    assert world.item()["failedAttempts"] == 1


def test_unknown_user_gets_the_same_answer_and_the_same_work(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = []
    real = passwords.verify_password
    monkeypatch.setattr(passwords, "verify_password", lambda *a: checks.append(1) or real(*a))
    world.add_user()
    unknown = login(username="mallory")
    assert unknown[:2] == login(WRONG)[:2] == (401, app.INVALID)
    assert checks == [1, 1]  # a dummy hash for the unknown user, the real one for alice
    assert world.recorder.calls == Counter(GetItem=2, UpdateItem=2)
    assert world.item("mallory") is None  # the unknown user's write is refused, nothing created


def test_disabled_user_gets_the_same_401_even_with_the_right_password(world: World) -> None:
    world.add_user(disabled=True)
    assert login()[:2] == (401, app.INVALID)
    assert "GetOpenIdTokenForDeveloperIdentity" not in world.recorder.calls


def test_lock_out_after_n_failures_same_answer_either_way_then_unlock(world: World) -> None:
    world.add_user()
    assert login(WRONG)[0] == 401
    assert login(WRONG)[0] == 401
    status, body, _ = login(WRONG)  # the third failure locks (MAX_FAILED_ATTEMPTS=3)
    assert (status, body) == (429, app.LOCKED)
    world.now += 60
    wrong, right = login(WRONG), login(PASSWORD)
    assert wrong == right  # status, body and Retry-After: nothing tells the password was right
    assert right[0] == 429 and right[2]["Retry-After"] == "840"
    world.recorder.calls.clear()
    world.now += 900  # the lock-out is over
    assert login()[0] == 200
    assert world.recorder.calls == Counter(
        GetItem=1, UpdateItem=1, GetOpenIdTokenForDeveloperIdentity=1
    )
    assert world.item()["failedAttempts"] == 0
    assert "lockedUntil" not in world.item()


def test_after_a_lock_out_expires_counting_starts_again(world: World) -> None:
    world.add_user(failedAttempts=3, lockedUntil=int(world.now - 1))
    assert login(WRONG)[0] == 401
    assert world.item()["failedAttempts"] == 1


def test_locked_answers_write_nothing(world: World) -> None:
    world.add_user(failedAttempts=3, lockedUntil=int(world.now + 100))
    login(WRONG)
    assert world.recorder.calls == Counter(GetItem=1)


@pytest.mark.parametrize(
    ("event", "status", "field"),
    [
        (request(raw="{not json"), 400, "body"),
        (request(raw="[1, 2]"), 400, "body"),
        (request({"username": "alice"}), 400, "password"),
        (request({"password": PASSWORD}), 400, "username"),
        (request({"username": "alice", "password": "short"}), 400, "password"),
        (request({"username": "alice", "password": "x" * 257}), 400, "password"),
        (request({"username": "alice' OR '1'='1", "password": PASSWORD}), 400, "username"),
        (request({"username": {"$ne": None}, "password": PASSWORD}), 400, "username"),
        (request({"username": "alice", "password": PASSWORD, "role": "admin"}), 400, "role"),
        (request(raw=json.dumps({"username": "alice", "password": "p" * 2000})), 413, "body"),
        (
            request({"username": "alice", "password": PASSWORD}, content_type="text/plain"),
            415,
            "Content-Type",
        ),
        (
            request(
                {"username": "alice", "password": PASSWORD},
                content_type="application/x-www-form-urlencoded",
            ),
            415,
            "Content-Type",
        ),
    ],
)
def test_bad_requests_get_4xx_naming_the_field(
    world: World, event, status: int, field: str
) -> None:
    world.add_user()
    got_status, body, _ = call(event)
    assert (got_status, body["field"]) == (status, field)
    assert body["error"]
    assert world.recorder.calls == Counter()  # refused before any AWS call


def test_base64_bodies_are_accepted(world: World) -> None:
    world.add_user()
    event = request({"username": "alice", "password": PASSWORD})
    event["body"] = base64.b64encode(event["body"].encode()).decode()
    event["isBase64Encoded"] = True
    assert call(event)[0] == 200


def test_logs_carry_no_password_hash_or_token(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger=app.logger.name)
    world.add_user()
    _, body, _ = login()
    login(WRONG)
    call(request({"username": "alice", "password": "short"}))
    ours = [record for record in caplog.records if record.name == app.logger.name]
    logged = json.dumps([record.__dict__ for record in ours], default=str)
    assert "Sign-in" in logged
    stored = world.item()["passwordHash"]
    for secret in (PASSWORD, WRONG, body["token"], stored, stored.split("$")[-1], "alice"):
        assert secret not in logged


def test_unknown_route_is_a_json_404(world: World) -> None:
    event = request({})
    event["resource"] = event["path"] = "/admin"
    status, _, _ = call(event)
    assert status == 404
