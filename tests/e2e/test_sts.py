"""Direct ``sts:AssumeRoleWithWebIdentity`` with identity pool tokens, judged as STS judges it.

Any holder of an identity pool OpenID token may call STS with any role ARN: the developer guide
documents it as the basic flow ("Identity pools authentication flow"), and ``AllowClassicFlow``
does not stop it (STS never sees the pool's settings). The developer sign-in hands such a token
to every developer user, and role names are in the stack outputs, so only the roles' trust
policies stand between a developer user and the group roles. These tests take that path for
every group of the stack's outputs.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError
from joserfc import jwt
from joserfc.jwk import RSAKey

from client import aws
from offline.seed import DEMO_PASSWORD, DEVELOPER_USER, SAMPLE_OBJECTS, Seeded
from offline.target import Capability, Target
from tests.e2e.conftest import needs
from tests.e2e.test_attacks import OTHER_TENANT, OWN_TENANT, least, post_login
from tests.support.offline import claims_of

# The Cognito developer guide quotes STS's refusal ("Role trust and permissions").
TRUST_REFUSED = "Not authorized to perform sts:AssumeRoleWithWebIdentity"


def developer_token(seeded: Seeded) -> str:
    status, body = post_login(seeded.outputs.login_url, DEVELOPER_USER, DEMO_PASSWORD)
    assert status == 200, body
    return str(body["token"])


def assume(region: str, role_arn: str, token: str, **parameters: Any) -> dict[str, Any]:
    """As any token holder calls it: unsigned, with the token as the only credential. botocore
    checks parameters against the API's limits before sending; an attacker need not, so that
    check is off here and STS's own is tested."""
    session = boto3.session.Session(botocore_session=aws.botocore_session())
    unchecked = Config(signature_version=UNSIGNED, parameter_validation=False)
    sts = session.client("sts", region_name=region, config=unchecked)
    answer: dict[str, Any] = sts.assume_role_with_web_identity(
        RoleArn=role_arn,
        WebIdentityToken=token,
        **{"RoleSessionName": "attacker", **parameters},
    )
    return answer


def s3_of(seeded: Seeded, answer: dict[str, Any]) -> Any:
    keys = answer["Credentials"]
    return boto3.Session(
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        aws_session_token=keys["SessionToken"],
        region_name=seeded.outputs.region,
    ).client("s3")


def reads(s3: Any, seeded: Seeded, key: str) -> bool:
    try:
        s3.get_object(Bucket=seeded.outputs.bucket_name, Key=key)
    except ClientError as error:
        assert error.response["Error"]["Code"] == "AccessDenied", key
        return False
    return True


def refused(seeded: Seeded, role_arn: str, token: str) -> ClientError:
    with pytest.raises(ClientError) as raised:
        assume(seeded.outputs.region, role_arn, token)
    return raised.value


def test_a_developer_token_cannot_assume_any_group_role(seeded: Seeded) -> None:
    token = developer_token(seeded)
    assert seeded.outputs.groups, "the stack has groups to attack"
    for group in seeded.outputs.groups:
        error = refused(seeded, group.role_arn, token)
        assert error.response["Error"]["Code"] == "AccessDenied", group.name
        assert error.response["Error"]["Message"] == TRUST_REFUSED


def test_a_developer_token_assumes_the_default_role_the_documented_basic_flow(
    seeded: Seeded,
) -> None:
    token = developer_token(seeded)

    answer = assume(seeded.outputs.region, seeded.outputs.authenticated_role_arn, token)

    role_name = seeded.outputs.authenticated_role_arn.rsplit("/", 1)[1]
    assert f":assumed-role/{role_name}/" in answer["AssumedRoleUser"]["Arn"]
    assert answer["SubjectFromWebIdentityToken"] == claims_of(token)["sub"]
    # The token's principal tags become session tags (the default role trusts sts:TagSession):
    # the acme folder opens to these credentials, globex's does not.
    keys = answer["Credentials"]
    s3 = boto3.Session(
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        aws_session_token=keys["SessionToken"],
        region_name=seeded.outputs.region,
    ).client("s3")
    s3.get_object(Bucket=seeded.outputs.bucket_name, Key=OWN_TENANT)
    with pytest.raises(ClientError) as other:
        s3.get_object(Bucket=seeded.outputs.bucket_name, Key=OTHER_TENANT)
    assert other.value.response["Error"]["Code"] == "AccessDenied"


