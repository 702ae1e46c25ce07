"""Developer sign-in when DynamoDB or Cognito fails: faults injected where the SDK's own retries
run (botocore's ``before-send``, with moto behind it) and as a ``ClientError`` from the client
call. Each answers 503 with ``Retry-After``, counts no failure the holds do not give back, and
the right password signs in once the dependency recovers."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError, ReadTimeoutError
from moto import mock_aws
from moto.dynamodb.models import DynamoDBBackend

from lambdas.developer_auth import app, passwords
from tests.lambdas.developer_auth.test_app import call, login, request
from tests.lambdas.developer_auth.world import DUMMY_HASH, WRONG, World

THROTTLES = {
    "dynamodb": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
    "cognito-identity": "TooManyRequestsException",
}


class Body:
    """The raw stream an AWSResponse reads its content from."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data


class Faults:
    """Answers chosen calls with a throttling error before they reach moto, as the service
    would: the SDK sees an HTTP 400 with the service's error code, and retries it as it is
    configured to."""

    def __init__(self) -> None:
        self.plan: dict[str, list[bool]] = {}
        self.sent: Counter[str] = Counter()
        self.delays: list[float] = []

    def attach(self, client: Any) -> None:
        client.meta.events.register_first("before-send.*.*", self._send)

    def throttle(self, operation: str, *pattern: bool) -> None:
        """Per attempt of ``operation`` from now on: throttled (True) or through (False); past
        the pattern, through."""
        self.plan[operation] = list(pattern)

    def _send(self, request: Any, **_: Any) -> AWSResponse | None:
        target = request.headers["X-Amz-Target"]
        target = target.decode() if isinstance(target, bytes) else target
        operation = target.split(".")[-1]
        self.sent[operation] += 1
        pattern = self.plan.get(operation, [])
        if not (pattern and pattern.pop(0)):
            return None
        service = "dynamodb" if target.startswith("DynamoDB") else "cognito-identity"
        body = json.dumps({"__type": THROTTLES[service], "message": "Rate exceeded"}).encode()
        headers = {"Content-Type": "application/x-amz-json-1.1"}
        answer = AWSResponse(request.url, 400, headers, Body(body))
        # botocore asks every before-send handler; moto's, which would apply the request, then
        # finds no service at this address. The SDK prepares each attempt afresh.
        request.url = "https://throttled.invalid/"
        return answer


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    with mock_aws():
        world = World()
        monkeypatch.setattr(app, "SIGN_IN", world.sign_in)
        monkeypatch.setattr(app, "DUMMY_HASH", DUMMY_HASH)
        yield world


@pytest.fixture
def faults(world: World, monkeypatch: pytest.MonkeyPatch) -> Faults:
    faults = Faults()
    faults.attach(world.table.meta.client)
    faults.attach(world.identity)
    # The SDK's backoff is recorded, not slept.
    monkeypatch.setattr("botocore.endpoint.time", SimpleNamespace(sleep=faults.delays.append))
    return faults


def assert_busy(answer: tuple[int, dict[str, Any], dict[str, str]]) -> None:
    status, body, headers = answer
    assert (status, body) == (503, app.BUSY)
    assert int(headers["Retry-After"]) == app.BUSY_RETRY_SECONDS


def test_the_sdk_makes_three_attempts_in_standard_mode_then_503(
    world: World, faults: Faults
) -> None:
    world.add_user()
    before = world.item()
    faults.throttle("UpdateItem", True, True, True)
    assert_busy(login())
    assert faults.sent["UpdateItem"] == 3  # not DynamoDB's legacy default of 10
    # botocore's standard backoff for throttling: rand(0, 1) * 2 ** (attempt - 1) seconds.
    assert len(faults.delays) == 2 and all(0 <= d <= 2 for d in faults.delays)
    assert world.item() == before
    assert "GetOpenIdTokenForDeveloperIdentity" not in faults.sent
    assert login()[0] == 200  # recovered: nothing was counted


def test_a_throttle_the_sdk_retries_away_changes_nothing(world: World, faults: Faults) -> None:
    world.add_user()
    faults.throttle("UpdateItem", True)
    faults.throttle("GetOpenIdTokenForDeveloperIdentity", True, True)
    assert login()[0] == 200
    assert world.item()["failedAttempts"] == 0


