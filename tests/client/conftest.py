"""A small stack in in-process moto for the client: user pool, app client, groups with roles,
identity pool, and the outputs file a deployment would write for it.

moto accepts any SRP signature and has no role mappings, so these tests prove the client's
calls and error handling, not Cognito's decisions (the offline e2e suite covers those). Every
request the client makes is recorded, signed or not.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from client import aws, outputs

REGION = "eu-west-1"
PASSWORD = "Correct-Horse-Battery-9"
GROUPS = (("admins", 10, "admin"), ("editors", 20, "editor"), ("viewers", 30, "viewer"))


@dataclass
class Call:
    operation: str
    params: dict[str, Any]
    signed: bool


@dataclass
class Stack:
    outputs: outputs.StackOutputs
    document: dict[str, Any]
    idp: Any
    calls: list[Call] = field(default_factory=list)

    def operations(self) -> list[str]:
        return [call.operation for call in self.calls]

    def last(self, operation: str) -> dict[str, Any]:
        return [call.params for call in self.calls if call.operation == operation][-1]

    def add_user(self, username: str, *groups: str) -> str:
        pool = self.outputs.user_pool_id
        self.idp.admin_create_user(UserPoolId=pool, Username=username, MessageAction="SUPPRESS")
        self.idp.admin_set_user_password(
            UserPoolId=pool, Username=username, Password=PASSWORD, Permanent=True
        )
        for group in groups:
            self.idp.admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName=group)
        return username

    def write(self, path: Path) -> Path:
        path.write_text(json.dumps(self.document))
        return path


def outputs_document(**values: str) -> dict[str, Any]:
    """An outputs file as `cdk deploy --outputs-file` writes it; ``values`` override outputs."""
    pool = "eu-west-1_Example"
    account = "123456789012"
    groups = [
        {
            "name": name,
            "precedence": precedence,
            "roleArn": f"arn:aws:iam::{account}:role/{name}",
            "preset": preset,
        }
        for name, precedence, preset in GROUPS
    ]
    stack = {
        "Region": REGION,
        "UserPoolId": pool,
        "UserPoolClientId": "exampleclientid",
        "UserPoolProviderName": f"cognito-idp.{REGION}.amazonaws.com/{pool}",
        "IdentityPoolId": f"{REGION}:00000000-0000-0000-0000-000000000000",
        "GuestAccess": "false",
        "AuthenticatedRoleArn": f"arn:aws:iam::{account}:role/idpools-test-authenticated",
        "BucketName": "idpools-test-bucket",
        "DeveloperProviderName": "login.example.test",
        "LoginUrl": "https://api.example.test/prod/login",
        "UserTableName": "idpools-test-users",
        "ItemsApiUrl": "https://items.example.test/v1/",
        "ItemsTableName": "idpools-test-items",
        "PrincipalTags": '{"tenant": "tenant"}',
        "Groups": json.dumps(groups),
    }
    return {"idpools-test": {**stack, **values}}


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    # In-process moto only: an endpoint left over from an offline run would bypass it.
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        idp = boto3.client("cognito-idp", region_name=REGION)
        pool = idp.create_user_pool(PoolName="idpools-test")["UserPool"]["Id"]
        client_id = idp.create_user_pool_client(
            UserPoolId=pool,
            ClientName="app",
            ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
        provider = f"cognito-idp.{REGION}.amazonaws.com/{pool}"
        iam = boto3.client("iam", region_name=REGION)
        trust = json.dumps({"Version": "2012-10-17", "Statement": []})
        authenticated = iam.create_role(RoleName="idpools-test-authenticated",
                                        AssumeRolePolicyDocument=trust)["Role"]["Arn"]  # fmt: skip
        groups = []
        for name, precedence, preset in GROUPS:
            role = iam.create_role(RoleName=f"idpools-test-{name}", AssumeRolePolicyDocument=trust)
            arn = role["Role"]["Arn"]
            idp.create_group(UserPoolId=pool, GroupName=name, Precedence=precedence, RoleArn=arn)
            groups.append(
                {"name": name, "precedence": precedence, "roleArn": arn, "preset": preset}
            )
        identity_pool = boto3.client("cognito-identity", region_name=REGION).create_identity_pool(
            IdentityPoolName="idpools_test",
            AllowUnauthenticatedIdentities=False,
            AllowClassicFlow=False,
            CognitoIdentityProviders=[{"ProviderName": provider, "ClientId": client_id}],
        )["IdentityPoolId"]
        document = outputs_document(
            UserPoolId=pool,
            UserPoolClientId=client_id,
            UserPoolProviderName=provider,
            IdentityPoolId=identity_pool,
            AuthenticatedRoleArn=authenticated,
            Groups=json.dumps(groups),
        )
        world = Stack(outputs.parse(document), document, idp)
        monkeypatch.setattr(aws, "unsigned_client", _recording(aws.unsigned_client, world.calls))
        yield world


def _recording(make: Any, calls: list[Call]) -> Any:
    """``aws.unsigned_client`` that records each request and whether it carried a signature."""

    def unsigned_client(service: str, region: str) -> Any:
        made = make(service, region)

        def before(params: dict[str, Any], model: Any, **_: Any) -> None:
            calls.append(Call(model.name, params, signed=False))

        def created(request: Any, **_: Any) -> None:  # runs after botocore's signer
            calls[-1].signed = "Authorization" in request.headers

        made.meta.events.register("before-parameter-build", before)
        made.meta.events.register("request-created", created)
        return made

    return unsigned_client


@dataclass
class Received:
    """One request as the stand-in API received it: the path as sent, headers, body."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class ItemsApi:
    """A stand-in for the items API on 127.0.0.1: records each request as received and answers
    the status and body the test set (a body of bytes is sent as it is; a callable gives the
    body for the request's path)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.status: int = 200
        self.body: Any = {}
        api = self

        class Handler(BaseHTTPRequestHandler):
            def answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                api.received.append(
                    Received(self.command, self.path, dict(self.headers), self.rfile.read(length))
                )
                answer = api.body(self.path) if callable(api.body) else api.body
                body = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                self.send_response(api.status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_PUT = do_DELETE = do_POST = answer

            def log_message(self, *args: Any) -> None:
                """Quiet: the test output is for failures."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        self.url = f"http://{self.host}/items-api/v1/"


@pytest.fixture
def items_api() -> Iterator[ItemsApi]:
    api = ItemsApi()
    thread = threading.Thread(target=api.server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield api
    api.server.shutdown()
    api.server.server_close()
