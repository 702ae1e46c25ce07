"""The offline identity pool and STS against a moto user pool: refusals in the words Cognito and
STS use where public sources quote them (docs/offline.md's ledger), the amr of a user pool
login, session tag limits, and the guests' scope-down policy."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from joserfc.jwk import RSAKey
from moto import mock_aws
from moto.cognitoidp.models import cognitoidp_backends
from moto.core.models import DEFAULT_ACCOUNT_ID

from facts.sts import MAX_SESSION_TAGS
from offline.deploy import IdentityPoolSettings
from offline.identity import GUEST_SESSION_POLICY, IdentityError, IdentityService, StsError
from tests.support.offline import claims_of

REGION = "us-east-1"
POOL_ID = f"{REGION}:00000000-0000-0000-0000-0000000000aa"
WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"


@dataclass
class World:
    identity: IdentityService
    provider: str
    client_id: str
    other_client_id: str
    user_pool: Any
    username: str
    roles: dict[str, str]

    def token(self, use: str = "id", client: str | None = None, **claims: str) -> str:
        token, _ = self.user_pool.create_jwt(
            client or self.client_id, self.username, use, extra_data=claims
        )
        return str(token)

    def get_id(self, token: str) -> dict[str, Any]:
        return self.identity.get_id({"IdentityPoolId": POOL_ID, "Logins": {self.provider: token}})

    def developer_token(self, tags: dict[str, str], seconds: int = 600) -> str:
        pool = self.identity.pools[POOL_ID]
        amr = ["authenticated", "login.example.test"]
        return self.identity._sign(pool, f"{REGION}:dev", amr, seconds, tags=tags)

    def assume(self, token: str, role: str = "tagged") -> Any:
        request = {
            "RoleArn": self.roles[role],
            "RoleSessionName": "refusals",
            "WebIdentityToken": token,
        }
        return self.identity.assume_role_with_web_identity(request)


def trust(amr: str, *actions: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                    "Action": [WEB_IDENTITY, *actions],
                    "Condition": {
                        "StringEquals": {"cognito-identity.amazonaws.com:aud": POOL_ID},
                        "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": amr},
                    },
                }
            ],
        }
    )


@dataclass(frozen=True)
class Deployed:
    """What moto holds for every test of this module: created once, read only."""

    provider: str
    clients: tuple[str, str]
    user_pool: Any
    roles: dict[str, str]
    signing_key: RSAKey


@pytest.fixture(scope="module")
def deployed() -> Iterator[Deployed]:
    with mock_aws():
        idp = boto3.client("cognito-idp", region_name=REGION)
        pool_id = idp.create_user_pool(PoolName="refusals")["UserPool"]["Id"]
        app, other = (
            idp.create_user_pool_client(UserPoolId=pool_id, ClientName=name)["UserPoolClient"][
                "ClientId"
            ]
            for name in ("app", "other")
        )
        idp.admin_create_user(UserPoolId=pool_id, Username="alice", MessageAction="SUPPRESS")
        provider = f"cognito-idp.{REGION}.amazonaws.com/{pool_id}"
        iam = boto3.client("iam", region_name=REGION)
        # The group roles' trust: the bare provider name, as infra/identity_pool_role.py writes.
        documents = {
            "user-pool": trust(provider),
            "guest": trust("unauthenticated"),
            "tagged": trust("authenticated", "sts:TagSession"),
        }
        roles = {
            name: iam.create_role(RoleName=name, AssumeRolePolicyDocument=document)["Role"]["Arn"]
            for name, document in documents.items()
        }
        user_pool = cognitoidp_backends[DEFAULT_ACCOUNT_ID][REGION].user_pools[pool_id]
        yield Deployed(provider, (app, other), user_pool, roles, RSAKey.generate_key(2048))


@pytest.fixture
def world(deployed: Deployed) -> World:
    """A fresh identity pool service (settings, clock, issued credentials) on that moto."""
    app = deployed.clients[0]
    settings = IdentityPoolSettings(
        id=POOL_ID,
        allow_classic_flow=False,
        allow_unauthenticated=True,
        user_pool_providers={deployed.provider: {app: {"ClientId": app}}},
        developer_provider_name="login.example.test",
        supported_login_providers={},
        roles={
            "authenticated": deployed.roles["user-pool"],
            "unauthenticated": deployed.roles["guest"],
        },
    )
    identity = IdentityService(
        {POOL_ID: settings}, DEFAULT_ACCOUNT_ID, REGION, signing_key=deployed.signing_key
    )
    return World(
        identity,
        deployed.provider,
        app,
        deployed.clients[1],
        deployed.user_pool,
        "alice",
        deployed.roles,
    )


def refusal(action: Any) -> IdentityError:
    with pytest.raises(IdentityError) as refused:
        action()
    return refused.value


# Cognito's words, where public reports quote them ---------------------------------------------


def test_a_tampered_token_is_refused_in_cognitos_words(world: World) -> None:
    header, payload, signature = world.token().split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}AAAA"

    refused = refusal(lambda: world.get_id(tampered))

    assert (refused.code, refused.message) == (
        "NotAuthorizedException",
        "Invalid login token. Couldn't verify signed token.",
    )


def test_a_token_of_another_app_client_is_refused_in_cognitos_words(world: World) -> None:
    refused = refusal(lambda: world.get_id(world.token(client=world.other_client_id)))

    assert (refused.code, refused.message) == (
        "NotAuthorizedException",
        "Token is not from a supported provider of this identity pool.",
    )


def test_an_access_token_is_refused_in_cognitos_words(world: World) -> None:
    refused = refusal(lambda: world.get_id(world.token("access")))

    assert (refused.code, refused.message) == (
        "NotAuthorizedException",
        "Invalid login token. Missing a required claim: aud",
    )


def test_an_expired_token_is_refused_in_cognitos_words(world: World) -> None:
    token = world.token()
    world.identity.clock.offset = 2 * 60 * 60
    now = int(world.identity.clock.now())

    refused = refusal(lambda: world.get_id(token))

    expiry = int(claims_of(token)["exp"])
    assert refused.message == f"Invalid login token. Token expired: {now} >= {expiry}"


def test_an_expired_developer_token_is_refused_in_stss_words(world: World) -> None:
    token = world.developer_token({}, seconds=60)
    world.identity.clock.offset = 120
    now = int(world.identity.clock.now())

    with pytest.raises(StsError) as refused:
        world.assume(token)

    expiry = int(claims_of(token)["exp"])
    assert (refused.value.code, refused.value.message) == (
        "ExpiredTokenException",
        f"Token expired: current date/time {now} must be before the expiration date/time {expiry}",
    )


# amr of a user pool login ---------------------------------------------------------------------


def test_a_user_pool_login_carries_cognitos_amr_and_still_meets_the_group_roles_trust(
    world: World,
) -> None:
    token = world.token()
    identity_id = world.get_id(token)["IdentityId"]
    sub = claims_of(token)["sub"]

    [login] = world.identity._verify_logins(world.identity.pools[POOL_ID], {world.provider: token})
    answer = world.identity.get_credentials_for_identity(
        {"IdentityId": identity_id, "Logins": {world.provider: token}}
    )

    assert login.amr == (world.provider, f"{world.provider}:CognitoSignIn:{sub}")
    issued = world.identity.issued[answer["Credentials"]["AccessKeyId"]]
    assert issued.role_arn == world.roles["user-pool"]
    assert issued.session_policies is None


# Session tags ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tags",
    [
        {f"k{n}": "v" for n in range(MAX_SESSION_TAGS)},
        {"tenant": "x" * 256},
        {"k" * 128: "v"},
        {"tenant": "Zürich Nord_1.2:3/4=5+6-7@8"},
        {"tenant": ""},
    ],
    ids=["50 tags", "256-character value", "128-character key", "allowed characters", "empty"],
)
def test_tags_within_stss_limits_pass(world: World, tags: dict[str, str]) -> None:
    assumed = world.assume(world.developer_token(tags))

    assert world.identity.issued[assumed.role.access_key_id].session_tags == tags


@pytest.mark.parametrize(
    "tags",
    [
        {f"k{n}": "v" for n in range(MAX_SESSION_TAGS + 1)},
        {"tenant": "x" * 257},
        {"k" * 129: "v"},
        {"tenant": "acme;drop"},
        {"tenant": "<acme>"},
    ],
    ids=["51 tags", "257-character value", "129-character key", "semicolon", "angle brackets"],
)
def test_tags_past_stss_limits_are_refused_as_sts_refuses_them(
    world: World, tags: dict[str, str]
) -> None:
    with pytest.raises(StsError) as refused:
        world.assume(world.developer_token(tags))

    assert (refused.value.code, refused.value.message) == (
        "ValidationError",
        "Unable to validate tags",
    )
    assert world.identity.issued == {}


@pytest.mark.parametrize(("tenant", "refused"), [("acme", False), ("acme;drop", True)])
def test_a_claim_past_the_limits_gets_no_credentials_from_the_identity_pool(
    world: World, tenant: str, refused: bool
) -> None:
    world.identity.pools[POOL_ID].principal_tags[world.provider] = {"tenant": "custom:tenant"}
    world.identity.pools[POOL_ID].roles["authenticated"] = world.roles["tagged"]
    token = world.token(**{"custom:tenant": tenant})
    identity_id = world.get_id(token)["IdentityId"]
    request = {"IdentityId": identity_id, "Logins": {world.provider: token}}

    if refused:
        error = refusal(lambda: world.identity.get_credentials_for_identity(request))
        assert (error.code, error.message) == (
            "InvalidIdentityPoolConfigurationException",
            "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
        )
    else:
        answer = world.identity.get_credentials_for_identity(request)
        issued = world.identity.issued[answer["Credentials"]["AccessKeyId"]]
        assert issued.session_tags == {"tenant": tenant}


# Guests ---------------------------------------------------------------------------------------


def test_guest_credentials_carry_cognitos_scope_down_policy(world: World) -> None:
    identity_id = world.identity.get_id({"IdentityPoolId": POOL_ID})["IdentityId"]

    answer = world.identity.get_credentials_for_identity({"IdentityId": identity_id})

    issued = world.identity.issued[answer["Credentials"]["AccessKeyId"]]
    assert issued.role_arn == world.roles["guest"]
    assert issued.session_policies == (GUEST_SESSION_POLICY,)
    [statement] = GUEST_SESSION_POLICY["Statement"]
    assert not any(action.startswith("s3:") for action in statement["Action"])


# Several logins (Cognito Identity API reference, GetId: Logins holds up to 10) -----------------


def test_more_than_ten_logins_are_refused(world: World) -> None:
    logins = {f"provider-{n}.example.com": "token" for n in range(11)}

    refused = refusal(lambda: world.identity.get_id({"IdentityPoolId": POOL_ID, "Logins": logins}))

    assert refused.code == "InvalidParameterException"


def test_two_logins_of_one_user_share_one_identity_and_both_reach_the_credentials(
    world: World,
) -> None:
    developer = world.developer_token({})
    logins = {world.provider: world.token(), "cognito-identity.amazonaws.com": developer}

    identity_id = world.identity.get_id({"IdentityPoolId": POOL_ID, "Logins": logins})["IdentityId"]
    answer = world.identity.get_credentials_for_identity(
        {"IdentityId": identity_id, "Logins": logins}
    )

    assert identity_id == claims_of(developer)["sub"]
    assert world.get_id(world.token())["IdentityId"] == identity_id  # the user pool login, linked
    issued = world.identity.issued[answer["Credentials"]["AccessKeyId"]]
    assert {world.provider, "login.example.test"} <= set(issued.amr)


def test_logins_of_two_identities_are_refused_not_merged(world: World) -> None:
    own = world.get_id(world.token())["IdentityId"]
    logins = {
        world.provider: world.token(),
        "cognito-identity.amazonaws.com": world.developer_token({}),
    }

    refused = refusal(lambda: world.identity.get_id({"IdentityPoolId": POOL_ID, "Logins": logins}))

    assert refused.code == "ResourceConflictException"
    assert world.get_id(world.token())["IdentityId"] == own


def test_logins_whose_tags_disagree_get_no_credentials(world: World) -> None:
    world.identity.pools[POOL_ID].principal_tags[world.provider] = {"tenant": "custom:tenant"}
    world.identity.pools[POOL_ID].roles["authenticated"] = world.roles["tagged"]
    developer = world.developer_token({"tenant": "globex"})
    logins = {
        world.provider: world.token(**{"custom:tenant": "acme"}),
        "cognito-identity.amazonaws.com": developer,
    }
    identity_id = world.identity.get_id({"IdentityPoolId": POOL_ID, "Logins": logins})["IdentityId"]

    refused = refusal(
        lambda: world.identity.get_credentials_for_identity(
            {"IdentityId": identity_id, "Logins": logins}
        )
    )

    assert refused.code == "NotAuthorizedException"