@pytest.mark.parametrize(
    ("operation", "pattern", "failed_call"),
    [
        # The reservation: nothing is written.
        ("UpdateItem", (True, True, True), "reservation"),
        # The release after the right password: the hold stays until it expires.
        ("UpdateItem", (False, True, True, True), "release"),
        # The token after the release: the count was cleared first.
        ("GetOpenIdTokenForDeveloperIdentity", (True, True, True), "token"),
    ],
)
def test_a_user_retrying_through_a_brownout_is_never_locked_out(
    world: World, faults: Faults, operation: str, pattern: tuple[bool, ...], failed_call: str
) -> None:
    world.add_user()
    answers = []
    for _ in range(world.settings.max_failed_attempts + 4):
        faults.throttle(operation, *pattern)
        answers.append(login())
    statuses = [status for status, _, _ in answers]
    # Every fault is a 503; once the holds left by failed releases fill the window, 429 until
    # the oldest expires (never for longer than a hold lives).
    assert set(statuses) <= {503, 429}, failed_call
    # Only an unreleased hold counts: after failed releases the window fills (429), after a
    # failed reservation or token it never does.
    assert (429 in statuses) == (failed_call == "release")
    for status, body, headers in answers:
        if status == 503:
            assert_busy((status, body, headers))
        else:
            assert 1 <= int(headers["Retry-After"]) <= app.HOLD_SECONDS
    faults.plan.clear()  # recovered
    world.now += app.HOLD_SECONDS  # and at most a hold's life later
    assert login()[0] == 200
    assert world.item()["failedAttempts"] == 0


def test_a_failure_being_settled_is_a_503_and_tells_nothing(world: World, faults: Faults) -> None:
    world.add_user()
    # The settling of a wrong password, and the release of the right one, fail alike: the
    # caller cannot tell which it sent, so the guess it cannot see does not need to count.
    faults.throttle("UpdateItem", False, True, True, True)
    wrong = login(WRONG)
    faults.throttle("UpdateItem", False, True, True, True)
    right = login()
    assert wrong == right
    assert_busy(wrong)


