"""STS's judgement of ``AssumeRoleWithWebIdentity`` in the offline identity service, branch by
branch, without a running stack (moto's IAM holds the roles)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from joserfc import jwt
from moto import mock_aws

from facts.cognito import AUTHENTICATED, developer_user_login
from offline.deploy import IdentityPoolSettings
from offline.identity import DEVELOPER_ISSUER, IdentityService, StsError

ACCOUNT = "123456789012"
POOL = "us-east-1:pool"
DEVELOPER = "login.example.test"


def trust(actions: list[str]) -> str:
    return json.dumps(
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                    "Action": actions,
                    "Condition": {
                        "StringEquals": {"cognito-identity.amazonaws.com:aud": POOL},
                        "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": DEVELOPER},
                    },
                }
            ]
        }
    )


@pytest.fixture
def service() -> Iterator[IdentityService]:
    with mock_aws():
        iam = boto3.client("iam", region_name="us-east-1")
        iam.create_role(
            RoleName="tagged",
            AssumeRolePolicyDocument=trust(["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]),
        )
        iam.create_role(
            RoleName="untagged", AssumeRolePolicyDocument=trust(["sts:AssumeRoleWithWebIdentity"])
        )
        pool = IdentityPoolSettings(
            id=POOL,
            allow_classic_flow=False,
            allow_unauthenticated=False,
            user_pool_providers={},
            developer_provider_name=DEVELOPER,
            supported_login_providers={},
            roles={},
            role_mappings={},
        )
        yield IdentityService({POOL: pool}, account=ACCOUNT, region="us-east-1")


def token(service: IdentityService, tags: dict[str, str] | None = None, **claims: Any) -> str:
    answer = service.get_open_id_token_for_developer_identity(
        {"IdentityPoolId": POOL, "Logins": {DEVELOPER: "user-1"}, "PrincipalTags": tags or {}}
    )
    if not claims:
        return str(answer["Token"])
    now = int(time.time())
    document = {
        "iss": DEVELOPER_ISSUER, "sub": "us-east-1:id", "aud": POOL,
        "amr": ["authenticated", DEVELOPER], "iat": now, "exp": now + 600, **claims,
    }  # fmt: skip
    return jwt.encode({"alg": "RS256", "kid": "offline"}, document, service.signing_key)


def assume(service: IdentityService, role: str, web_token: str) -> Any:
    return service.assume_role_with_web_identity(
        {"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/{role}", "WebIdentityToken": web_token}
    )


def refusal(service: IdentityService, role: str, web_token: str) -> StsError:
    with pytest.raises(StsError) as raised:
        assume(service, role, web_token)
    return raised.value


def test_the_pools_own_token_assumes_a_role_that_trusts_its_provider(
    service: IdentityService,
) -> None:
    answer = assume(service, "untagged", token(service))
    assert service.issued[answer.role.access_key_id].role_arn.endswith(":role/untagged")


def test_tags_need_sts_tag_session_in_the_trust(service: IdentityService) -> None:
    tagged = token(service, {"tenant": "acme"})

    answer = assume(service, "tagged", tagged)
    error = refusal(service, "untagged", tagged)

    assert service.issued[answer.role.access_key_id].session_tags == {"tenant": "acme"}
    assert (error.code, error.status) == ("AccessDenied", 403)


def test_another_issuer_is_not_trusted(service: IdentityService) -> None:
    error = refusal(service, "untagged", token(service, iss="https://accounts.google.com"))
    assert error.code == "InvalidIdentityToken"


def test_a_role_that_does_not_exist_is_refused_like_a_refused_trust(
    service: IdentityService,
) -> None:
    error = refusal(service, "no-such-role", token(service))
    assert (error.code, error.status) == ("AccessDenied", 403)


def test_another_pools_audience_or_provider_is_refused(service: IdentityService) -> None:
    for claims in ({"aud": "us-east-1:other"}, {"amr": ["authenticated", "graph.facebook.com"]}):
        assert refusal(service, "untagged", token(service, **claims)).code == "AccessDenied"


def test_a_developer_tokens_amr_names_the_provider_and_its_user(service: IdentityService) -> None:
    claims = jwt.decode(token(service), service.signing_key).claims
    assert claims["amr"] == [
        AUTHENTICATED,
        DEVELOPER,
        developer_user_login(DEVELOPER, POOL, "user-1"),
    ]
