"""REST API (v1) Lambda proxy events for the items API, as API Gateway sends them for requests
signed with identity pool credentials, and a table in moto for the function to use."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import boto3

from facts.cognito import developer_user_login
from infra.config import Preset
from lambdas.items import app
from tests.lambdas.context import FakeContext
from tests.lambdas.settings import (
    ACCOUNT,
    DEMO,
    DEVELOPER_PROVIDER,
    IDENTITY_POOL_ID,
    ITEMS_TABLE,
    preset_roles,
)

REGION = "eu-west-1"
USER_POOL = f"cognito-idp.{REGION}.amazonaws.com/{REGION}_EXAMPLE1"
# The roles of the demo config's groups, by preset (tests/support/configs.py).
ADMIN_ROLE = preset_roles(Preset.ADMIN)[0]
EDITOR_ROLE = preset_roles(Preset.EDITOR)[0]
VIEWER_ROLE = preset_roles(Preset.VIEWER)[0]
DEFAULT_ROLE = DEMO.default_role_name


@dataclass(frozen=True)
class Who:
    """An identity of the identity pool, and the role its credentials carry."""

    identity_id: str
    role: str
    pool: str = IDENTITY_POOL_ID
    account: str = ACCOUNT
    # A user pool sign-in, as API Gateway reports it: the providers, comma-separated, the last
    # with the user's sub.
    provider: str = f"{USER_POOL},{USER_POOL}:CognitoSignIn:0f6c1e5a-0000-4000-8000-00000000000a"

    def identity(self) -> dict[str, Any]:
        """``requestContext.identity`` for a request signed with this identity's credentials.

        The keys API Gateway fills (API Gateway developer guide, "Variables for data
        transformations for API Gateway", ``$context.identity.*``): the Cognito ones only for a
        request signed with Amazon Cognito credentials, ``cognitoAuthenticationProvider`` as the
        comma-separated providers the caller used; ``userArn`` is the assumed role's session.
        No principal (session) tag is among them.
        """
        return {
            "cognitoIdentityPoolId": self.pool,
            "cognitoIdentityId": self.identity_id,
            "cognitoAuthenticationType": "authenticated",
            "cognitoAuthenticationProvider": self.provider,
            "userArn": (
                f"arn:aws:sts::{self.account}:assumed-role/{self.role}/CognitoIdentityCredentials"
            ),
            "caller": "AROAEXAMPLEROLEID:CognitoIdentityCredentials",
            "user": "AROAEXAMPLEROLEID:CognitoIdentityCredentials",
            "accessKey": "ASIAEXAMPLEACCESSKEY",
            "accountId": self.account,
            "sourceIp": "203.0.113.7",
            "userAgent": "test",
            "apiKey": None,
            "apiKeyId": None,
            "principalOrgId": None,
        }


ALICE = Who(f"{REGION}:a11ce000-0000-4000-8000-000000000001", EDITOR_ROLE)
BOB = Who(f"{REGION}:b0b00000-0000-4000-8000-000000000002", EDITOR_ROLE)
ADA = Who(f"{REGION}:ada00000-0000-4000-8000-000000000003", ADMIN_ROLE)
VIC = Who(f"{REGION}:f1c00000-0000-4000-8000-000000000004", VIEWER_ROLE)
# A developer identity (POST /login): the default authenticated role; the provider in the form
# facts.cognito assumes, which the function only echoes.
DEV = Who(
    f"{REGION}:d0e00000-0000-4000-8000-000000000005",
    DEFAULT_ROLE,
    provider=(
        f"{DEVELOPER_PROVIDER},{developer_user_login(DEVELOPER_PROVIDER, IDENTITY_POOL_ID, 'u-1')}"
    ),
)


def request(
    method: str,
    resource: str,
    who: Who | None = ALICE,
    *,
    body: Any = None,
    raw_body: str | None = None,
    headers: dict[str, str] | None = None,
    encode_path: bool = True,
    query: dict[str, str] | None = None,
    **parameters: str,
) -> dict[str, Any]:
    """The event for ``method resource`` with its ``{name}`` placeholders filled from
    ``parameters``: ``pathParameters`` decoded and ``path`` percent-encoded, as public reports
    show REST APIs deliver them, or ``path`` decoded too with ``encode_path=False`` (the
    developer guide says neither, so the function must be right either way). ``who=None``
    leaves the Cognito keys out, as for credentials that did not come from an identity pool.
    ``query`` is the query string, decoded, as ``queryStringParameters`` carries it."""
    path = resource
    for name, value in parameters.items():
        path = path.replace(f"{{{name}}}", quote(value, safe="") if encode_path else value)
    text = raw_body if raw_body is not None else None if body is None else json.dumps(body)
    identity = (
        who.identity()
        if who is not None
        else {"sourceIp": "203.0.113.7", "userAgent": "test", "accountId": ACCOUNT}
    )
    all_headers = {"Host": "abc123.execute-api.eu-west-1.amazonaws.com", **(headers or {})}
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {name: [value] for name, value in all_headers.items()},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()} or None,
        "pathParameters": parameters or None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": "r1",
            "resourcePath": resource,
            "httpMethod": method,
            "extendedRequestId": "Ext1=",
            "requestTime": "26/Nov/2026:07:00:00 +0000",
            "path": f"/v1{path}",
            "accountId": ACCOUNT,
            "protocol": "HTTP/1.1",
            "stage": "v1",
            "domainPrefix": "abc123",
            "requestTimeEpoch": 1795676400000,
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "identity": identity,
            "domainName": "abc123.execute-api.eu-west-1.amazonaws.com",
            "apiId": "abc123",
        },
        "body": text,
        "isBase64Encoded": False,
    }


ME = "/me"
ITEMS = "/tenants/{tenant}/items"
ITEM = "/tenants/{tenant}/items/{id}"


def call(event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    response = app.handler(event, FakeContext())
    assert response["multiValueHeaders"]["Content-Type"] == ["application/json"]
    return response["statusCode"], json.loads(response["body"])


def me(who: Who | None = ALICE, **options: Any) -> tuple[int, dict[str, Any]]:
    return call(request("GET", ME, who, **options))


def list_items(
    tenant: str, who: Who | None = ALICE, next_token: str | None = None, limit: str | None = None
) -> tuple[int, dict[str, Any]]:
    query = {
        name: value for name, value in (("next", next_token), ("limit", limit)) if value is not None
    }
    return call(request("GET", ITEMS, who, query=query, tenant=tenant))


def put(
    tenant: str, item_id: str, text: str = "hello", who: Who | None = ALICE, **options: Any
) -> tuple[int, dict[str, Any]]:
    options.setdefault("body", {"text": text})
    return call(request("PUT", ITEM, who, tenant=tenant, id=item_id, **options))


def delete(tenant: str, item_id: str, who: Who | None = ALICE) -> tuple[int, dict[str, Any]]:
    return call(request("DELETE", ITEM, who, tenant=tenant, id=item_id))


def create_table() -> Any:
    """The items table as the contract describes it; inside moto's ``mock_aws``."""
    return boto3.resource("dynamodb", region_name=REGION).create_table(
        TableName=ITEMS_TABLE,
        KeySchema=[
            {"AttributeName": "tenant", "KeyType": "HASH"},
            {"AttributeName": "id", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "tenant", "AttributeType": "S"},
            {"AttributeName": "id", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
