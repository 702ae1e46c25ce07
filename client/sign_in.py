"""User pool sign-in: SRP with pycognito, TOTP when Cognito asks for it (and its set-up when the
pool requires MFA and the user has none yet), refresh.

SRP (``USER_SRP_AUTH`` then ``PASSWORD_VERIFIER``) proves the password without sending it; the
app client allows only SRP and refresh. pycognito computes the SRP values (maintained code, not
hand-written big-number arithmetic); this module drives the challenges and turns Cognito's
refusals into messages a person can act on.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP
from pycognito.exceptions import (
    ForceChangePasswordException,
    MFAChallengeException,
    SoftwareTokenMFAChallengeException,
)

from client import aws
from client.errors import ClientProblem
from client.outputs import StackOutputs

# What Cognito means by each refusal, phrased as the fix. With "prevent user existence errors"
# on, an unknown user also answers NotAuthorizedException, so that message covers both.
_REFUSALS = {
    "NotAuthorizedException": "wrong username or password, or the user is disabled",
    "UserNotFoundException": "wrong username or password, or the user is disabled",
    "CodeMismatchException": "wrong TOTP code: use the current code from the authenticator app",
    "ExpiredCodeException": "the TOTP code expired: use the current code",
    "PasswordResetRequiredException": "an administrator reset the password: set a new one",
    "UserNotConfirmedException": "the user is not confirmed yet: an administrator must confirm",
}


@dataclass(frozen=True)
class Tokens:
    id_token: str
    access_token: str
    refresh_token: str

    @property
    def id_token_expires_at(self) -> datetime:
        """The ID token's ``exp``; read without verifying, only to know when to refresh."""
        payload = self.id_token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return datetime.fromtimestamp(claims["exp"], UTC)


def sign_in(
    outputs: StackOutputs,
    username: str,
    password: str,
    totp_code: Callable[[], str] | None = None,
    mfa_setup: Callable[[str], str] | None = None,
) -> Tokens:
    """Sign in with SRP; ``totp_code`` is asked for a code only if Cognito wants one.

    ``mfa_setup`` answers ``MFA_SETUP`` (the pool requires MFA, the user has no authenticator
    yet): it is given the new TOTP secret, once, to put into the user's authenticator app, and
    returns the code the app then shows.
    """
    idp = aws.unsigned_client("cognito-idp", outputs.region)
    srp = AWSSRP(
        username=username,
        password=password,
        pool_id=outputs.user_pool_id,
        client_id=outputs.user_pool_client_id,
        client=idp,
    )
    try:
        try:
            answer = srp.authenticate_user()
        except SoftwareTokenMFAChallengeException as challenge:
            answer = _answer_totp(idp, outputs, username, challenge.get_tokens(), totp_code)
    except ForceChangePasswordException:
        raise ClientProblem(
            f"user {username!r} still has the temporary password an administrator gave it: have "
            "an administrator set a permanent one (aws cognito-idp admin-set-user-password "
            "--permanent)",
            code="NEW_PASSWORD_REQUIRED",
        ) from None
    except MFAChallengeException as other:  # SMS: this app's pool offers TOTP only
        answer = other.get_tokens()
    except ClientError as error:
        raise _refusal(error, f"sign-in of {username!r}") from None
    if answer.get("ChallengeName") == "MFA_SETUP":
        answer = _set_up_totp(idp, outputs, username, answer, mfa_setup)
    if "AuthenticationResult" not in answer:
        # SMS_MFA, or an MFA_SETUP offering no TOTP: this client answers TOTP only.
        pending = answer.get("ChallengeName")
        raise ClientProblem(
            f"sign-in of {username!r} needs the {pending} challenge, which this client does not "
            "answer: enroll a TOTP authenticator for the user first",
            code=pending,
        )
    return _tokens(answer["AuthenticationResult"])


