"""The identity pool API as Cognito answers it, for what moto does not do.

moto's ``cognito-identity`` creates pools but checks no token, keeps no role mappings and hands
out credentials that no IAM policy governs. This module answers ``GetId``,
``GetCredentialsForIdentity``, ``GetOpenIdToken`` and ``GetOpenIdTokenForDeveloperIdentity``
itself, from the deployed template's settings (``offline.deploy``), and gets credentials from
moto's STS so that moto's IAM enforcement governs what they may do. Each rule cites the Cognito
developer guide section it follows.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey
from moto.cognitoidp.models import CognitoIdpUserPool, cognitoidp_backends
from moto.iam.models import iam_backends
from moto.sts.models import sts_backends
from moto.utilities.utils import load_resource

from offline import trust
from offline.deploy import IdentityPoolSettings, RoleMapping

DEVELOPER_LOGIN = "cognito-identity.amazonaws.com"
DEVELOPER_ISSUER = "https://cognito-identity.amazonaws.com"
# Cognito Identity API reference, GetOpenIdTokenForDeveloperIdentity: TokenDuration defaults to
# 15 minutes and may be at most 24 hours.
DEFAULT_TOKEN_SECONDS = 15 * 60
MAX_TOKEN_SECONDS = 24 * 60 * 60
CREDENTIAL_SECONDS = 60 * 60
TAGS_CLAIM = "https://aws.amazon.com/tags"


class IdentityError(Exception):
    """An error answer of the identity pool API: its ``__type`` code and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _not_authorized(message: str) -> IdentityError:
    return IdentityError("NotAuthorizedException", message)


@dataclass(frozen=True)
class Login:
    """A verified login: whose it is, its claims, and the provider's ``amr`` entries."""

    provider: str
    subject: str
    claims: Mapping[str, Any]
    amr: tuple[str, ...]


@dataclass
class IssuedCredentials:
    """What the offline run records about credentials it issued (the tests read it)."""

    identity_id: str
    role_arn: str
    session_tags: Mapping[str, str]


@dataclass
class Clock:
    """Wall-clock time with an offset the tests can move forward (token expiry)."""

    offset: float = 0.0
    source: Callable[[], float] = time.time

    def now(self) -> float:
        return self.source() + self.offset


