"""User pool tokens as Cognito issues them: group roles in the ID token and the pre token hook.

moto issues ID tokens with ``cognito:groups`` only and never calls Lambda triggers. Offline,
every ID and access token moto issues (sign-in and refresh alike) first gets
``cognito:roles`` and ``cognito:preferred_role`` from the user's groups, then goes through the
pool's pre token generation function, in-process, whose answer is applied as Cognito applies it
(docs/offline.md's ledger lists each rule and its source).
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool, UserStatus
from moto.core.exceptions import JsonRESTError

from facts.cognito import USER_ADMIN_SCOPE

# The pre token trigger's source for the issuance under way (developer guide, "Pre token
# generation Lambda trigger", trigger sources): Authentication after a user authentication flow
# (InitiateAuth and its challenges), set to RefreshTokens by the offline endpoint while it serves
# a refresh and to HostedAuth by a federated sign-in, which goes through managed login.
AUTHENTICATION = "Authentication"
REFRESH_TOKENS = "RefreshTokens"
HOSTED_AUTH = "HostedAuth"
trigger: contextvars.ContextVar[str] = contextvars.ContextVar("trigger", default=AUTHENTICATION)


@contextlib.contextmanager
def issuing(source: str) -> Iterator[None]:
    """Tokens issued inside this block go through the hook with ``TokenGeneration_<source>``."""
    reset = trigger.set(source)
    try:
        yield
    finally:
        trigger.reset(reset)


ACCESS_TOKEN = "access"  # noqa: S105 (a token_use value, not a secret)
# The status of users who signed in through an IdP (API reference, UserType: UserStatus).
FEDERATED_STATUS = "EXTERNAL_PROVIDER"
# The claims the hook cannot add, change or suppress: the developer guide's list ("Pre token
# generation Lambda trigger",
# https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html).
# Whether Cognito ignores such an attempt or fails the sign-in is not written there: offline it
# is ignored, and the hook never makes one (lambdas/pre_token_generation RESERVED_CLAIMS), so
# either reading is safe.
IMMUTABLE_CLAIMS = frozenset(
    {
        "acr", "amr", "at_hash", "aud", "auth_time", "azp", "client_id", "cognito:username",
        "exp", "iat", "identities", "iss", "jti", "nbf", "nonce", "origin_jti", "sub",
        "token_use",
    }
)  # fmt: skip
# Developer guide, "Customizing user pool workflows with Lambda triggers": Cognito waits 5
# seconds for a trigger, and that limit cannot be changed (https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-working-with-lambda-triggers.html).
# Cognito may retry; offline a trigger gets one try, the stricter reading.
TRIGGER_TIMEOUT_SECONDS = 5.0


class UserLambdaValidationException(JsonRESTError):
    """What Cognito answers when a trigger fails: the sign-in gets no token."""

    def __init__(self, message: str) -> None:
        super().__init__("UserLambdaValidationException", message)


class UnexpectedLambdaException(JsonRESTError):
    """A trigger that answered too late. The wording is Cognito's, as public reports quote it
    (https://github.com/furaiev/amazon-cognito-identity-dart-2/issues/204)."""

    def __init__(self, trigger: str) -> None:
        super().__init__(
            "UnexpectedLambdaException",
            f"{trigger} invocation failed due to error Socket timeout while invoking Lambda "
            "function.",
        )


class InvalidLambdaResponseException(JsonRESTError):
    """A trigger answer Cognito cannot use (API reference, InitiateAuth, Errors). The message is
    the emulator's own."""

    def __init__(self, message: str) -> None:
        super().__init__("InvalidLambdaResponseException", message)


@dataclass(frozen=True)
class Hook:
    invoke: Callable[[dict[str, Any]], dict[str, Any]]
    version: str  # "V1_0" or "V2_0"


@dataclass
class GroupClaims:
    groups: list[str]
    roles: list[str]
    preferred_role: str | None


@dataclass
class TokenIssuer:
    hooks: Mapping[str, Hook]  # user pool id -> its pre token generation function
    trigger_sources: list[str] = field(default_factory=list)  # every hook call, for the tests
    # Users whose tokens skip the hook: Cognito's own claims only. The hook drops groups the
    # template does not declare, and the config refuses tied precedence, so only this shows
    # the identity pool's answer to a tie.
    hook_bypassed: set[str] = field(default_factory=set)
    clock: Callable[[], float] = time.monotonic  # times the hook against Cognito's limit
    _answers: dict[str, dict[str, Any]] = field(default_factory=dict)  # by origin_jti
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        """Route moto's token creation through this issuer while the offline endpoint runs."""
        issuer = self

        def create_id_token(
            pool: CognitoIdpUserPool, client_id: str, username: str, origin_jti: str
        ) -> tuple[str, int]:
            return issuer.id_token(pool, client_id, username, origin_jti)

        def create_access_token(
            pool: CognitoIdpUserPool, client_id: str, username: str, origin_jti: str
        ) -> tuple[str, int]:
            return issuer.access_token(pool, client_id, username, origin_jti)

        with (
            mock.patch.object(CognitoIdpUserPool, "create_id_token", create_id_token),
            mock.patch.object(CognitoIdpUserPool, "create_access_token", create_access_token),
        ):
            yield

    def id_token(
        self, pool: CognitoIdpUserPool, client_id: str, username: str, origin_jti: str
    ) -> tuple[str, int]:
        user = pool._get_user(username)
        # Only the attributes the app client may read reach the token (moto adds every custom
        # attribute; Cognito does not).
        claims: dict[str, Any] = pool.get_user_extra_data_by_client_id(client_id, username)
        claims["origin_jti"] = origin_jti
        claims = self._overridden(pool, client_id, user, "id", claims)
        token, expires_in = pool.create_jwt(client_id, username, "id", extra_data=claims)
        pool.id_tokens[token] = (client_id, username)
        return token, expires_in

    def access_token(
        self, pool: CognitoIdpUserPool, client_id: str, username: str, origin_jti: str
    ) -> tuple[str, int]:
        user = pool._get_user(username)
        claims = self._overridden(
            pool,
            client_id,
            user,
            ACCESS_TOKEN,
            {"origin_jti": origin_jti, "scope": USER_ADMIN_SCOPE},
        )
        claims.pop("cognito:roles", None)  # role claims belong to the ID token only
        claims.pop("cognito:preferred_role", None)
        token, expires_in = pool.create_jwt(client_id, username, "access", extra_data=claims)
        pool.access_tokens[token] = (client_id, username)
        return token, expires_in

    def _overridden(
        self,
        pool: CognitoIdpUserPool,
        client_id: str,
        user: CognitoIdpUser,
        token_use: str,
        claims: dict[str, Any],
    ) -> dict[str, Any]:
        """``claims`` with the group claims, then with the hook's answer applied."""
        group_claims = group_role_claims(user)
        email = next((a["Value"] for a in user.attributes if a["Name"] == "email"), None)
        bypassed = {user.username, email} & self.hook_bypassed
        hook = None if bypassed else self.hooks.get(pool.id)
        if hook is None:
            return {**claims, **_as_claims(group_claims)}
        answer = self._answer(pool, client_id, user, group_claims, hook, token_use, claims)
        return _apply(answer, hook.version, token_use, group_claims, claims)

    def _answer(
        self,
        pool: CognitoIdpUserPool,
        client_id: str,
        user: CognitoIdpUser,
        group_claims: GroupClaims,
        hook: Hook,
        token_use: str,
        claims: dict[str, Any],
    ) -> dict[str, Any]:
        """The hook's answer for this issuance. One event per issuance: a V2_0 answer covers
        both tokens, and a V1_0 answer's group override reaches the access token too (developer
        guide, "Pre token generation Lambda trigger"). moto makes the access token first, so
        that call invokes the hook and the ID token reuses its answer."""
        issuance = str(claims["origin_jti"])
        if token_use != ACCESS_TOKEN:
            with self._lock:
                pending = self._answers.pop(issuance, None)
            if pending is not None:
                return pending
        event = self._event(pool, client_id, user, group_claims, hook.version)
        with self._lock:
            self.trigger_sources.append(event["triggerSource"])
        started = self.clock()
        try:
            answer = hook.invoke(event)
        except Exception as error:
            # Developer guide, "Pre token generation Lambda trigger": a failing function fails
            # the sign-in with UserLambdaValidationException; no token is issued.
            raise UserLambdaValidationException(
                f"PreTokenGeneration failed with error {error}."
            ) from error
        # The function cannot be stopped in-process: its late answer is discarded instead.
        if self.clock() - started > TRIGGER_TIMEOUT_SECONDS:
            raise UnexpectedLambdaException("PreTokenGeneration")
        if hook.version == "V1_0":
            _check_v1_claims(answer)
        if token_use == ACCESS_TOKEN:
            with self._lock:
                self._answers[issuance] = answer
        return answer

    def _event(
        self,
        pool: CognitoIdpUserPool,
        client_id: str,
        user: CognitoIdpUser,
        group_claims: GroupClaims,
        version: str,
    ) -> dict[str, Any]:
        attributes = {item["Name"]: item["Value"] for item in user.attributes}
        # Federated users are EXTERNAL_PROVIDER, a status moto's enum does not list.
        status = user.status if user.status == FEDERATED_STATUS else UserStatus(user.status).value
        attributes.update({"sub": user.id, "cognito:user_status": status})
        request: dict[str, Any] = {
            "userAttributes": attributes,
            "groupConfiguration": {
                "groupsToOverride": group_claims.groups,
                "iamRolesToOverride": group_claims.roles,
                "preferredRole": group_claims.preferred_role,
            },
            "clientMetadata": {},
        }
        v2 = version == "V2_0"
        if v2:
            request["scopes"] = [USER_ADMIN_SCOPE]
        return {
            "version": "2" if v2 else "1",
            "triggerSource": f"TokenGeneration_{trigger.get()}",
            "region": pool.region,
            "userPoolId": pool.id,
            "userName": user.username,
            "callerContext": {"awsSdkVersion": "offline", "clientId": client_id},
            "request": request,
            "response": {"claimsAndScopeOverrideDetails" if v2 else "claimsOverrideDetails": None},
        }


def group_role_claims(user: CognitoIdpUser) -> GroupClaims:
    """``AWS::Cognito::UserPoolGroup`` Precedence (CloudFormation reference, and the developer
    guide's "Adding groups to a user pool"): ``cognito:roles`` holds every group's role; the
    preferred role is that of the group with the lowest precedence among those with a role
    (no precedence ranks last). Tied groups with the same role give that role; with different
    roles, no preferred role."""
    groups = sorted(user.groups, key=lambda g: (_rank(g.precedence), g.group_name))
    with_roles = [g for g in groups if g.role_arn]
    preferred = None
    if with_roles:
        best = _rank(with_roles[0].precedence)
        top = {g.role_arn for g in with_roles if _rank(g.precedence) == best}
        preferred = top.pop() if len(top) == 1 else None
    return GroupClaims([g.group_name for g in groups], [g.role_arn for g in with_roles], preferred)


def _rank(precedence: int | None) -> float:
    return float("inf") if precedence is None else precedence


def _as_claims(group_claims: GroupClaims) -> dict[str, Any]:
    claims: dict[str, Any] = {}
    if group_claims.groups:
        claims["cognito:groups"] = group_claims.groups
    if group_claims.roles:
        claims["cognito:roles"] = group_claims.roles
    if group_claims.preferred_role:
        claims["cognito:preferred_role"] = group_claims.preferred_role
    return claims


def _check_v1_claims(answer: dict[str, Any]) -> None:
    """A V1_0 answer's claim values are strings (developer guide, "Pre token generation Lambda
    trigger", V1 ``claimsToAddOrOverride``: a string map). What Cognito does with another type
    is not written there: offline the sign-in fails, the stricter reading, and the hook joins
    lists into strings for V1_0, so either reading is safe."""
    details = (answer.get("response") or {}).get("claimsOverrideDetails") or {}
    added = details.get("claimsToAddOrOverride") or {}
    wrong = sorted(name for name, value in added.items() if not isinstance(value, str))
    if wrong:
        raise InvalidLambdaResponseException(
            f"claimsToAddOrOverride values must be strings in a V1_0 answer: {', '.join(wrong)}"
        )


def _apply(
    answer: dict[str, Any],
    version: str,
    token_use: str,
    group_claims: GroupClaims,
    claims: dict[str, Any],
) -> dict[str, Any]:
    """Cognito's reading of the hook's response: group overrides, then claims added and
    suppressed for this token (developer guide, "Pre token generation Lambda trigger"). A V1_0
    answer's claims are for the ID token only; its group override covers both tokens."""
    response = answer.get("response") or {}
    if version == "V2_0":
        details = response.get("claimsAndScopeOverrideDetails") or {}
        token_details = details.get(f"{token_use}TokenGeneration") or {}
    else:
        details = response.get("claimsOverrideDetails") or {}
        token_details = {} if token_use == ACCESS_TOKEN else details
    # Same guide: an empty or null groupOverrideDetails suppresses the group claims; only an
    # answer without the key keeps Cognito's own.
    if "groupOverrideDetails" in details:
        groups = details["groupOverrideDetails"] or {}
        group_claims = GroupClaims(
            list(groups.get("groupsToOverride") or []),
            list(groups.get("iamRolesToOverride") or []),
            groups.get("preferredRole"),
        )
    result = {**claims, **_as_claims(group_claims)}
    for name in ("cognito:groups", "cognito:roles", "cognito:preferred_role"):
        if name not in _as_claims(group_claims):
            result.pop(name, None)
    added = token_details.get("claimsToAddOrOverride") or {}
    result.update({name: value for name, value in added.items() if name not in IMMUTABLE_CLAIMS})
    for name in token_details.get("claimsToSuppress") or []:
        if name not in IMMUTABLE_CLAIMS:
            result.pop(name, None)
    if version == "V2_0" and token_use == ACCESS_TOKEN:
        _apply_scopes(result, token_details)
    return result


def _apply_scopes(claims: dict[str, Any], details: Mapping[str, Any]) -> None:
    """A V2_0 answer's ``scopesToAdd`` and ``scopesToSuppress`` shape the access token's
    space-separated ``scope`` claim (developer guide, "Pre token generation Lambda trigger",
    accessTokenGeneration). A scope both added and suppressed is suppressed, the reading that
    grants less; a scope holding a space would become two, so it fails the sign-in (the guide:
    scopes cannot contain one)."""
    added = list(details.get("scopesToAdd") or [])
    suppressed = set(details.get("scopesToSuppress") or [])
    spaced = sorted(scope for scope in added if not scope or any(c.isspace() for c in scope))
    if spaced:
        raise InvalidLambdaResponseException(
            f"scopesToAdd holds a scope that is empty or has a space: {spaced!r}"
        )
    scopes = str(claims.get("scope") or "").split()
    scopes += [scope for scope in added if scope not in scopes]
    kept = [scope for scope in scopes if scope not in suppressed]
    if kept:
        claims["scope"] = " ".join(kept)
    else:
        claims.pop("scope", None)
