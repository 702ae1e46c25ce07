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

from facts import iam
from facts.cognito import AUTHENTICATED, developer_user_login
from facts.sts import packed_tags_percent
from offline import access
from offline.deploy import IdentityPoolSettings
from offline.identity import (
    DEVELOPER_ISSUER,
    TAGS_CLAIM,
    IdentityError,
    IdentityService,
    StsError,
)

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


def assume(service: IdentityService, role: str, web_token: str, **parameters: str) -> Any:
    request = {
        "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/{role}",
        "RoleSessionName": "session-1",
        "WebIdentityToken": web_token,
        **parameters,
    }
    return service.assume_role_with_web_identity(request)


def refusal(service: IdentityService, role: str, web_token: str, **parameters: str) -> StsError:
    with pytest.raises(StsError) as raised:
        assume(service, role, web_token, **parameters)
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


# Parameters: STS API reference, AssumeRoleWithWebIdentity ---------------------------------------


@pytest.mark.parametrize("seconds", ["899", "43201", "3601", "ten"])
def test_a_duration_outside_900_to_the_roles_maximum_is_refused(
    service: IdentityService, seconds: str
) -> None:
    # "untagged" has the default MaxSessionDuration, 3600 seconds.
    error = refusal(service, "untagged", token(service), DurationSeconds=seconds)

    assert (error.code, error.status) == ("ValidationError", 400)
    assert service.issued == {}


@pytest.mark.parametrize("seconds", ["900", "3600"])
def test_a_duration_within_the_roles_maximum_is_granted(
    service: IdentityService, seconds: str
) -> None:
    answer = assume(service, "untagged", token(service), DurationSeconds=seconds)

    lifetime = answer.role.expiration.timestamp() - time.time()
    assert int(seconds) - 60 < lifetime <= int(seconds)


def test_a_role_with_a_longer_maximum_grants_up_to_it(service: IdentityService) -> None:
    boto3.client("iam", region_name="us-east-1").update_role(
        RoleName="untagged", MaxSessionDuration=43200
    )

    assume(service, "untagged", token(service), DurationSeconds="43200")
    assert refusal(service, "untagged", token(service), DurationSeconds="43201").code == (
        "ValidationError"
    )


@pytest.mark.parametrize("name", [None, "", "a", "x" * 65, "has space", "semi;colon"])
def test_the_role_session_name_is_required_and_checked(
    service: IdentityService, name: str | None
) -> None:
    request = {
        "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/untagged",
        "WebIdentityToken": token(service),
        **({} if name is None else {"RoleSessionName": name}),
    }
    with pytest.raises(StsError) as raised:
        service.assume_role_with_web_identity(request)

    assert raised.value.code == "ValidationError"


def test_the_session_is_named_as_asked(service: IdentityService) -> None:
    answer = assume(service, "untagged", token(service), RoleSessionName="a_b=c,d.e@f-" + "g" * 52)

    assert answer.role.arn.endswith("/untagged/a_b=c,d.e@f-" + "g" * 52)


# Session policies: they narrow what the role allows, never widen it --------------------------


BUCKET = "arn:aws:s3:::bucket"


def allow(actions: list[str], resource: str | list[str]) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}],
    }


def may(service: IdentityService, answer: Any, action: str, key: str) -> bool:
    caller = service.issued[answer.role.access_key_id]
    decision = access.decide(
        caller,
        ACCOUNT,
        time.time(),
        action,
        f"{BUCKET}/{key}",
        "bucket",
        {},
        region="us-east-1",
        source_ip="203.0.113.7",
    )
    return decision is iam.Decision.ALLOW


@pytest.fixture
def reader(service: IdentityService) -> IdentityService:
    """The "untagged" role may read the bucket's shared/ and private/ folders, nothing else."""
    boto3.client("iam", region_name="us-east-1").put_role_policy(
        RoleName="untagged",
        PolicyName="read",
        PolicyDocument=json.dumps(
            allow(["s3:GetObject"], [f"{BUCKET}/shared/*", f"{BUCKET}/private/*"])
        ),
    )
    return service


def test_without_a_session_policy_the_role_decides(reader: IdentityService) -> None:
    answer = assume(reader, "untagged", token(reader))

    assert reader.issued[answer.role.access_key_id].session_policies is None
    assert may(reader, answer, "s3:GetObject", "private/x")


def test_a_session_policy_narrows_what_the_role_allows(reader: IdentityService) -> None:
    policy = json.dumps(allow(["s3:GetObject"], f"{BUCKET}/shared/*"))

    answer = assume(reader, "untagged", token(reader), Policy=policy)

    assert may(reader, answer, "s3:GetObject", "shared/x")
    assert not may(reader, answer, "s3:GetObject", "private/x")


def test_a_session_policy_never_widens_what_the_role_allows(reader: IdentityService) -> None:
    everything = json.dumps(allow(["s3:*"], "*"))

    answer = assume(reader, "untagged", token(reader), Policy=everything)

    assert may(reader, answer, "s3:GetObject", "shared/x")
    assert not may(reader, answer, "s3:PutObject", "shared/x")
    assert not may(reader, answer, "s3:GetObject", "other/x")


