"""Attacks on the target stack, each refused the way Cognito refuses it: stolen, forged,
expired and revoked tokens, role escalation by CustomRoleArn or by writing attributes, brute
force on the developer sign-in, and the pre token hook on refresh. Judged from what a client
sees: API answers, STS GetCallerIdentity, S3's answers and token claims."""

from __future__ import annotations

import base64
import dataclasses
import json
import urllib.error
import urllib.request
from collections.abc import Callable

import pytest
from pycognito.aws_srp import AWSSRP

from client import aws, credentials, sign_in, whoami
from client.developer_users import new_user
from client.errors import ClientProblem
from offline import probe
from offline.scenarios import S3_BY_PRESET, resolved
from offline.seed import (
    BRUTE_TARGET,
    DEMO_PASSWORD,
    DEVELOPER_USER,
    OTHER_IDENTITY,
    SAMPLE_OBJECTS,
    UNKNOWN_DEVELOPER,
    DemoUser,
    Seeded,
)
from offline.target import Capability, Target
from tests.e2e.conftest import needs
from tests.support.offline import claims_of

_, _, OWN_TENANT, OTHER_TENANT = SAMPLE_OBJECTS


def least(seeded: Seeded) -> DemoUser:
    """The user of the group with the fewest rights (the last by precedence)."""
    return seeded.cast.by_group[-1]


def most(seeded: Seeded) -> str:
    """The group with the most rights (the first by precedence)."""
    return seeded.cast.by_group[0].groups[0]


def spelled_tenant(seeded: Seeded) -> DemoUser:
    """A group user whose tenant the hook normalizes (" ACME "), when there are two groups."""
    return seeded.cast.by_group[min(1, len(seeded.cast.by_group) - 1)]


def role_of(session: credentials.IdentitySession, seeded: Seeded) -> str | None:
    """The role STS says the credentials act as."""
    return whoami.whoami(session, seeded.outputs).role_arn


def tenant_reads(session: credentials.IdentitySession, seeded: Seeded) -> tuple[str, str]:
    """S3's answers for the acme and the globex folder: which tenant tag the session carries."""
    s3 = session.session.client("s3")
    return (
        probe.probe(s3, seeded.outputs.bucket_name, probe.Check("", "s3:GetObject", OWN_TENANT)),
        probe.probe(s3, seeded.outputs.bucket_name, probe.Check("", "s3:GetObject", OTHER_TENANT)),
    )


def refusal(action: Callable[[], object]) -> ClientProblem:
    with pytest.raises(ClientProblem) as raised:
        action()
    return raised.value


def test_a_wrong_password_fails_srp_sign_in_and_the_right_one_passes(seeded: Seeded) -> None:
    outputs = seeded.outputs

    problem = refusal(lambda: sign_in.sign_in(outputs, least(seeded).username, DEMO_PASSWORD + "x"))

    assert problem.code == "NotAuthorizedException"
    assert seeded.sign_in(least(seeded).username).id_token


