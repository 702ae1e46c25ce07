"""A moto-backed user table and identity pool with a SignIn over them, counting AWS calls."""

from __future__ import annotations

import secrets
from collections import Counter
from decimal import Decimal
from typing import Any

import boto3

from infra.developer_auth import TTL_ATTRIBUTE
from lambdas.developer_auth import app, passwords
from lambdas.developer_auth.passwords import ScryptParameters

PASSWORD = "correct horse battery staple"
WRONG = "Tr0ub4dor&3-but-wrong"
USER_ID = "u-6f1c7e0e-2a51-4c1e-9a57-3c1c2b3f9d10"
# Sign-in's logic is under test here, not scrypt's cost (test_passwords.py holds the production
# parameters): a hash carries its parameters, so a cheap one takes the production code path at a
# hundredth of the time. One hash for every test's user, and a dummy as cheap for unknown users.
TEST_COST = ScryptParameters(n=2**10, r=8, p=1)
PASSWORD_HASH = passwords.hash_password(PASSWORD, TEST_COST)
DUMMY_HASH = passwords.hash_password(secrets.token_urlsafe(16), TEST_COST)


class Recorder:
    """Counts every AWS call a boto3 client makes, and keeps the last parameters of each."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.params: dict[str, dict[str, Any]] = {}

    def attach(self, client: Any) -> None:
        client.meta.events.register("provide-client-params.*.*", self._record)

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls[model.name] += 1
        self.params[model.name] = params


class World:
    """Build inside moto's ``mock_aws``."""

    def __init__(self, **settings: Any) -> None:
        self.now = 1_800_000_000.0
        # The clients as the function configures them: its retry mode, attempts and timeouts.
        dynamodb = boto3.resource("dynamodb", config=app.AWS_CONFIG)
        self.table = dynamodb.create_table(
            TableName=app.SETTINGS.table_name,
            KeySchema=[{"AttributeName": "username", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "username", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        self.identity = boto3.client("cognito-identity", config=app.AWS_CONFIG)
        pool = self.identity.create_identity_pool(
            IdentityPoolName="pool",
            AllowUnauthenticatedIdentities=False,
            DeveloperProviderName=app.SETTINGS.provider_name,
        )
        self.settings = app.Settings(
            **{**app.SETTINGS.__dict__, "identity_pool_id": pool["IdentityPoolId"], **settings}
        )
        self.recorder = Recorder()
        self.recorder.attach(self.table.meta.client)
        self.recorder.attach(self.identity)
        self.sign_in = app.SignIn(self.settings, self.table, self.identity, clock=lambda: self.now)

    def add_user(self, username: str = "alice", **extra: Any) -> None:
        self.table.put_item(
            Item={
                "username": username,
                "userId": USER_ID,
                "passwordHash": PASSWORD_HASH,
                "principalTags": {"tenant": "acme"},
                **extra,
            }
        )
        self.recorder.calls.clear()

    def item(self, username: str = "alice") -> dict[str, Any] | None:
        return self.table.get_item(Key={"username": username}).get("Item")

    def expire(self) -> None:
        """What DynamoDB TTL eventually does: delete items whose TTL attribute is a Number in the
        past ("Using DynamoDB Time to Live", DynamoDB developer guide; other types are ignored)."""
        for item in self.table.scan()["Items"]:
            expires = item.get(TTL_ATTRIBUTE)
            if isinstance(expires, Decimal) and expires < self.now:
                self.table.delete_item(Key={"username": item["username"]})