def refresh(outputs: StackOutputs, tokens: Tokens) -> Tokens:
    """New ID and access tokens from the refresh token (``REFRESH_TOKEN_AUTH``).

    Cognito runs the pre token hook again, so group and role changes reach the new ID token.
    ``REFRESH_TOKEN_AUTH`` answers without a new refresh token, so the old one is kept.
    """
    idp = aws.unsigned_client("cognito-idp", outputs.region)
    try:
        answer = idp.initiate_auth(
            ClientId=outputs.user_pool_client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": tokens.refresh_token},
        )
    except ClientError as error:
        if error.response["Error"]["Code"] == "NotAuthorizedException":
            raise ClientProblem(
                "the refresh token was refused (expired, revoked, or the user signed out "
                "everywhere): sign in again",
                code="NotAuthorizedException",
            ) from None
        raise _refusal(error, "token refresh") from None
    result = answer["AuthenticationResult"]
    return replace(tokens, id_token=result["IdToken"], access_token=result["AccessToken"])


def sign_out(outputs: StackOutputs, tokens: Tokens) -> None:
    """``GlobalSignOut`` with the access token: the user pool then refuses this user's refresh
    tokens, and the identity pool (with its server-side token check) the ID tokens (API
    reference, GlobalSignOut)."""
    idp = aws.unsigned_client("cognito-idp", outputs.region)
    try:
        idp.global_sign_out(AccessToken=tokens.access_token)
    except ClientError as error:
        raise _refusal(error, "sign-out") from None


def _answer_totp(
    idp: Any,
    outputs: StackOutputs,
    username: str,
    challenge: dict[str, Any],
    totp_code: Callable[[], str] | None,
) -> dict[str, Any]:
    if totp_code is None:
        raise ClientProblem(
            f"user {username!r} has TOTP MFA: supply the code (--totp-code)",
            code="SOFTWARE_TOKEN_MFA",
        )
    # Cognito names the user by its internal id in the challenge; answer with that name.
    name = challenge.get("ChallengeParameters", {}).get("USER_ID_FOR_SRP", username)
    answer: dict[str, Any] = idp.respond_to_auth_challenge(
        ClientId=outputs.user_pool_client_id,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": name, "SOFTWARE_TOKEN_MFA_CODE": totp_code()},
    )
    return answer


def _set_up_totp(
    idp: Any,
    outputs: StackOutputs,
    username: str,
    challenge: dict[str, Any],
    mfa_setup: Callable[[str], str] | None,
) -> dict[str, Any]:
    """API reference, RespondToAuthChallenge (MFA_SETUP): associate a software token with the
    challenge's session, verify a code from it, then answer with the session that returns."""
    if mfa_setup is None:
        raise ClientProblem(
            f"user {username!r} must set up a TOTP authenticator first (the pool requires MFA): "
            "sign in interactively (python -m client whoami) to enroll one",
            code="MFA_SETUP",
        )
    try:
        associated = idp.associate_software_token(Session=challenge["Session"])
        code = mfa_setup(associated["SecretCode"])
        verified = idp.verify_software_token(
            Session=associated["Session"], UserCode=code, FriendlyDeviceName="authenticator"
        )
        if verified.get("Status") != "SUCCESS":
            raise ClientProblem(
                f"TOTP set-up of {username!r} was not verified: enter the current code",
                code="MFA_SETUP",
            )
        name = challenge.get("ChallengeParameters", {}).get("USER_ID_FOR_SRP", username)
        answer: dict[str, Any] = idp.respond_to_auth_challenge(
            ClientId=outputs.user_pool_client_id,
            ChallengeName="MFA_SETUP",
            Session=verified["Session"],
            ChallengeResponses={"USERNAME": name},
        )
    except ClientError as error:
        raise _refusal(error, f"TOTP set-up of {username!r}") from None
    return answer


def _tokens(result: dict[str, Any]) -> Tokens:
    return Tokens(result["IdToken"], result["AccessToken"], result["RefreshToken"])


def _refusal(error: ClientError, what: str) -> ClientProblem:
    code = error.response["Error"]["Code"]
    reason = _REFUSALS.get(code, error.response["Error"].get("Message", ""))
    return ClientProblem(f"{what} refused ({code}): {reason}", code=code)