def test_a_managed_session_policy_narrows_too(reader: IdentityService) -> None:
    arn = boto3.client("iam", region_name="us-east-1").create_policy(
        PolicyName="shared-only",
        PolicyDocument=json.dumps(allow(["s3:GetObject"], f"{BUCKET}/shared/*")),
    )["Policy"]["Arn"]

    answer = assume(reader, "untagged", token(reader), **{"PolicyArns.member.1.arn": arn})

    assert may(reader, answer, "s3:GetObject", "shared/x")
    assert not may(reader, answer, "s3:GetObject", "private/x")


@pytest.mark.parametrize(
    ("parameters", "code"),
    [
        ({"Policy": "not json"}, "MalformedPolicyDocument"),
        ({"Policy": json.dumps(allow(["s3:GetObject"], "*" * 2048))}, "ValidationError"),
        (
            {"PolicyArns.member.1.arn": f"arn:aws:iam::{ACCOUNT}:policy/none"},
            "MalformedPolicyDocument",
        ),
        (
            {
                f"PolicyArns.member.{n}.arn": f"arn:aws:iam::{ACCOUNT}:policy/p{n}"
                for n in range(1, 12)
            },
            "ValidationError",
        ),
    ],
    ids=["not a policy", "over 2048 characters", "no such policy", "11 policies"],
)
def test_a_session_policy_sts_would_refuse_is_refused(
    reader: IdentityService, parameters: dict[str, str], code: str
) -> None:
    error = refusal(reader, "untagged", token(reader), **parameters)

    assert error.code == code
    assert reader.issued == {}


# Trust conditions see the session tags (IAM user guide, "Passing session tags in AWS STS") -----


def tag_trust(condition: dict[str, Any]) -> str:
    document = json.loads(trust(["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]))
    document["Version"] = "2012-10-17"
    document["Statement"][0]["Condition"].update(condition)
    return json.dumps(document)


def tagged_token(
    service: IdentityService, tags: dict[str, str], transitive: list[str] | None = None
) -> str:
    namespace: dict[str, Any] = {"principal_tags": {k: [v] for k, v in tags.items()}}
    if transitive is not None:
        namespace["transitive_tag_keys"] = transitive
    return token(service, **{TAGS_CLAIM: namespace})


@pytest.mark.parametrize(("key", "granted"), [("tenant", True), ("other", False)])
def test_the_trust_sees_the_tag_keys(service: IdentityService, key: str, granted: bool) -> None:
    boto3.client("iam", region_name="us-east-1").create_role(
        RoleName="only-tenant",
        AssumeRolePolicyDocument=tag_trust(
            {"ForAllValues:StringEquals": {"aws:TagKeys": ["tenant"]}}
        ),
    )
    web_token = tagged_token(service, {key: "acme"})

    if granted:
        assume(service, "only-tenant", web_token)
    else:
        assert refusal(service, "only-tenant", web_token).code == "AccessDenied"


@pytest.mark.parametrize(("value", "granted"), [("acme", True), ("globex", False)])
def test_the_trust_sees_the_tag_values(service: IdentityService, value: str, granted: bool) -> None:
    boto3.client("iam", region_name="us-east-1").create_role(
        RoleName="acme-only",
        AssumeRolePolicyDocument=tag_trust({"StringEquals": {"aws:RequestTag/tenant": "acme"}}),
    )
    web_token = tagged_token(service, {"tenant": value})

    if granted:
        assume(service, "acme-only", web_token)
    else:
        assert refusal(service, "acme-only", web_token).code == "AccessDenied"


@pytest.mark.parametrize(
    ("transitive", "granted"), [(None, True), (["tenant"], True), (["tenant", "other"], False)]
)
def test_the_trust_sees_the_transitive_tag_keys(
    service: IdentityService, transitive: list[str] | None, granted: bool
) -> None:
    boto3.client("iam", region_name="us-east-1").create_role(
        RoleName="transitive-tenant",
        AssumeRolePolicyDocument=tag_trust(
            {"ForAllValues:StringEquals": {"sts:TransitiveTagKeys": ["tenant"]}}
        ),
    )
    web_token = tagged_token(service, {"tenant": "acme", "other": "x"}, transitive)

    if granted:
        assume(service, "transitive-tenant", web_token)
    else:
        assert refusal(service, "transitive-tenant", web_token).code == "AccessDenied"


# Sizes ------------------------------------------------------------------------------------------


def test_tags_past_the_packed_allowance_are_refused(service: IdentityService) -> None:
    within = {"a": "x" * 250, "b": "y" * 250}  # 502 bytes of 512
    past = {**within, "c": "z" * 10}

    answer = assume(service, "tagged", tagged_token(service, within))
    error = refusal(service, "tagged", tagged_token(service, past))

    assert answer.packed_percent == packed_tags_percent(within) == 99
    assert (error.code, error.message) == (
        "PackedPolicyTooLarge",
        "Packed size of session tags consumes 101% of allotted space.",
    )


@pytest.mark.parametrize(
    "tags",
    [{"tenant": ""}, {"": "acme"}, {"k" * 129: "v"}, {"tenant": "x" * 257}],
    ids=["empty value", "empty key", "129-character key", "257-character value"],
)
def test_the_developer_token_api_refuses_tags_outside_its_lengths(
    service: IdentityService, tags: dict[str, str]
) -> None:
    with pytest.raises(IdentityError) as refused:
        token(service, tags)

    assert refused.value.code == "InvalidParameterException"


def test_a_duration_past_the_roles_maximum_is_refused_in_stss_words(
    service: IdentityService,
) -> None:
    error = refusal(service, "untagged", token(service), DurationSeconds="3601")

    assert (error.code, error.message) == (
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    )
