"""Developer sign-in against moto's DynamoDB and Cognito Identity, as API Gateway calls it."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import logging
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from infra.developer_auth import TTL_ATTRIBUTE
from lambdas.developer_auth import app, passwords
from tests.lambdas.context import FakeContext
from tests.lambdas.developer_auth.world import (
    DUMMY_HASH,
    PASSWORD,
    PASSWORD_HASH,
    USER_ID,
    WRONG,
    World,
)
from tests.lambdas.dynamodb import atomic_item_writes
from tests.lambdas.settings import DEVELOPER_PROVIDER


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    with mock_aws():
        world = World()
        monkeypatch.setattr(app, "SIGN_IN", world.sign_in)
        monkeypatch.setattr(app, "DUMMY_HASH", DUMMY_HASH)
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


def test_success_returns_a_developer_token_with_three_calls(world: World) -> None:
    world.add_user()
    status, body, headers = login()
    assert status == 200
    assert set(body) == {"identityId", "token", "expiresIn"}
    assert body["expiresIn"] == 900
    assert headers["Cache-Control"] == "no-store"
    # The reservation, its release, the token.
    assert world.recorder.calls == Counter(UpdateItem=2, GetOpenIdTokenForDeveloperIdentity=1)
    sent = world.recorder.params["GetOpenIdTokenForDeveloperIdentity"]
    assert sent["Logins"] == {DEVELOPER_PROVIDER: USER_ID}  # the server's id, never the username
    assert sent["PrincipalTags"] == {"tenant": "acme"}
    assert sent["TokenDuration"] == 900
    assert world.item()["failedAttempts"] == 0


def test_username_is_case_insensitive(world: World) -> None:
    world.add_user()
    assert login(username="ALICE")[0] == 200


def test_wrong_password_is_401_with_two_writes_and_stays_counted(world: World) -> None:
    world.add_user()
    status, body, _ = login(WRONG)
    assert (status, body) == (401, app.INVALID)
    # The reservation (conditional) and the settling of its hold.
    assert world.recorder.calls == Counter(UpdateItem=2)
    assert world.item()["failedAttempts"] == 1
    assert "holds" not in world.item()  # settled: a failure for the whole window


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
    # Each: the reservation and the settling; the new unknown name also took its place in the
    # window's budget, while its password was judged.
    assert world.recorder.calls == Counter(UpdateItem=5)


def test_unknown_and_real_users_answer_alike_through_the_lock_out(world: World) -> None:
    world.add_user()
    max_failed = world.settings.max_failed_attempts
    real, unknown = [], []
    for _ in range(max_failed + 2):
        real.append(login(WRONG))
        unknown.append(login(WRONG, username="mallory"))
    assert real == unknown  # status, body and Retry-After, attempt by attempt
    assert [status for status, _, _ in real] == [401] * max_failed + [429, 429]
    world.now += world.settings.lockout_seconds  # the window is over for both alike
    assert login(WRONG) == login(WRONG, username="mallory")
    assert login(WRONG)[0] == 401


def test_unknown_usernames_are_counted_in_records_that_expire(world: World) -> None:
    world.add_user()
    login(WRONG, username="mallory")
    login(WRONG)
    record = world.item("mallory")
    until = world.now + world.settings.lockout_seconds
    assert record == {
        "username": "mallory",
        "failedAttempts": 1,
        "lockedUntil": until,
        TTL_ATTRIBUTE: until,  # the table's TTL attribute, a Number: DynamoDB deletes it later
    }
    assert not isinstance(world.item()[TTL_ATTRIBUTE], Decimal)  # TTL ignores a user's
    world.now = until + 1
    world.expire()
    assert world.item("mallory") is None
    assert world.item()["passwordHash"]  # the user survives the same sweep


def test_an_expired_record_not_yet_deleted_counts_as_expired(world: World) -> None:
    for _ in range(world.settings.max_failed_attempts):
        login(WRONG, username="mallory")
    assert login(WRONG, username="mallory")[0] == 429
    world.now += world.settings.lockout_seconds  # expired, and TTL has not deleted it yet
    assert login(WRONG, username="mallory")[0] == 401
    assert world.item("mallory")["failedAttempts"] == 1


def test_a_record_without_a_password_hash_never_signs_in(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Even if the dummy hash matched the password sent, an unknown username stays unknown.
    monkeypatch.setattr(app, "DUMMY_HASH", passwords.hash_password(PASSWORD))
    world.table.put_item(Item={"username": "mallory", "userId": USER_ID, "failedAttempts": 0})
    assert login(username="mallory")[:2] == (401, app.INVALID)
    assert login(username="nobody")[:2] == (401, app.INVALID)
    assert "GetOpenIdTokenForDeveloperIdentity" not in world.recorder.calls


def test_disabled_user_gets_the_same_401_even_with_the_right_password(world: World) -> None:
    world.add_user(disabled=True)
    assert login()[:2] == (401, app.INVALID)
    assert "GetOpenIdTokenForDeveloperIdentity" not in world.recorder.calls


def test_lock_out_after_n_failures_same_answer_either_way_then_unlock(world: World) -> None:
    world.add_user()
    assert [login(WRONG)[0] for _ in range(3)] == [401, 401, 401]  # MAX_FAILED_ATTEMPTS=3
    status, body, _ = login(WRONG)
    assert (status, body) == (429, app.LOCKED)
    world.now += 60
    wrong, right = login(WRONG), login(PASSWORD)
    assert wrong == right  # status, body and Retry-After: nothing tells the password was right
    assert right[0] == 429 and right[2]["Retry-After"] == "840"
    world.recorder.calls.clear()
    world.now += 900  # the lock-out is over
    assert login()[0] == 200
    # Refused as expired, the window restarted, the success released it; the token.
    assert world.recorder.calls == Counter(UpdateItem=3, GetOpenIdTokenForDeveloperIdentity=1)
    assert world.item()["failedAttempts"] == 0
    assert "lockedUntil" not in world.item()


def test_after_a_lock_out_expires_counting_starts_again(world: World) -> None:
    world.add_user(failedAttempts=3, lockedUntil=int(world.now - 1))
    assert login(WRONG)[0] == 401
    assert world.item()["failedAttempts"] == 1


def test_locked_answers_judge_no_password_and_change_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.add_user(failedAttempts=3, lockedUntil=int(world.now + 100))
    before = world.item()
    world.recorder.calls.clear()
    judged = []
    monkeypatch.setattr(passwords, "verify_password", lambda *a: judged.append(a))
    assert login()[0] == login(WRONG)[0] == 429
    assert judged == []
    assert world.recorder.calls == Counter(UpdateItem=2)  # both refused by their condition
    assert world.item() == before


@pytest.mark.parametrize("username", ["alice", "mallory"])
def test_concurrent_guesses_judge_at_most_max_failed_attempts(
    monkeypatch: pytest.MonkeyPatch, username: str
) -> None:
    guesses, max_failed = 24, 5
    with mock_aws(), atomic_item_writes():
        world = World(max_failed_attempts=max_failed)
        world.add_user()
        monkeypatch.setattr(app, "DUMMY_HASH", DUMMY_HASH)
        judged = []
        real = passwords.verify_password
        monkeypatch.setattr(passwords, "verify_password", lambda *a: judged.append(1) or real(*a))
        start = threading.Barrier(guesses)

        def guess(n: int) -> int:
            start.wait()
            return world.sign_in(username, f"{WRONG}-{n}").status

        with ThreadPoolExecutor(max_workers=guesses) as pool:
            answers = Counter(pool.map(guess, range(guesses)))
    assert len(judged) == max_failed
    assert answers == Counter({401: max_failed, 429: guesses - max_failed})


def test_stored_tags_are_normalized_as_the_hook_normalizes_the_claim(world: World) -> None:
    world.add_user(principalTags={"tenant": "  ACME "})
    assert login()[0] == 200
    assert world.recorder.params["GetOpenIdTokenForDeveloperIdentity"]["PrincipalTags"] == {
        "tenant": "acme"
    }


@pytest.mark.parametrize(
    "stored",
    [
        {"tenant": "a*"},
        {"tenant": "acme", "team": "x" * 257},
        {"tenant": "acme;drop"},
        {"tenant": "acme", "Tenant": "other"},
        {f"key{n}": "v" for n in range(51)},
    ],
    ids=["wildcard", "257 characters", "bad character", "keys differing in case", "51 tags"],
)
def test_a_stored_tag_sts_or_the_hook_would_refuse_fails_closed(
    world: World, caplog: pytest.LogCaptureFixture, stored: dict[str, str]
) -> None:
    caplog.set_level(logging.INFO, logger=app.logger.name)
    world.add_user(principalTags=stored)
    status, body, _ = login()
    assert (status, body) == (500, app.UNAVAILABLE)
    assert "GetOpenIdTokenForDeveloperIdentity" not in world.recorder.calls
    logged = json.dumps([r.__dict__ for r in caplog.records], default=str)
    assert "stored tag" in logged
    # The right password is no guess: however often it comes, the user is not locked out, so
    # fixing the record is all it takes (docs/operations.md).
    for _ in range(world.settings.max_failed_attempts + 1):
        assert login()[:2] == (500, app.UNAVAILABLE)
    assert login(WRONG)[:2] == (401, app.INVALID)  # a wrong password learns nothing of it
    world.add_user()
    assert login()[0] == 200


@pytest.mark.parametrize(
    ("event", "status", "field"),
    [
        (request(raw="{not json"), 400, "body"),
        (request(raw="[1, 2]"), 400, "body"),
        (request(raw="[" * 1000), 400, "body"),  # nested past the JSON parser's recursion limit
        (request({"username": "alice"}), 400, "password"),
        (request({"password": PASSWORD}), 400, "username"),
        (request({"username": "alice", "password": "short"}), 400, "password"),
        (request({"username": "alice", "password": "x" * 257}), 400, "password"),
        (request({"username": "alice' OR '1'='1", "password": PASSWORD}), 400, "username"),
        (request({"username": {"$ne": None}, "password": PASSWORD}), 400, "username"),
        (request({"username": "alice", "password": PASSWORD, "role": "admin"}), 400, "role"),
        (request(raw=json.dumps({"username": "alice", "password": "p" * 3000})), 413, "body"),
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


def test_unknown_username_records_stay_within_the_windows_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    budget = 3
    with mock_aws():
        world = World(unknown_names_per_window=budget)
        world.add_user()
        monkeypatch.setattr(app, "DUMMY_HASH", DUMMY_HASH)
        names = [f"ghost{n}" for n in range(budget + 5)]
        answers = [world.sign_in(name, WRONG).status for name in names]
        assert answers == [401] * len(names)  # the same answer, within the budget or past it
        records = [i for i in world.table.scan()["Items"] if i["username"].startswith("ghost")]
        assert sorted(r["username"] for r in records) == names[:budget]
        # The budget's own record expires through TTL like the names' records.
        [counter] = [i for i in world.table.scan()["Items"] if i["username"].startswith("#")]
        assert counter["admitted"] == budget and isinstance(counter[TTL_ATTRIBUTE], Decimal)
        # Users are never held to it: their records exist already.
        assert world.sign_in("alice", WRONG).status == 401
        assert world.item()["failedAttempts"] == 1
        # The trade-off (docs/security.md): past the budget a new name is counted nowhere, so
        # it is never locked.
        max_failed = world.settings.max_failed_attempts
        late = [world.sign_in(names[-1], WRONG).status for _ in range(max_failed + 1)]
        assert late == [401] * (max_failed + 1)
        assert world.item(names[-1]) is None
        # The next window has a budget of its own.
        world.now += world.settings.lockout_seconds
        assert world.sign_in("ghost-next", WRONG).status == 401
        assert world.item("ghost-next")["failedAttempts"] == 1


@pytest.mark.parametrize("stored", ["md5$abc", 42, "scrypt$1$2"])
def test_an_unreadable_stored_hash_is_a_failure_and_a_data_error(
    world: World, caplog: pytest.LogCaptureFixture, stored: object
) -> None:
    caplog.set_level(logging.INFO, logger=app.logger.name)
    world.add_user(passwordHash=stored)
    assert login()[:2] == login(WRONG)[:2] == (401, app.INVALID)  # nothing tells the record
    logged = json.dumps([r.__dict__ for r in caplog.records], default=str)
    assert "stored password hash unreadable" in logged
    assert world.item()["failedAttempts"] == 2


def padded(size: int) -> str:
    """Credentials as JSON, padded with whitespace to exactly ``size`` bytes."""
    text = json.dumps({"username": "alice", "password": PASSWORD})
    return text[:-1] + " " * (size - len(text)) + "}"


@pytest.mark.parametrize("encoded", [False, True], ids=["text", "base64"])
def test_a_body_of_exactly_the_limit_is_read_and_one_byte_more_is_413(
    world: World, encoded: bool
) -> None:
    world.add_user()
    for size, status in ((app.MAX_BODY_BYTES, 200), (app.MAX_BODY_BYTES + 1, 413)):
        text = padded(size)
        event = request(raw=base64.b64encode(text.encode()).decode() if encoded else text)
        event["isBase64Encoded"] = encoded
        assert call(event)[0] == status, size


def test_a_base64_body_is_decoded_strictly_and_measured_before_decoding(world: World) -> None:
    world.add_user()
    sent = base64.b64encode(padded(100).encode()).decode()
    # A character outside the alphabet is refused, not skipped over.
    for raw, status in ((sent, 200), (sent[:8] + "!" + sent[8:], 400), ("!" * 3000, 413)):
        # Past the limit, the size is refused before any decoding: 413, not a malformed 400.
        event = request(raw=raw)
        event["isBase64Encoded"] = True
        assert call(event)[0] == status, raw[:12]


def test_a_request_without_headers_is_a_415_naming_the_content_type() -> None:
    body = json.dumps({"username": "alice", "password": PASSWORD})
    with pytest.raises(app.RequestError) as refused:
        app.parse_credentials(None, body, False)
    assert (refused.value.status, refused.value.field) == (415, "Content-Type")


def test_a_window_is_over_at_its_locked_until_second(world: World) -> None:
    # The reservation's condition opens a window only while lockedUntil > now; at that second
    # the window is over, so the count restarts rather than lock the user out.
    world.add_user(failedAttempts=3, lockedUntil=int(world.now))
    assert login()[0] == 200


@pytest.mark.parametrize("left", [Decimal(1), Decimal("0.5")])
def test_retry_after_is_the_seconds_left_down_to_one(world: World, left: Decimal) -> None:
    # Never 0, which would tell a client to retry at once, even for a window written by hand to
    # end within the second.
    world.add_user(failedAttempts=3, lockedUntil=int(world.now) + left)
    status, _, headers = login()
    assert (status, headers["Retry-After"]) == (429, "1")


def test_a_success_clears_a_hold_that_expires_that_second(world: World) -> None:
    # A hold stops counting at its expiry (the reservation gives back those <= now): the count
    # a success leaves holds only the holds still live after this second.
    ended = f"{int(world.now)}:ended"
    world.add_user(failedAttempts=1, lockedUntil=int(world.now) + 600, holds={ended})
    assert login()[0] == 200
    assert world.item()["failedAttempts"] == 0
    assert "holds" not in world.item()


def test_each_answer_counts_one_in_its_metric(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    # The alarms (infra/monitoring.py) sum these: one attempt is one count.
    world.add_user()
    capsys.readouterr()
    login()
    login(WRONG)
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "_aws" in line]
    counts = [{k: v for k, v in record.items() if k.startswith("SignIn")} for record in emitted]
    assert counts == [{"SignInSucceeded": [1.0]}, {"SignInFailed": [1.0]}]


def test_every_configured_origin_and_no_other_is_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    # The origins come from config.corsOrigins (infra/developer_auth.py writes CORS_ORIGINS); the
    # function reads them once, at import: a copy of the module imported with two of them.
    allowed = ("https://app.example.com", "https://admin.example.com")
    monkeypatch.setenv("CORS_ORIGINS", ",".join(allowed))
    name = f"{app.__package__}.app_with_origins"
    spec = importlib.util.spec_from_file_location(name, app.__file__)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)
    for origin in (*allowed, "https://evil.example.com"):
        event = request({})
        event["httpMethod"] = event["requestContext"]["httpMethod"] = "OPTIONS"
        event["headers"] = {"Origin": origin, "Access-Control-Request-Method": "POST"}
        event["multiValueHeaders"] = {key: [value] for key, value in event["headers"].items()}
        response = module.handler(event, FakeContext())
        headers = {key: values[-1] for key, values in response["multiValueHeaders"].items()}
        expected = origin if origin in allowed else None
        assert headers.get("Access-Control-Allow-Origin") == expected, origin


def test_a_new_name_past_the_budget_costs_three_writes_and_leaves_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with mock_aws():
        world = World(unknown_names_per_window=1)
        monkeypatch.setattr(app, "DUMMY_HASH", DUMMY_HASH)
        assert world.sign_in("ghost0", WRONG).status == 401
        world.recorder.calls.clear()
        assert world.sign_in("ghost1", WRONG).status == 401
        # Its reservation, the budget's refusal, the record taken back; nothing to settle.
        assert world.recorder.calls == Counter(UpdateItem=2, DeleteItem=1)
        assert world.item("ghost1") is None


def test_the_windows_budget_outlives_the_window_for_a_clock_running_late(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with mock_aws():
        world = World(unknown_names_per_window=1)
        monkeypatch.setattr(app, "DUMMY_HASH", DUMMY_HASH)
        lockout = world.settings.lockout_seconds
        start = world.now - world.now % lockout  # the window's first second
        world.now = start
        assert world.sign_in("ghost0", WRONG).status == 401
        # DynamoDB's clock (TTL) is a few seconds into the next window, the function's still in
        # this one: TTL may delete the window's records, but not the count of its budget.
        world.now = start + lockout + 5
        world.expire()
        world.sign_in.clock = lambda: start + lockout - 1
        assert world.sign_in("ghost1", WRONG).status == 401
        assert world.item("ghost1") is None


def test_the_log_names_a_user_by_the_pseudonym_the_guide_gives(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    # docs/developer-identities.md: the first 8 bytes of the username's SHA-256, in hex, so an
    # operator finds one user's attempts without the logs naming anyone.
    caplog.set_level(logging.INFO, logger=app.logger.name)
    world.add_user()
    login()
    login(WRONG, username="ALICE")
    login(WRONG, username="mallory")
    users = [r.__dict__.get("user") for r in caplog.records if r.name == app.logger.name]
    alice, mallory = (
        hashlib.sha256(name.encode()).hexdigest()[:16] for name in ("alice", "mallory")
    )
    assert users == [alice, alice, mallory]


def test_an_unknown_field_is_named_by_its_first_64_characters(world: World) -> None:
    body = {"username": "alice", "password": PASSWORD, "x" * 100: 1}
    status, answered, _ = call(request(raw=json.dumps(body)))
    assert (status, answered["field"]) == (400, "x" * 64)


def test_an_absent_body_is_answered_as_an_empty_one(world: World) -> None:
    # API Gateway sends null for a request without a body: the same request as an empty body.
    empty, absent = request(raw=""), request(raw="")
    absent["body"] = None
    assert call(absent) == call(empty)
    assert call(empty)[0] == 400


def test_a_record_without_a_user_id_never_signs_in(world: World) -> None:
    # Records of unknown usernames carry no userId (their TTL needs it absent): even with the
    # right password's hash in it, such a record is no user, and there is no id to sign in as.
    world.table.put_item(Item={"username": "mallory", "passwordHash": PASSWORD_HASH})
    assert login(username="mallory")[:2] == (401, app.INVALID)
    assert "GetOpenIdTokenForDeveloperIdentity" not in world.recorder.calls


def test_a_count_without_a_window_starts_one(world: World) -> None:
    # A success while other attempts were in flight leaves their holds counted and no window
    # (lockedUntil removed): the next attempt refused at the limit starts a window.
    world.add_user(failedAttempts=3)
    assert login(WRONG)[0] == 401
    assert world.item()["failedAttempts"] == 1


def test_every_refusal_says_why_in_its_body(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # Clients show the error (client/credentials.py): 401, 429, 500 and 503 each carry one.
    world.add_user()
    answers = [login(WRONG) for _ in range(world.settings.max_failed_attempts + 1)]
    world.add_user(username="bob", principalTags={"tenant": "a*"})
    answers.append(login(username="bob"))

    def failing(**_: Any) -> Any:
        raise ClientError({"Error": {"Code": "InternalServerError"}}, "UpdateItem")

    monkeypatch.setattr(world.table, "update_item", failing)
    answers.append(login())
    assert sorted({status for status, _, _ in answers}) == [401, 429, 500, 503]
    for status, body, _ in answers:
        assert isinstance(body.get("error"), str) and body["error"], status


def test_an_unknown_user_is_a_plain_failure_not_a_data_error(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    # Judged against the dummy hash like any wrong password: nothing in the metrics or the log
    # tells an unknown name from a known one.
    world.add_user()
    capsys.readouterr()
    login(WRONG, username="mallory")
    login(WRONG)
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "_aws" in line]
    counts = [{k: v for k, v in record.items() if k.startswith("SignIn")} for record in emitted]
    assert counts == [{"SignInFailed": [1.0]}, {"SignInFailed": [1.0]}]
