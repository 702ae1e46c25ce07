"""SRP sign-in, TOTP and refresh against moto, plus Cognito's refusals turned into messages.

moto accepts any SRP signature, so a wrong password is simulated with Cognito's own answer
(NotAuthorizedException) from a stubbed client; the offline e2e suite checks it for real.
"""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.stub import Stubber
from moto.cognitoidp.utils import cognito_totp

from client import aws, outputs, sign_in
from client.errors import ClientProblem
from tests.client.conftest import PASSWORD, REGION, outputs_document


def test_srp_sign_in_returns_the_tokens_without_signing_a_request(stack) -> None:
    stack.add_user("alice", "admins")
    tokens = sign_in.sign_in(stack.outputs, "alice", PASSWORD)
    assert stack.operations() == ["InitiateAuth", "RespondToAuthChallenge"]
    assert stack.calls[0].params["AuthFlow"] == "USER_SRP_AUTH"
    assert "SRP_A" in stack.calls[0].params["AuthParameters"]
    assert stack.calls[1].params["ChallengeName"] == "PASSWORD_VERIFIER"
    assert not any(call.signed for call in stack.calls)
    user = stack.idp.get_user(AccessToken=tokens.access_token)
    assert user["Username"] == "alice"
    assert tokens.refresh_token
    assert tokens.id_token_expires_at.tzinfo is not None


def test_refresh_returns_new_tokens_and_keeps_the_refresh_token(stack) -> None:
    stack.add_user("alice")
    tokens = sign_in.sign_in(stack.outputs, "alice", PASSWORD)
    renewed = sign_in.refresh(stack.outputs, tokens)
    assert stack.last("InitiateAuth")["AuthFlow"] == "REFRESH_TOKEN_AUTH"
    assert renewed.refresh_token == tokens.refresh_token
    assert renewed.id_token != tokens.id_token


def test_a_revoked_refresh_token_says_sign_in_again(stack) -> None:
    stack.add_user("alice")
    tokens = sign_in.sign_in(stack.outputs, "alice", PASSWORD)
    stack.idp.admin_user_global_sign_out(UserPoolId=stack.outputs.user_pool_id, Username="alice")
    with pytest.raises(ClientProblem, match=r"refresh token was refused.*sign in again") as caught:
        sign_in.refresh(stack.outputs, tokens)
    assert caught.value.code == "NotAuthorizedException"