def test_user_pool_and_guest_identities_get_no_token_for_sts(seeded: Seeded) -> None:
    outputs = seeded.outputs
    identity = aws.unsigned_client("cognito-identity", outputs.region)
    tokens = seeded.sign_in(least(seeded).username)
    logins = {outputs.user_pool_provider_name: tokens.id_token}
    identity_id = identity.get_id(IdentityPoolId=outputs.identity_pool_id, Logins=logins)[
        "IdentityId"
    ]

    with pytest.raises(ClientError) as basic:
        identity.get_open_id_token(IdentityId=identity_id, Logins=logins)

    # Classic flow off: Cognito refuses GetOpenIdToken (developer guide, authentication flow).
    assert basic.value.response["Error"]["Code"] == "InvalidParameterException"
    if outputs.guest_access:
        guest_id = identity.get_id(IdentityPoolId=outputs.identity_pool_id)["IdentityId"]
        with pytest.raises(ClientError) as guest:
            identity.get_open_id_token(IdentityId=guest_id)
        assert guest.value.response["Error"]["Code"] == "InvalidParameterException"
    else:
        with pytest.raises(ClientError) as guest:
            identity.get_id(IdentityPoolId=outputs.identity_pool_id)
        assert guest.value.response["Error"]["Code"] == "NotAuthorizedException"


def test_a_forged_token_is_refused(seeded: Seeded) -> None:
    token = developer_token(seeded)
    header, _, signature = token.split(".")
    document = claims_of(token)
    document["amr"] = ["authenticated", seeded.outputs.user_pool_provider_name]
    encoded = base64.urlsafe_b64encode(json.dumps(document).encode()).rstrip(b"=").decode()
    tampered = f"{header}.{encoded}.{signature}"
    self_signed = jwt.encode(
        {"alg": "RS256", "kid": "offline"}, document, RSAKey.generate_key(2048)
    )

    for forged in (tampered, self_signed, "not-a-token"):
        error = refused(
            seeded, seeded.outputs.group_role_arn(seeded.outputs.groups[0].name), forged
        )
        assert error.response["Error"]["Code"] == "InvalidIdentityToken"


def test_an_expired_developer_token_is_refused(seeded: Seeded, target: Target) -> None:
    needs(target, Capability.CLOCK)  # the sign-in issues tokens of tokenMinutes, at least 1
    token = developer_token(seeded)
    lifetime = claims_of(token)["exp"] - claims_of(token)["iat"]
    with target.clock_advanced(lifetime + 1):
        error = refused(seeded, seeded.outputs.authenticated_role_arn, token)

    assert error.response["Error"]["Code"] == "ExpiredTokenException"


@pytest.mark.parametrize("seconds", [899, 43201])
def test_a_session_outside_stss_duration_limits_is_refused(seeded: Seeded, seconds: int) -> None:
    """STS API reference, AssumeRoleWithWebIdentity: DurationSeconds from 900 up to the role's
    maximum session duration, which is at most 12 hours."""
    token = developer_token(seeded)

    with pytest.raises(ClientError) as raised:
        assume(
            seeded.outputs.region,
            seeded.outputs.authenticated_role_arn,
            token,
            DurationSeconds=seconds,
        )

    assert raised.value.response["Error"]["Code"] == "ValidationError"


@pytest.mark.parametrize("name", ["", "x", "x" * 65, "has space"])
def test_a_role_session_name_sts_would_refuse_is_refused(seeded: Seeded, name: str) -> None:
    token = developer_token(seeded)

    with pytest.raises(ClientError) as raised:
        assume(
            seeded.outputs.region,
            seeded.outputs.authenticated_role_arn,
            token,
            RoleSessionName=name,
        )

    assert raised.value.response["Error"]["Code"] == "ValidationError"


def test_a_session_policy_narrows_the_role_and_never_widens_it(seeded: Seeded) -> None:
    """IAM user guide, "Session policies": the session may do what both the role's policies and
    the session policy allow. The default role reads its tenant's folder, not shared/ nor
    another tenant's."""
    role, region = seeded.outputs.authenticated_role_arn, seeded.outputs.region
    everything = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }
    shared_only = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{seeded.outputs.bucket_name}/shared/*",
            }
        ],
    }
    shared = SAMPLE_OBJECTS[0]

    wide = s3_of(
        seeded, assume(region, role, developer_token(seeded), Policy=json.dumps(everything))
    )
    narrow = s3_of(
        seeded, assume(region, role, developer_token(seeded), Policy=json.dumps(shared_only))
    )

    assert (reads(wide, seeded, OWN_TENANT), reads(wide, seeded, OTHER_TENANT)) == (True, False)
    assert not reads(wide, seeded, shared)
    assert not reads(narrow, seeded, OWN_TENANT)
    assert not reads(narrow, seeded, shared)