def test_a_reservation_applied_whose_answer_was_lost_counts_once(
    world: World, faults: Faults, monkeypatch: pytest.MonkeyPatch
) -> None:
    # DynamoDB applied the write, and the answer timed out: the SDK sends it again.
    world.add_user()
    original = DynamoDBBackend.update_item
    lost = [True]

    def update_item(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        if lost and lost.pop():
            raise ReadTimeoutError(endpoint_url="https://dynamodb.eu-west-1.amazonaws.com")
        return result

    monkeypatch.setattr(DynamoDBBackend, "update_item", update_item)
    assert login(WRONG)[0] == 401
    assert faults.sent["UpdateItem"] == 3  # the reservation twice, then the settling
    assert world.item()["failedAttempts"] == 1
    lost.append(True)
    assert login()[0] == 200  # the retried reservation is the one the release clears
    assert world.item()["failedAttempts"] == 0


def test_the_lock_out_counts_each_guess_once_when_every_answer_is_lost(
    world: World, faults: Faults, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.add_user()
    original = DynamoDBBackend.update_item
    seen: set[str] = set()

    def update_item(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        values = json.dumps([args, kwargs], default=str, sort_keys=True)
        if values not in seen:  # each write's first answer is lost
            seen.add(values)
            raise ReadTimeoutError(endpoint_url="https://dynamodb.eu-west-1.amazonaws.com")
        return result

    monkeypatch.setattr(DynamoDBBackend, "update_item", update_item)
    max_failed = world.settings.max_failed_attempts
    assert [login(WRONG)[0] for _ in range(max_failed + 1)] == [401] * max_failed + [429]
    assert world.item()["failedAttempts"] == max_failed


@pytest.mark.parametrize(
    ("target", "operation"),
    [("table", "update_item"), ("identity", "get_open_id_token_for_developer_identity")],
)
@pytest.mark.parametrize(
    "code",
    [
        "ProvisionedThroughputExceededException",  # DynamoDB throttled
        "TooManyRequestsException",  # Cognito throttled
        "InternalServerError",
        "AccessDeniedException",  # a deploy gone wrong is no reason for a 502 either
    ],
)
def test_a_client_error_from_any_call_is_a_503_and_counts_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch, target: str, operation: str, code: str
) -> None:
    world.add_user()
    client = getattr(world.sign_in, target)
    real = getattr(client, operation)
    failing = [True]

    def fail(**kwargs: Any) -> Any:
        if failing:
            raise ClientError({"Error": {"Code": code, "Message": "no"}}, operation)
        return real(**kwargs)

    monkeypatch.setattr(client, operation, fail)
    for _ in range(world.settings.max_failed_attempts + 2):
        assert_busy(login())
    failing.clear()
    world.now += app.HOLD_SECONDS
    assert login()[0] == 200
    assert world.item()["failedAttempts"] == 0


def test_a_dynamodb_error_is_never_taken_for_a_refused_condition(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An error with the refused condition's shape but another code, and an item: if it passed
    # for a refusal, sign-in would go on with that record.
    world.add_user()
    judged: list[object] = []
    monkeypatch.setattr(passwords, "verify_password", lambda *a: judged.append(a) or True)

    def throttled(**_: Any) -> Any:
        raise ClientError(
            {"Error": {"Code": "ProvisionedThroughputExceededException"}, "Item": {}},
            "UpdateItem",
        )

    monkeypatch.setattr(world.table, "update_item", throttled)
    assert_busy(login())
    assert judged == []


def test_no_call_starts_that_could_not_end_before_the_deadline(world: World) -> None:
    world.add_user()
    elapsed = iter([0.0, 0.0, app.DEADLINE_SECONDS - app.CALL_SECONDS + 0.1])
    world.sign_in.timer = lambda: next(elapsed)
    assert_busy(login())  # the reservation ran, the release had no time left
    assert world.recorder.calls == Counter(UpdateItem=1)
    world.sign_in.timer = lambda: 0.0
    world.now += app.HOLD_SECONDS
    assert login()[0] == 200


def test_a_hold_is_given_back_once_however_many_race_for_it(world: World) -> None:
    max_failed = world.settings.max_failed_attempts
    expired = {f"{int(world.now)}:dead{n}" for n in range(max_failed)}
    world.add_user(failedAttempts=max_failed, lockedUntil=int(world.now + 600), holds=expired)
    assert login()[0] == 200
    # Two writes gave one back each: the second found it gone and took back nothing.
    for hold in expired:
        world.sign_in._give_back("alice", [hold], world.sign_in.timer())
    assert world.item()["failedAttempts"] == 0
    world.add_user(failedAttempts=max_failed, lockedUntil=int(world.now + 600), holds=expired)
    world.sign_in._give_back("alice", expired, world.sign_in.timer())
    world.sign_in._give_back("alice", expired, world.sign_in.timer())
    assert world.item()["failedAttempts"] == 0


def test_live_holds_keep_counting_and_set_the_retry_time(world: World) -> None:
    max_failed = world.settings.max_failed_attempts
    live = {f"{int(world.now) + 20}:busy{n}" for n in range(max_failed)}
    world.add_user(failedAttempts=max_failed, lockedUntil=int(world.now + 600), holds=live)
    status, body, headers = login()
    assert (status, body, headers["Retry-After"]) == (429, app.LOCKED, "20")
    world.now += 20
    assert login()[0] == 200


def test_restart_races_lost_every_round_fail_closed(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each time this attempt would restart an ended window, another request has just restarted
    # it (and its window ended too): after RESTART_ROUNDS the answer is 429, no password judged.
    world.add_user(failedAttempts=3, lockedUntil=int(world.now - 1))
    judged: list[object] = []
    monkeypatch.setattr(passwords, "verify_password", lambda *a: judged.append(a) or True)
    real = world.table.update_item
    restarts: list[int] = []

    def racing(**request: Any) -> Any:
        if request["UpdateExpression"] == app.RESTART:
            restarts.append(1)
            real(
                Key={"username": "alice"},
                UpdateExpression="SET lockedUntil = :ended",
                ExpressionAttributeValues={":ended": int(world.now) - len(restarts) - 1},
            )
        return real(**request)

    monkeypatch.setattr(world.table, "update_item", racing)
    status, body, headers = login()
    assert (status, body) == (429, app.LOCKED)
    assert int(headers["Retry-After"]) == world.settings.lockout_seconds
    assert len(restarts) == app.RESTART_ROUNDS
    assert judged == []
    assert world.item()["failedAttempts"] == 3


def test_one_lost_restart_race_counts_on_the_winners_window(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.add_user(failedAttempts=3, lockedUntil=int(world.now - 1))
    real = world.table.update_item
    raced: list[int] = []

    def racing(**request: Any) -> Any:
        if request["UpdateExpression"] == app.RESTART and not raced:
            raced.append(1)
            real(
                Key={"username": "alice"},
                UpdateExpression=app.RESTART,
                ExpressionAttributeValues={
                    ":one": 1,
                    ":until": int(world.now) + 900,
                    ":held": {f"{int(world.now) + 30}:winner"},
                },
            )
        return real(**request)

    monkeypatch.setattr(world.table, "update_item", racing)
    assert login(WRONG)[0] == 401
    assert world.item()["failedAttempts"] == 2  # the winner's guess and this one


def test_a_malformed_base64_body_is_a_400(world: World) -> None:
    event = request(raw="not base64!")
    event["isBase64Encoded"] = True
    status, body, _ = call(event)
    assert (status, body["field"]) == (400, "body")
    assert world.recorder.calls == Counter()


def test_a_hold_written_by_hand_is_given_back_not_counted_for_good(world: World) -> None:
    max_failed = world.settings.max_failed_attempts
    odd = {"not-a-hold", f"{int(world.now) + 10**6}x:odd"} | {
        f"{int(world.now) - 1}:dead{n}" for n in range(max_failed - 2)
    }
    world.add_user(failedAttempts=max_failed, lockedUntil=int(world.now + 600), holds=odd)
    assert login()[0] == 200


def test_a_call_that_can_end_exactly_at_the_deadline_starts(world: World) -> None:
    world.add_user()
    # The reservation at once, the release and the token with exactly one call's time left.
    elapsed = iter([0.0, 0.0, *[float(app.DEADLINE_SECONDS - app.CALL_SECONDS)] * 2])
    world.sign_in.timer = lambda: next(elapsed)
    assert login()[0] == 200