@pytest.fixture
def totp_user(stack, monkeypatch) -> Any:
    """alice with a verified TOTP authenticator (moto's secret is shorter than pyotp accepts, so
    moto's own generator makes the codes); moto checks the codes when told to."""
    monkeypatch.setenv("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")
    stack.add_user("alice")
    access = sign_in.sign_in(stack.outputs, "alice", PASSWORD).access_token
    secret = stack.idp.associate_software_token(AccessToken=access)["SecretCode"]
    totp = cognito_totp(secret)
    stack.idp.verify_software_token(AccessToken=access, UserCode=code(totp))
    stack.idp.set_user_mfa_preference(
        AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    stack.calls.clear()
    return totp


def code(totp: Any) -> str:
    return str(totp.generate(int(time.time())).decode())


def test_totp_is_asked_for_only_when_cognito_challenges(stack, totp_user) -> None:
    asked = []
    tokens = sign_in.sign_in(
        stack.outputs, "alice", PASSWORD, lambda: asked.append(1) or code(totp_user)
    )
    assert asked == [1]
    assert stack.last("RespondToAuthChallenge")["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert stack.idp.get_user(AccessToken=tokens.access_token)["Username"] == "alice"


def test_a_wrong_totp_code_is_explained(stack, totp_user) -> None:
    wrong = str((int(code(totp_user)) + 1) % 1_000_000).zfill(6)
    with pytest.raises(ClientProblem, match="wrong TOTP code") as caught:
        sign_in.sign_in(stack.outputs, "alice", PASSWORD, lambda: wrong)
    assert caught.value.code == "CodeMismatchException"


def test_totp_without_a_code_source_names_the_option(stack, totp_user) -> None:
    with pytest.raises(ClientProblem, match="has TOTP MFA: supply the code \\(--totp-code\\)"):
        sign_in.sign_in(stack.outputs, "alice", PASSWORD)


def test_an_unknown_user_is_a_clear_error(stack) -> None:
    with pytest.raises(ClientProblem, match=r"sign-in of 'nobody' refused.*wrong username or"):
        sign_in.sign_in(stack.outputs, "nobody", PASSWORD)


def test_a_temporary_password_is_explained(stack) -> None:
    stack.idp.admin_create_user(
        UserPoolId=stack.outputs.user_pool_id, Username="new", TemporaryPassword=PASSWORD
    )
    with pytest.raises(ClientProblem, match=r"temporary password.*--permanent") as caught:
        sign_in.sign_in(stack.outputs, "new", PASSWORD)
    assert caught.value.code == "NEW_PASSWORD_REQUIRED"


def test_a_wrong_password_is_a_clear_error(monkeypatch) -> None:
    """Cognito answers the password verifier with NotAuthorizedException."""

    client = boto3.client(
        "cognito-idp", region_name=REGION, config=Config(signature_version=UNSIGNED)
    )
    stubber = Stubber(client)
    salt_and_b = {"SALT": "a1b2", "SRP_B": "c3d4" * 64, "SECRET_BLOCK": "AAAA"}
    stubber.add_response(
        "initiate_auth",
        {
            "ChallengeName": "PASSWORD_VERIFIER",
            "ChallengeParameters": {**salt_and_b, "USERNAME": "bob", "USER_ID_FOR_SRP": "bob"},
        },
    )
    stubber.add_client_error(
        "respond_to_auth_challenge",
        service_error_code="NotAuthorizedException",
        service_message="Incorrect username or password.",
    )
    monkeypatch.setattr(aws, "unsigned_client", lambda service, region: client)
    with stubber, pytest.raises(ClientProblem) as caught:
        sign_in.sign_in(outputs.parse(outputs_document()), "bob", "not the password")
    assert str(caught.value) == (
        "sign-in of 'bob' refused (NotAuthorizedException): "
        "wrong username or password, or the user is disabled"
    )
    assert caught.value.code == "NotAuthorizedException"


@pytest.fixture
def mfa_required(stack, monkeypatch) -> None:
    """The pool requires MFA (TOTP only) and alice has no authenticator yet."""
    monkeypatch.setenv("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")
    stack.idp.set_user_pool_mfa_config(
        UserPoolId=stack.outputs.user_pool_id,
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="ON",
    )
    stack.add_user("alice")


def test_mfa_setup_enrolls_a_totp_authenticator_then_signs_in(stack, mfa_required) -> None:
    shown: list[str] = []

    def set_up(secret: str) -> str:
        shown.append(secret)
        return code(cognito_totp(secret))

    tokens = sign_in.sign_in(stack.outputs, "alice", PASSWORD, mfa_setup=set_up)
    assert len(shown) == 1
    assert stack.operations() == [
        "InitiateAuth",
        "RespondToAuthChallenge",
        "AssociateSoftwareToken",
        "VerifySoftwareToken",
        "RespondToAuthChallenge",
    ]
    assert stack.last("RespondToAuthChallenge")["ChallengeName"] == "MFA_SETUP"
    assert not any(call.signed for call in stack.calls)
    assert stack.idp.get_user(AccessToken=tokens.access_token)["Username"] == "alice"
    # Enrolled: the next sign-in asks for a code from the same authenticator.
    again = sign_in.sign_in(stack.outputs, "alice", PASSWORD, lambda: code(cognito_totp(shown[0])))
    assert stack.last("RespondToAuthChallenge")["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    assert again.id_token


def test_a_wrong_code_at_mfa_setup_is_explained(stack, mfa_required) -> None:
    def wrong(secret: str) -> str:
        return str((int(code(cognito_totp(secret))) + 1) % 1_000_000).zfill(6)

    with pytest.raises(ClientProblem, match=r"TOTP set-up of .alice. refused.*wrong TOTP code"):
        sign_in.sign_in(stack.outputs, "alice", PASSWORD, mfa_setup=wrong)


def test_mfa_setup_without_a_handler_says_how_to_enroll(stack, mfa_required) -> None:
    with pytest.raises(ClientProblem, match="must set up a TOTP authenticator") as caught:
        sign_in.sign_in(stack.outputs, "alice", PASSWORD)
    assert caught.value.code == "MFA_SETUP"