@dataclass
class IdentityService:
    pools: Mapping[str, IdentityPoolSettings]
    account: str
    region: str
    clock: Clock = field(default_factory=Clock)
    signing_key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048))
    identities: dict[tuple[str, str, str], str] = field(default_factory=dict)
    guests: dict[str, str] = field(default_factory=dict)  # identity id -> pool id
    issued: dict[str, IssuedCredentials] = field(default_factory=dict)  # access key id -> what
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._user_pool_key = RSAKey.import_key(
            load_resource("cognitoidp/resources/jwks-public.json")["keys"][0]
        )

    # API operations ----------------------------------------------------------------------------

    def get_id(self, request: Mapping[str, Any]) -> dict[str, Any]:
        pool = self._pool(request.get("IdentityPoolId"))
        logins = request.get("Logins") or {}
        if not logins:
            return {"IdentityId": self._guest(pool)}
        login = self._verify_logins(pool, logins)
        if login.provider == DEVELOPER_LOGIN:
            return {"IdentityId": login.subject}
        return {"IdentityId": self._stable_identity(pool, login.provider, login.subject)}

    def get_credentials_for_identity(self, request: Mapping[str, Any]) -> dict[str, Any]:
        identity_id = request.get("IdentityId") or ""
        pool = self._pool(self._pool_of(identity_id))
        logins = request.get("Logins") or {}
        if not logins:
            if self.guests.get(identity_id) != pool.id or not pool.allow_unauthenticated:
                raise _not_authorized(
                    "Unauthenticated access is not supported for this identity pool."
                )
            return self._credentials(
                pool, identity_id, pool.roles["unauthenticated"], ["unauthenticated"], {}
            )
        login = self._verify_logins(pool, logins)
        owner = (
            login.subject
            if login.provider == DEVELOPER_LOGIN
            else self.identities.get((pool.id, login.provider, login.subject))
        )
        if owner != identity_id:
            # Cognito Identity API reference, GetCredentialsForIdentity (NotAuthorizedException):
            # the logins must belong to the identity asked for.
            raise _not_authorized(
                "Logins don't match. Please include at least one valid login for this identity "
                "or identity pool."
            )
        role = self._choose_role(pool, login, request.get("CustomRoleArn"))
        tags = self._session_tags(pool, login)
        return self._credentials(pool, identity_id, role, ["authenticated", *login.amr], tags)

    def get_open_id_token(self, request: Mapping[str, Any]) -> dict[str, Any]:
        pool = self._pool(self._pool_of(request.get("IdentityId") or ""))
        # Developer guide, "Identity pools (federated identities) authentication flow": the
        # basic (classic) flow works only when the pool allows it (AllowClassicFlow).
        if not pool.allow_classic_flow:
            raise IdentityError(
                "InvalidParameterException",
                "Basic (classic) flow is not enabled, please use enhanced flow.",
            )
        raise IdentityError("InvalidParameterException", "The basic flow is not emulated offline.")

    def get_open_id_token_for_developer_identity(
        self, request: Mapping[str, Any]
    ) -> dict[str, Any]:
        pool = self._pool(request.get("IdentityPoolId"))
        logins = request.get("Logins") or {}
        # Developer guide, "Developer-authenticated identities": the login key is the pool's
        # developer provider name; the value is the backend's own user id.
        if list(logins) != [pool.developer_provider_name] or not pool.developer_provider_name:
            raise IdentityError(
                "InvalidParameterException",
                "Logins must hold exactly this pool's developer provider name.",
            )
        duration = int(request.get("TokenDuration") or DEFAULT_TOKEN_SECONDS)
        if not 1 <= duration <= MAX_TOKEN_SECONDS:
            raise IdentityError("InvalidParameterException", "TokenDuration must be 1 to 86400.")
        provider = pool.developer_provider_name
        user_id = str(logins[provider])
        identity_id = self._stable_identity(pool, provider, user_id)
        now = int(self.clock.now())
        claims: dict[str, Any] = {
            "iss": DEVELOPER_ISSUER,
            "sub": identity_id,
            "aud": pool.id,
            "amr": ["authenticated", provider, f"{provider}:{pool.id}:{user_id}"],
            "iat": now,
            "exp": now + duration,
            "jti": str(uuid.uuid4()),
        }
        tags = request.get("PrincipalTags") or {}
        if tags:
            claims[TAGS_CLAIM] = {"principal_tags": {key: [value] for key, value in tags.items()}}
        token = jwt.encode({"alg": "RS256", "kid": "offline"}, claims, self.signing_key)
        return {"IdentityId": identity_id, "Token": token}

    # Logins --------------------------------------------------------------------------------------

    def _verify_logins(self, pool: IdentityPoolSettings, logins: Mapping[str, str]) -> Login:
        if len(logins) != 1:
            raise IdentityError(
                "InvalidParameterException", "The offline run takes exactly one login."
            )
        ((provider, token),) = logins.items()
        if provider == DEVELOPER_LOGIN:
            return self._verify_developer_token(pool, token)
        if provider in pool.user_pool_providers:
            return self._verify_user_pool_token(pool, provider, token)
        raise _not_authorized(f"Invalid login token. {provider} is not a provider of this pool.")

    def _decode(self, token: str, key: RSAKey) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(token, key, algorithms=["RS256"]).claims
        except (JoseError, ValueError) as error:
            raise _not_authorized(f"Invalid login token. {error}") from None
        if float(claims.get("exp", 0)) <= self.clock.now():
            raise _not_authorized("Invalid login token. Token expired.")
        return claims

    def _verify_user_pool_token(
        self, pool: IdentityPoolSettings, provider: str, token: str
    ) -> Login:
        """Developer guide, "Using a user pool as an identity provider" and "ServerSideTokenCheck":
        an ID token of the configured app client, issued by that pool, unexpired, and (with the
        server-side check) of a user the pool has not signed out or disabled since."""
        claims = self._decode(token, self._user_pool_key)
        if claims.get("iss") != f"https://{provider}" or claims.get("token_use") != "id":
            raise _not_authorized("Invalid login token. Issuer doesn't match providerName")
        user_pool = self._user_pool(provider)
        settings = pool.user_pool_providers[provider].get(str(claims.get("aud")))
        if settings is None or claims.get("aud") not in user_pool.clients:
            raise _not_authorized("Invalid login token. Incorrect token audience.")
        if settings.get("ServerSideTokenCheck") and not _session_alive(user_pool, claims):
            raise _not_authorized("Invalid login token. Token has been revoked.")
        return Login(provider, str(claims["sub"]), claims, (provider,))

    def _verify_developer_token(self, pool: IdentityPoolSettings, token: str) -> Login:
        """An OpenID token this pool issued by GetOpenIdTokenForDeveloperIdentity, which the
        app passes as ``Logins["cognito-identity.amazonaws.com"]`` (developer guide,
        "Developer-authenticated identities", "Understanding the authentication flow")."""
        claims = self._decode(token, self.signing_key)
        if claims.get("iss") != DEVELOPER_ISSUER or claims.get("aud") != pool.id:
            raise _not_authorized("Invalid login token. Wrong issuer or audience.")
        # The subject is the identity id GetOpenIdTokenForDeveloperIdentity issued it for.
        return Login(DEVELOPER_LOGIN, str(claims["sub"]), claims, tuple(claims["amr"][1:]))

    def _user_pool(self, provider: str) -> CognitoIdpUserPool:
        region, pool_id = provider.removeprefix("cognito-idp.").split("/", 1)
        region = region.removesuffix(".amazonaws.com")
        return cognitoidp_backends[self.account][region].user_pools[pool_id]

    # Identities ----------------------------------------------------------------------------------

    def _pool(self, pool_id: str | None) -> IdentityPoolSettings:
        if not pool_id or pool_id not in self.pools:
            raise IdentityError("ResourceNotFoundException", f"IdentityPool '{pool_id}' not found.")
        return self.pools[pool_id]

    def _pool_of(self, identity_id: str) -> str:
        with self._lock:
            for (pool_id, _, _), known in self.identities.items():
                if known == identity_id:
                    return pool_id
        if identity_id in self.guests:
            return self.guests[identity_id]
        raise IdentityError("ResourceNotFoundException", f"Identity '{identity_id}' not found.")

    def _guest(self, pool: IdentityPoolSettings) -> str:
        # Developer guide, "Identity pools guest access": without logins GetId makes a guest
        # identity only when the pool allows unauthenticated identities.
        if not pool.allow_unauthenticated:
            raise _not_authorized("Unauthenticated access is not supported for this identity pool.")
        identity_id = f"{self.region}:{uuid.uuid4()}"
        self.guests[identity_id] = pool.id
        return identity_id

    def _stable_identity(self, pool: IdentityPoolSettings, provider: str, subject: str) -> str:
        """One identity id per pool, provider and subject, for good (developer guide, "Identity
        pools concepts": an identity id stays the same for a user's logins)."""
        with self._lock:
            key = (pool.id, provider, subject)
            if key not in self.identities:
                self.identities[key] = f"{self.region}:{uuid.uuid4()}"
            return self.identities[key]

    # Roles ---------------------------------------------------------------------------------------

    def _choose_role(
        self, pool: IdentityPoolSettings, login: Login, custom_role: str | None
    ) -> str:
        """Developer guide, "Role-based access control": "Using tokens to assign roles to users"
        and "Using rule-based mapping to assign roles to users"."""
        client = login.claims.get("aud")
        mapping = pool.role_mappings.get(f"{login.provider}:{client}") or pool.role_mappings.get(
            login.provider
        )
        if mapping is None:
            return self._default_role(pool, custom_role)
        if mapping.type == "Token":
            return self._token_role(pool, mapping, login, custom_role)
        return self._rules_role(pool, mapping, login, custom_role)

    def _default_role(self, pool: IdentityPoolSettings, custom_role: str | None) -> str:
        role = pool.roles.get("authenticated")
        if role is None or (custom_role and custom_role != role):
            raise _not_authorized("No role is available for this identity.")
        return role

    def _token_role(
        self, pool: IdentityPoolSettings, mapping: RoleMapping, login: Login, custom: str | None
    ) -> str:
        roles = login.claims.get("cognito:roles") or []
        if custom:
            # CustomRoleArn is honoured only when the token lists it in cognito:roles.
            if custom not in roles:
                raise _not_authorized(f"{custom} is not one of the token's cognito:roles.")
            return custom
        preferred = login.claims.get("cognito:preferred_role")
        if preferred:
            return str(preferred)
        if not roles:
            # No group role at all: nothing is ambiguous, the default authenticated role applies.
            return self._default_role(pool, None)
        return self._ambiguous(pool, mapping)

    def _rules_role(
        self, pool: IdentityPoolSettings, mapping: RoleMapping, login: Login, custom: str | None
    ) -> str:
        matching = [rule["RoleARN"] for rule in mapping.rules if _rule_matches(rule, login.claims)]
        if custom:
            if custom not in matching:
                raise _not_authorized(f"{custom} is not the role of a matching rule.")
            return custom
        return matching[0] if matching else self._ambiguous(pool, mapping)

    def _ambiguous(self, pool: IdentityPoolSettings, mapping: RoleMapping) -> str:
        """Developer guide, "Role-based access control": an ambiguous token or no matching
        rule gets the default role with ``AuthenticatedRole`` and is refused with ``Deny``.
        The message is the one Cognito sends (quoted in aws-amplify/amplify-js issue 8644)."""
        if mapping.ambiguous_role_resolution == "AuthenticatedRole":
            return self._default_role(pool, None)
        raise _not_authorized("The ambiguous role mapping rules denied this request.")

    def _session_tags(self, pool: IdentityPoolSettings, login: Login) -> dict[str, str]:
        """Developer guide, "Using attributes for access control": a provider's principal tag
        map turns claims into session tags; developer identities bring theirs in the token
        (and only they: for other providers the claim is the provider's, not the pool's)."""
        if login.provider == DEVELOPER_LOGIN:
            if TAGS_CLAIM not in login.claims:
                return {}
            tags = login.claims[TAGS_CLAIM]["principal_tags"]
            return {key: values[0] for key, values in tags.items()}
        mapping = pool.principal_tags.get(login.provider, {})
        return {
            tag: str(login.claims[claim]) for tag, claim in mapping.items() if claim in login.claims
        }

    def _credentials(
        self,
        pool: IdentityPoolSettings,
        identity_id: str,
        role_arn: str,
        amr: list[str],
        tags: Mapping[str, str],
    ) -> dict[str, Any]:
        """STS checks the chosen role's trust policy before it issues credentials."""
        iam = iam_backends[self.account]["aws"]
        role = iam.get_role_by_arn(role_arn)
        document = json.loads(role.assume_role_policy_document)
        context = {
            "cognito-identity.amazonaws.com:aud": [pool.id],
            "cognito-identity.amazonaws.com:amr": amr,
            "cognito-identity.amazonaws.com:sub": [identity_id],
        }
        actions = [trust.WEB_IDENTITY, *([trust.TAG_SESSION] if tags else [])]
        if not all(trust.allows(document, action, context) for action in actions):
            raise IdentityError(
                "InvalidIdentityPoolConfigurationException",
                "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
            )
        assumed = sts_backends[self.account]["aws"].assume_role(
            region_name=self.region,
            role_session_name="CognitoIdentityCredentials",
            role_arn=role_arn,
            policy="",
            duration=CREDENTIAL_SECONDS,
            external_id="",
        )
        self.issued[assumed.access_key_id] = IssuedCredentials(identity_id, role_arn, dict(tags))
        return {
            "IdentityId": identity_id,
            "Credentials": {
                "AccessKeyId": assumed.access_key_id,
                "SecretKey": assumed.secret_access_key,
                "SessionToken": assumed.session_token,
                "Expiration": assumed.expiration.timestamp(),
            },
        }


def _session_alive(user_pool: CognitoIdpUserPool, claims: Mapping[str, Any]) -> bool:
    """The user still exists and is enabled, and the sign-in session (``origin_jti``) has not
    been revoked by global sign-out."""
    user = next((u for u in user_pool.users.values() if u.id == claims.get("sub")), None)
    if user is None or not user.enabled:
        return False
    origin = claims.get("origin_jti")
    return any(entry and entry[2] == origin for entry in user_pool.refresh_tokens.values())


def _rule_matches(rule: Mapping[str, str], claims: Mapping[str, Any]) -> bool:
    claim, value, match_type = rule["Claim"], rule["Value"], rule["MatchType"]
    if claim not in claims:
        # A NotEqual rule on a missing claim is skipped, as every other rule type fails.
        return False
    actual = claims[claim]
    texts = [str(item) for item in actual] if isinstance(actual, list) else [str(actual)]
    checks: dict[str, Callable[[str], bool]] = {
        "Equals": lambda text: text == value,
        "NotEqual": lambda text: text != value,
        "StartsWith": lambda text: text.startswith(value),
        "Contains": lambda text: value in text,
    }
    return any(checks[match_type](text) for text in texts)
