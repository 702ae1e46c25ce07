"""The four flows against moto (the calls, their parameters, no signatures), the refusals
turned into messages, and credentials that refresh themselves."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.stub import Stubber
from hypothesis import given, settings
from hypothesis import strategies as st

from client import aws, credentials, sign_in
from client.errors import ClientProblem
from client.outputs import parse
from lambdas.developer_auth import passwords
from tests.client.conftest import PASSWORD, REGION, outputs_document


def signed_in(stack: Any, username: str = "alice") -> sign_in.Tokens:
    stack.add_user(username, "editors")
    tokens = sign_in.sign_in(stack.outputs, username, PASSWORD)
    stack.calls.clear()
    return tokens


def frozen(identity: credentials.IdentitySession) -> Any:
    return identity.session.get_credentials().get_frozen_credentials()


def test_enhanced_gets_an_identity_and_credentials_with_the_id_token(stack) -> None:
    tokens = signed_in(stack)
    identity = credentials.enhanced(stack.outputs, tokens)
    logins = {stack.outputs.user_pool_provider_name: tokens.id_token}
    assert stack.operations() == ["GetId", "GetCredentialsForIdentity"]
    assert stack.calls[0].params == {"IdentityPoolId": stack.outputs.identity_pool_id,
                                     "Logins": logins}  # fmt: skip
    assert stack.calls[1].params == {"IdentityId": identity.identity_id, "Logins": logins}
    assert not any(call.signed for call in stack.calls)
    assert identity.identity_id.startswith(f"{REGION}:")
    assert frozen(identity).access_key == "TESTACCESSKEY12345"  # moto's credentials
    assert identity.session.region_name == REGION
    assert identity.expiration > datetime.now(UTC)


def test_enhanced_passes_the_custom_role(stack) -> None:
    role = stack.outputs.groups[1].role_arn
    credentials.enhanced(stack.outputs, signed_in(stack), custom_role_arn=role)
    assert stack.last("GetCredentialsForIdentity")["CustomRoleArn"] == role


def test_the_session_never_uses_the_environments_credentials(stack, monkeypatch) -> None:
    # Undone before moto's own environment is: undone after it, the key would outlive the test.
    with monkeypatch.context() as environment:
        environment.setenv("AWS_ACCESS_KEY_ID", "ENVIRONMENTKEY")
        identity = credentials.enhanced(stack.outputs, signed_in(stack))
        assert frozen(identity).access_key == "TESTACCESSKEY12345"
        assert identity.session.get_credentials().method == "cognito-identity"


def test_every_refresh_renews_the_id_token_first(stack) -> None:
    tokens = signed_in(stack)
    identity = credentials.enhanced(stack.outputs, tokens)
    assert stack.operations() == ["GetId", "GetCredentialsForIdentity"]  # the sign-in's token
    stack.calls.clear()
    identity.refresher()  # the token is fresh, and still renewed
    assert stack.operations() == ["InitiateAuth", "GetCredentialsForIdentity"]
    assert stack.calls[0].params["AuthFlow"] == "REFRESH_TOKEN_AUTH"
    [new_token] = stack.last("GetCredentialsForIdentity")["Logins"].values()
    assert new_token != tokens.id_token


def test_a_refresh_after_a_sign_out_elsewhere_never_presents_the_revoked_token(stack) -> None:
    tokens = signed_in(stack)
    identity = credentials.enhanced(stack.outputs, tokens)
    stack.idp.global_sign_out(AccessToken=tokens.access_token)  # another device signs out
    stack.calls.clear()
    with pytest.raises(ClientProblem, match="sign in again") as refused:
        identity.refresher()
    assert refused.value.code == "NotAuthorizedException"
    assert stack.operations() == ["InitiateAuth"]  # no GetCredentialsForIdentity


def test_sign_out_signs_out_globally_and_drops_the_credentials(stack) -> None:
    tokens = signed_in(stack)
    identity = credentials.enhanced(stack.outputs, tokens)
    assert frozen(identity).access_key
    stack.calls.clear()
    identity.sign_out()
    assert stack.operations() == ["GlobalSignOut"]
    with pytest.raises(ClientProblem, match="signed out: sign in again"):
        frozen(identity)
    assert stack.operations() == ["GlobalSignOut"]  # nothing refreshed with the old tokens
    with pytest.raises(ClientProblem, match="refresh token was refused"):
        sign_in.refresh(stack.outputs, tokens)  # signed out everywhere, not only here


def test_sign_out_of_a_developer_session_drops_the_credentials() -> None:
    source = FakeSource()
    identity = credentials.refreshing_session(REGION, source, clock=lambda: source.now)
    assert frozen(identity).access_key == "KEY1"
    identity.sign_out()
    with pytest.raises(ClientProblem, match="signed out"):
        frozen(identity)
    assert source.fetches == 1


def test_basic_uses_get_open_id_token_and_assume_role_with_web_identity(stack) -> None:
    identity = credentials.basic(stack.outputs, signed_in(stack))
    assert stack.operations() == ["GetId", "GetOpenIdToken", "AssumeRoleWithWebIdentity"]
    assume = stack.last("AssumeRoleWithWebIdentity")
    assert assume["RoleArn"] == stack.outputs.authenticated_role_arn
    assert assume["RoleSessionName"] == identity.identity_id.replace(":", "_")
    assert not any(call.signed for call in stack.calls)
    caller = identity.session.client("sts").get_caller_identity()["Arn"]
    assert ":assumed-role/idpools-test-authenticated/" in caller


def stubbed(monkeypatch: pytest.MonkeyPatch, service: str) -> Stubber:
    client = boto3.client(service, region_name=REGION, config=Config(signature_version=UNSIGNED))
    monkeypatch.setattr(aws, "unsigned_client", lambda name, region: client)
    return Stubber(client)


def test_basic_flow_disabled_says_use_the_enhanced_flow(monkeypatch) -> None:

    stub = stubbed(monkeypatch, "cognito-identity")
    stub.add_response("get_id", {"IdentityId": f"{REGION}:1"})
    stub.add_client_error(
        "get_open_id_token",
        service_error_code="InvalidParameterException",
        service_message="Basic (classic) flow is not enabled, please use enhanced flow.",
    )
    tokens = sign_in.Tokens("a.eyJleHAiOiA0MDAwMDAwMDAwfQ.c", "access", "refresh")
    with stub, pytest.raises(ClientProblem) as caught:
        credentials.basic(parse(outputs_document()), tokens)
    assert "basic (classic) flow disabled" in str(caught.value)
    assert "use the enhanced flow (--flow enhanced)" in str(caught.value)
    assert caught.value.code == "InvalidParameterException"


def test_guest_gets_an_identity_without_logins(stack) -> None:
    identity = credentials.guest(stack.outputs)
    assert stack.operations() == ["GetId", "GetCredentialsForIdentity"]
    assert "Logins" not in stack.calls[0].params and "Logins" not in stack.calls[1].params
    assert stack.calls[1].params["IdentityId"] == identity.identity_id


def test_guests_refused_says_so(monkeypatch) -> None:

    stub = stubbed(monkeypatch, "cognito-identity")
    stub.add_client_error(
        "get_id",
        service_error_code="NotAuthorizedException",
        service_message="Unauthenticated access is not supported for this identity pool.",
    )
    with stub, pytest.raises(ClientProblem, match=r"refuses guests.*GuestAccess is false"):
        credentials.guest(parse(outputs_document()))


def test_other_refusals_keep_the_operation_and_code(monkeypatch) -> None:

    stub = stubbed(monkeypatch, "cognito-identity")
    stub.add_response("get_id", {"IdentityId": f"{REGION}:1"})
    stub.add_client_error(
        "get_credentials_for_identity",
        service_error_code="NotAuthorizedException",
        service_message="Token is not from a supported provider of this identity pool.",
    )
    tokens = sign_in.Tokens("a.eyJleHAiOiA0MDAwMDAwMDAwfQ.c", "access", "refresh")
    with stub, pytest.raises(ClientProblem) as caught:
        credentials.enhanced(parse(outputs_document()), tokens)
    assert str(caught.value) == (
        "GetCredentialsForIdentity refused (NotAuthorizedException): "
        "Token is not from a supported provider of this identity pool."
    )


class LoginApi:
    """A stand-in for ``POST /login``: records the requests, answers what the test set."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.status, self.body, self.headers = 200, {}, {}
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                api.requests.append((dict(self.headers), json.loads(self.rfile.read(length))))
                self.send_response(api.status)
                for name, value in api.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(json.dumps(api.body).encode())

            def log_message(self, *args: Any) -> None:
                """Quiet: the test output is for failures."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/prod/login"


@pytest.fixture
def login_api() -> Iterator[LoginApi]:
    api = LoginApi()
    thread = threading.Thread(target=api.server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield api
    api.server.shutdown()
    api.server.server_close()


def developer_outputs(stack: Any, url: str) -> Any:
    return dataclasses.replace(stack.outputs, login_url=url)


def test_developer_posts_the_login_then_uses_the_token(stack, login_api) -> None:
    login_api.body = {"identityId": f"{REGION}:dev-1", "token": "developer-token",
                      "expiresIn": 900}  # fmt: skip
    identity = credentials.developer(developer_outputs(stack, login_api.url), "dana", "pw-123456")
    [(headers, body)] = login_api.requests
    assert body == {"username": "dana", "password": "pw-123456"}
    assert headers["Content-Type"] == "application/json"
    assert stack.operations() == ["GetCredentialsForIdentity"]
    assert stack.calls[0].params == {
        "IdentityId": f"{REGION}:dev-1",
        "Logins": {"cognito-identity.amazonaws.com": "developer-token"},
    }
    assert identity.identity_id == f"{REGION}:dev-1"


def test_developer_token_is_reused_until_it_nearly_expires(stack, login_api) -> None:
    login_api.body = {"identityId": f"{REGION}:dev-1", "token": "t", "expiresIn": 900}
    now = [datetime.now(UTC)]
    identity = credentials.developer(
        developer_outputs(stack, login_api.url), "dana", "pw-123456", clock=lambda: now[0]
    )
    identity.refresher()
    assert len(login_api.requests) == 1
    now[0] += timedelta(seconds=900 - 60)
    identity.refresher()
    assert len(login_api.requests) == 2


@pytest.mark.parametrize(
    ("status", "body", "headers", "message"),
    [
        (401, {"error": "invalid username or password"}, {},
         "developer sign-in refused (HTTP 401): invalid username or password"),
        (429, {"error": "too many failed sign-ins; try again later"}, {"Retry-After": "300"},
         "developer sign-in refused (HTTP 429): too many failed sign-ins; try again later; "
         "try again in 300 s"),
        (503, {"error": "sign-in is unavailable for a moment; try again shortly"},
         {"Retry-After": "5"},
         "developer sign-in refused (HTTP 503): sign-in is unavailable for a moment; try again "
         "shortly; try again in 5 s"),
    ],
)  # fmt: skip
def test_developer_refusals_are_one_clear_line(stack, login_api, status, body, headers, message):
    login_api.status, login_api.body, login_api.headers = status, body, headers
    with pytest.raises(ClientProblem) as caught:
        credentials.developer(developer_outputs(stack, login_api.url), "dana", "wrong-pass")
    assert str(caught.value) == message
    assert caught.value.code == str(status)
    assert stack.calls == []


def test_an_unreachable_login_url_is_named(stack) -> None:
    url = "http://127.0.0.1:9/prod/login"  # the discard port: nothing listens
    with pytest.raises(ClientProblem, match=r"cannot reach LoginUrl http://127\.0\.0\.1:9/"):
        credentials.developer(developer_outputs(stack, url), "dana", "pw-123456")


class FakeSource:
    """Credentials that expire one hour after they are fetched, on a clock the test moves."""

    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1, tzinfo=UTC)
        self.fetches = 0

    def __call__(self) -> credentials.Issued:
        self.fetches += 1
        return credentials.Issued(
            "eu-west-1:fake", f"KEY{self.fetches}", "secret", "token",
            self.now + timedelta(hours=1),
        )  # fmt: skip


def test_credentials_refresh_themselves_shortly_before_they_expire() -> None:
    source = FakeSource()
    identity = credentials.refreshing_session(REGION, source, clock=lambda: source.now)
    assert (frozen(identity).access_key, source.fetches) == ("KEY1", 1)
    source.now += timedelta(minutes=54)  # six minutes left: still good
    assert (frozen(identity).access_key, source.fetches) == ("KEY1", 1)
    source.now += timedelta(minutes=2)  # four minutes left: refreshed
    assert (frozen(identity).access_key, source.fetches) == ("KEY2", 2)
    assert identity.expiration == source.now + timedelta(hours=1)
    source.now += timedelta(hours=3)  # long expired: refreshed before use
    assert frozen(identity).access_key == "KEY3"


@pytest.mark.parametrize(
    ("username", "password", "problem"),
    [
        ("dana", "short", "at least 8 characters"),
        ("dana", "\u00e9" * 129, "at most 256 bytes"),
        ("dana", "ab\ud800cdefgh", "lone surrogate"),
        ("da", "pw-123456", "developer username"),
        ("dana\n", "pw-123456", "developer username"),
    ],
)
def test_a_password_the_operator_tool_would_refuse_is_never_sent(
    stack, login_api, username: str, password: str, problem: str
) -> None:
    with pytest.raises(ClientProblem, match=problem):
        credentials.developer(developer_outputs(stack, login_api.url), username, password)
    assert login_api.requests == []


@settings(max_examples=200, deadline=None)
@given(
    username=st.text(max_size=70) | st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._@+-]{2,63}\n?"),
    password=st.text(max_size=300),
)
def test_the_client_applies_the_operator_tools_rule(username: str, password: str) -> None:
    # The client does not import lambdas/ (docs/client.md): its copy, from facts, agrees.
    tool = passwords.username_problem(username) or passwords.password_problem(password)
    assert (credentials.developer_credentials_problem(username, password) is None) == (tool is None)