def test_a_token_from_another_app_client_is_refused(seeded: Seeded, target: Target) -> None:
    idp = target.operator.client("cognito-idp")
    other = idp.create_user_pool_client(
        UserPoolId=seeded.outputs.user_pool_id,
        ClientName="e2e-not-in-the-identity-pool",
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    try:
        outputs = dataclasses.replace(seeded.outputs, user_pool_client_id=other)
        tokens = seeded.sign_in(least(seeded).username, outputs=outputs)
    finally:
        idp.delete_user_pool_client(UserPoolId=seeded.outputs.user_pool_id, ClientId=other)

    problem = refusal(lambda: credentials.enhanced(seeded.outputs, tokens))

    assert problem.code == "NotAuthorizedException"
    # As users report it from the service (aws-amplify/amplify-js#2067).
    assert "Token is not from a supported provider of this identity pool." in str(problem)


def forged(id_token: str, **claims: object) -> str:
    """The token with claims changed and the original signature kept."""
    header, payload, signature = id_token.split(".")
    document = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    document.update(claims)
    encoded = base64.urlsafe_b64encode(json.dumps(document).encode()).rstrip(b"=").decode()
    return f"{header}.{encoded}.{signature}"


def test_a_tampered_token_is_refused(seeded: Seeded) -> None:
    outputs = seeded.outputs
    tokens = seeded.sign_in(least(seeded).username)
    admin = outputs.group_role_arn(most(seeded))
    tampered = dataclasses.replace(
        tokens, id_token=forged(tokens.id_token, **{"cognito:preferred_role": admin})
    )

    problem = refusal(lambda: credentials.enhanced(outputs, tampered))

    assert problem.code == "NotAuthorizedException"
    # As users report it from the service (amazon-cognito-identity-js#91).
    assert "Invalid login token. Couldn't verify signed token." in str(problem)


def test_an_expired_token_is_refused(seeded: Seeded, target: Target) -> None:
    needs(target, Capability.CLOCK)  # ID tokens live at least 5 minutes: only a clock helps
    outputs = seeded.outputs
    tokens = seeded.sign_in(least(seeded).username)
    identity = aws.unsigned_client("cognito-identity", outputs.region)
    logins = {outputs.user_pool_provider_name: tokens.id_token}
    with (
        target.clock_advanced(2 * 60 * 60),
        pytest.raises(identity.exceptions.NotAuthorizedException, match="expired"),
    ):
        identity.get_id(IdentityPoolId=outputs.identity_pool_id, Logins=logins)
    assert identity.get_id(IdentityPoolId=outputs.identity_pool_id, Logins=logins)["IdentityId"]


def test_a_token_revoked_by_global_sign_out_is_refused(seeded: Seeded) -> None:
    outputs = seeded.outputs
    tokens = seeded.sign_in(spelled_tenant(seeded).username)
    assert credentials.enhanced(outputs, tokens).identity_id  # valid before
    aws.unsigned_client("cognito-idp", outputs.region).global_sign_out(
        AccessToken=tokens.access_token
    )

    problem = refusal(lambda: credentials.enhanced(outputs, tokens))

    assert problem.code == "NotAuthorizedException"
    assert "revoked" in str(problem)


def test_the_identity_id_is_stable_per_user(seeded: Seeded) -> None:
    outputs = seeded.outputs
    first = credentials.enhanced(outputs, seeded.sign_in(least(seeded).username))
    second = credentials.enhanced(outputs, seeded.sign_in(least(seeded).username))
    other = credentials.enhanced(outputs, seeded.sign_in(seeded.cast.no_group.username))

    assert first.identity_id == second.identity_id != other.identity_id


def test_another_users_identity_id_is_refused(seeded: Seeded) -> None:
    outputs = seeded.outputs
    victim = credentials.enhanced(outputs, seeded.sign_in(seeded.cast.no_group.username))
    tokens = seeded.sign_in(least(seeded).username)
    identity = aws.unsigned_client("cognito-identity", outputs.region)

    with pytest.raises(identity.exceptions.NotAuthorizedException, match="Logins don't match"):
        identity.get_credentials_for_identity(
            IdentityId=victim.identity_id,
            Logins={outputs.user_pool_provider_name: tokens.id_token},
        )


def test_a_developer_sign_in_gets_its_tenant_as_a_session_tag(seeded: Seeded) -> None:
    """The tag is observed where it matters: the tenant folder it names opens, others do not."""
    session = credentials.developer(seeded.outputs, DEVELOPER_USER, DEMO_PASSWORD)

    assert role_of(session, seeded) == seeded.outputs.authenticated_role_arn
    assert tenant_reads(session, seeded) == ("allowed", "denied")


def post_login(url: str, username: str, password: str) -> tuple[int, dict[str, object]]:
    body = json.dumps({"username": username, "password": password}).encode()
    # S310 asks that the URL's scheme be checked: it is the stack's LoginUrl output, which the
    # offline stack serves over http on 127.0.0.1.
    request = urllib.request.Request(  # noqa: S310 (the LoginUrl output, see above)
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request) as answer:  # noqa: S310 (the LoginUrl output)
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_brute_force_on_the_developer_sign_in_ends_in_the_lockout(
    seeded: Seeded, target: Target
) -> None:
    table = target.operator.resource("dynamodb").Table(seeded.outputs.user_table_name)
    table.put_item(Item=new_user(BRUTE_TARGET, DEMO_PASSWORD, {}))
    url = seeded.outputs.login_url

    answers = [post_login(url, BRUTE_TARGET, f"Guess-{n:04d}-Passw0rd!")[0] for n in range(6)]
    after, body = post_login(url, BRUTE_TARGET, DEMO_PASSWORD)

    assert answers == [401, 401, 401, 401, 401, 429]  # maxFailedAttempts = 5 guesses judged
    assert (after, body) == (429, {"error": "too many failed sign-ins; try again later"})


def test_an_unknown_username_locks_out_like_a_real_one(seeded: Seeded) -> None:
    url = seeded.outputs.login_url

    answers = [post_login(url, UNKNOWN_DEVELOPER, f"Guess-{n:04d}-Passw0rd!") for n in range(7)]

    assert [status for status, _ in answers] == [401] * 5 + [429, 429]


def test_a_bad_login_request_gets_a_4xx_naming_the_field(seeded: Seeded) -> None:
    status, body = post_login(seeded.outputs.login_url, "x", DEMO_PASSWORD)

    assert status == 400
    assert body["field"] == "username"


def test_writing_an_attribute_named_like_a_role_keeps_the_role(seeded: Seeded) -> None:
    outputs = seeded.outputs
    tokens = seeded.sign_in(least(seeded).username)
    idp = aws.unsigned_client("cognito-idp", outputs.region)
    admin = outputs.group_role_arn(most(seeded))
    idp.update_user_attributes(
        AccessToken=tokens.access_token,
        UserAttributes=[{"Name": "given_name", "Value": admin}],
    )
    with pytest.raises(idp.exceptions.NotAuthorizedException, match="unauthorized attribute"):
        idp.update_user_attributes(
            AccessToken=tokens.access_token,
            UserAttributes=[{"Name": "custom:tenant", "Value": "other-tenant"}],
        )

    refreshed = sign_in.refresh(outputs, tokens)
    session = credentials.enhanced(outputs, refreshed)

    user = least(seeded)
    assert role_of(session, seeded) == outputs.group_role_arn(user.groups[0])
    # Still tenant acme (if the stack maps the tag): its own tenant's folder, and another's
    # only if the preset reads all.
    *_, own, other = S3_BY_PRESET[str(user.preset)]
    tag = user.tag(outputs)
    expected = (resolved(own, outputs, tag), resolved(other, outputs, tag))
    assert tenant_reads(session, seeded) == expected


def test_the_hook_runs_on_refresh(seeded: Seeded, target: Target) -> None:
    """An administrator changes the user's tenant after sign-in: only a hook that runs on the
    refresh puts the new tenant, normalized, in the refreshed token."""
    outputs = seeded.outputs
    spelled = spelled_tenant(seeded)
    user = spelled.username
    tokens = seeded.sign_in(user)
    idp = target.operator.client("cognito-idp")

    def set_tenant(value: str) -> None:
        idp.admin_update_user_attributes(
            UserPoolId=outputs.user_pool_id,
            Username=user,
            UserAttributes=[{"Name": "custom:tenant", "Value": value}],
        )

    set_tenant(" GLOBEX ")
    try:
        refreshed = sign_in.refresh(outputs, tokens)
    finally:
        set_tenant(str(spelled.tenant))

    assert claims_of(tokens.id_token)["tenant"] == "acme"
    claims = claims_of(refreshed.id_token)
    assert claims["tenant"] == "globex"  # " GLOBEX " in the user pool, normalized by the hook
    assert claims["cognito:preferred_role"] == outputs.group_role_arn(spelled.groups[0])


def test_a_password_proof_cannot_sign_in_another_user(seeded: Seeded) -> None:
    """Prove one user's password, then name another in the answer."""
    outputs = seeded.outputs
    idp = aws.unsigned_client("cognito-idp", outputs.region)
    user = least(seeded).username
    srp = AWSSRP(
        username=user,
        password=DEMO_PASSWORD,
        pool_id=outputs.user_pool_id,
        client_id=outputs.user_pool_client_id,
        client=idp,
    )
    started = idp.initiate_auth(
        ClientId=outputs.user_pool_client_id,
        AuthFlow="USER_SRP_AUTH",
        AuthParameters=srp.get_auth_params(),
    )
    answers = srp.process_challenge(started["ChallengeParameters"], {"USERNAME": user})
    answers["USERNAME"] = seeded.cast.no_group.username

    with pytest.raises(idp.exceptions.NotAuthorizedException, match="Incorrect username"):
        idp.respond_to_auth_challenge(
            ClientId=outputs.user_pool_client_id,
            ChallengeName="PASSWORD_VERIFIER",
            ChallengeResponses=answers,
        )


def test_an_unknown_user_is_refused_like_a_wrong_password(seeded: Seeded) -> None:
    problem = refusal(lambda: sign_in.sign_in(seeded.outputs, "nobody@example.com", DEMO_PASSWORD))

    assert problem.code == "NotAuthorizedException"


def test_identity_pool_credentials_cannot_call_other_services(
    seeded: Seeded, target: Target
) -> None:
    """The least privileged user's credentials try to put it in the first group."""
    outputs = seeded.outputs
    user = least(seeded)
    session = credentials.enhanced(outputs, seeded.sign_in(user.username))
    idp = session.session.client("cognito-idp")

    with pytest.raises(idp.exceptions.ClientError) as refused:
        idp.admin_add_user_to_group(
            UserPoolId=outputs.user_pool_id, Username=user.username, GroupName=most(seeded)
        )

    # AWS answers AccessDeniedException (400); moto its XML shape, a bare 403 to this client.
    answer = refused.value.response
    assert answer["Error"]["Code"] in ("AccessDeniedException", "403")
    groups = target.operator.client("cognito-idp").admin_list_groups_for_user(
        UserPoolId=outputs.user_pool_id, Username=user.username
    )["Groups"]
    assert [group["GroupName"] for group in groups] == list(user.groups)


def test_listing_the_bucket_follows_the_prefix_grant(seeded: Seeded) -> None:
    """ListBucket is granted per prefix (s3:prefix): one's own private folder, not another's,
    not the whole bucket."""
    outputs = seeded.outputs
    session = credentials.enhanced(outputs, seeded.sign_in(least(seeded).username))
    s3 = session.session.client("s3")

    s3.list_objects_v2(Bucket=outputs.bucket_name, Prefix=f"private/{session.identity_id}/")
    for prefix in (f"private/{OTHER_IDENTITY}/", ""):
        with pytest.raises(s3.exceptions.ClientError) as refused:
            s3.list_objects_v2(Bucket=outputs.bucket_name, Prefix=prefix)
        assert refused.value.response["Error"]["Code"] == "AccessDenied", prefix
