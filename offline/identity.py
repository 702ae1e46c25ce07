"""The identity pool API as Cognito answers it, for what moto does not do.

moto's ``cognito-identity`` creates pools but checks no token, keeps no role mappings and hands
out credentials that no IAM policy governs; moto's STS answers ``AssumeRoleWithWebIdentity`` for
any token and any role. This module answers ``GetId``, ``GetCredentialsForIdentity``,
``GetOpenIdToken`` and ``GetOpenIdTokenForDeveloperIdentity`` itself, from the deployed
template's settings (``offline.deploy``), judges every ``AssumeRoleWithWebIdentity`` (the ones
Cognito makes for ``GetCredentialsForIdentity`` and the ones a token holder makes directly) as
STS does, and gets credentials from moto's STS so that moto's IAM enforcement governs what they
may do. Each rule cites the AWS documentation it follows.
"""

from __future__ import annotations

import functools
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
from moto.iam.exceptions import NotFoundException as IamNotFound
from moto.iam.models import iam_backends
from moto.sts.models import AssumedRole, sts_backends
from moto.utilities.utils import load_resource

from facts.cognito import AMR, AUD, AUTHENTICATED, COGNITO_IDENTITY, SUB, developer_user_login
from facts.sts import (
    DEFAULT_DURATION_SECONDS,
    DURATION_SECONDS,
    MAX_POLICY_ARNS,
    POLICY_LENGTH,
    ROLE_SESSION_NAME,
    packed_tags_percent,
    session_tags_ok,
)
from offline import trust
from offline.deploy import IdentityPoolSettings, RoleMapping

# A developer identity's token: its Logins key, and its issuer.
DEVELOPER_LOGIN = COGNITO_IDENTITY
DEVELOPER_ISSUER = f"https://{COGNITO_IDENTITY}"
# Cognito Identity API reference, GetOpenIdTokenForDeveloperIdentity: TokenDuration defaults to
# 15 minutes and may be at most 24 hours.
DEFAULT_TOKEN_SECONDS = 15 * 60
OPEN_ID_TOKEN_SECONDS = 10 * 60
MAX_TOKEN_SECONDS = 24 * 60 * 60
CREDENTIAL_SECONDS = 60 * 60
TAGS_CLAIM = "https://aws.amazon.com/tags"
MAX_DEVELOPER_TAGS = 50
# Cognito Identity API reference, GetId and GetCredentialsForIdentity: Logins holds up to 10.
MAX_LOGINS = 10
DEVELOPER_TAG_KEY_LENGTH = (1, 128)
DEVELOPER_TAG_VALUE_LENGTH = (1, 256)
# Undocumented: token mapping with a token that has no cognito:roles at all (the RoleMapping
# reference defines ambiguity only for several roles and no preferred one). Emulated as the
# default role, and recorded, so a run can show it never relied on it: the pre token hook names
# the default role itself for users in no group.
UNVERIFIED_NO_ROLES = "token mapping of a token without cognito:roles (undocumented)"


class IdentityError(Exception):
    """An error answer of the identity pool API: its ``__type`` code and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _not_authorized(message: str) -> IdentityError:
    return IdentityError("NotAuthorizedException", message)


class StsError(Exception):
    """An error answer of STS: its code, message and HTTP status."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


# STS API reference, AssumeRoleWithWebIdentity, Errors; the AccessDenied wording is the one the
# Cognito developer guide quotes ("Role trust and permissions",
# https://docs.aws.amazon.com/cognito/latest/developerguide/role-trust-and-permissions.html).
def _trust_refused() -> StsError:
    return StsError("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity", 403)


# The guides give no error code for a token whose tags break the limits; the one public report
# of STS refusing web identity tags answers ValidationError "Unable to validate tags"
# (https://github.com/hashicorp/terraform-provider-aws/issues/44712).
def _tags_refused() -> StsError:
    return StsError("ValidationError", "Unable to validate tags", 400)


# STS API reference, Common Errors: ValidationError, "The input fails to satisfy the constraints
# specified by an AWS service" (https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html).
def _invalid(message: str) -> StsError:
    return StsError("ValidationError", message, 400)


def _role_session_name(request: Mapping[str, str]) -> str:
    """API reference, AssumeRoleWithWebIdentity: RoleSessionName is required, 2 to 64
    characters of ``[\\w+=,.@-]``."""
    name = request.get("RoleSessionName")
    if name is None or not ROLE_SESSION_NAME.fullmatch(name):
        raise _invalid("RoleSessionName must be 2 to 64 characters of letters, digits and _+=,.@-.")
    return name


def _duration_seconds(request: Mapping[str, str]) -> int:
    """API reference, AssumeRoleWithWebIdentity: DurationSeconds from 900 up to 43200 (and the
    role's maximum, checked with the role); 3600 by default."""
    text = request.get("DurationSeconds")
    if text is None:
        return DEFAULT_DURATION_SECONDS
    shortest, longest = DURATION_SECONDS
    if not text.isdecimal() or not shortest <= int(text) <= longest:
        raise _invalid(f"DurationSeconds must be {shortest} to {longest}.")
    return int(text)


def _length_ok(text: object, length: tuple[int, int]) -> bool:
    shortest, longest = length
    return isinstance(text, str) and shortest <= len(text) <= longest


def _member_index(key: str) -> int:
    """N of a query-protocol list member, ``Name.member.N.field``."""
    parts = key.split(".")
    return int(parts[2]) if len(parts) > 2 and parts[2].isdecimal() else 0


# The scope-down policy Cognito adds to every guest's credentials in the enhanced flow: the AWS
# managed policy AmazonCognitoUnAuthedIdentitiesSessionPolicy, version v3 (developer guide, "IAM
# roles", https://docs.aws.amazon.com/cognito/latest/developerguide/iam-roles.html; the policy:
# https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonCognitoUnAuthedIdentitiesSessionPolicy.html).
# A guest may do only what both this policy and the guest role allow. The basic flow's guests,
# who call STS themselves, do not get it.
GUEST_SESSION_POLICY: Mapping[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "CognitoUnAuthedIdentitiesSessionPolicy",
            "Effect": "Allow",
            "Action": [
                "rum:PutRumEvents",
                "sagemaker:InvokeEndpoint",
                "polly:*",
                "comprehend:*",
                "translate:*",
                "transcribe:*",
                "rekognition:*",
                "mobiletargeting:*",
                "firehose:*",
                "personalize:*",
                "geo:GetMap*",
                "geo:SearchPlaceIndex*",
                "geo:GetPlace",
                "geo:CalculateRoute*",
                "geo:*Geofence",
                "geo:*Geofences",
                "geo:*DevicePosition*",
                "kms:Encrypt",
                "kms:Decrypt",
                "kms:ReEncryptTo",
                "kms:ReEncryptFrom",
                "kms:GenerateDataKey",
                "kms:GenerateDataKeyPair",
                "kms:GenerateDataKeyPairWithoutPlaintext",
                "kms:GenerateDataKeyWithoutPlaintext",
            ],
            "Resource": "*",
        }
    ],
}


@dataclass(frozen=True)
class Login:
    """A verified login: whose it is, its claims, and the provider's ``amr`` entries."""

    provider: str
    subject: str
    claims: Mapping[str, Any]
    amr: tuple[str, ...]


@dataclass
class IssuedCredentials:
    """What the offline run records about credentials it issued: what IAM knows of the session
    when it judges its requests (``offline.access``).

    ``session_policies``: the policy documents the credentials are scoped down to, or None. A
    request is allowed only if the role's policies and these allow it (IAM user guide, "Session
    policies").
    """

    identity_id: str
    role_arn: str
    session_tags: Mapping[str, str]
    audience: str
    amr: tuple[str, ...]
    session_arn: str
    issued_at: float  # epoch seconds: aws:TokenIssueTime
    session_policies: tuple[Mapping[str, Any], ...] | None = None


@dataclass(frozen=True)
class AssumedWebIdentity:
    """What STS answers a direct ``AssumeRoleWithWebIdentity``: the credentials and whose."""

    role: AssumedRole
    subject: str
    audience: str
    packed_percent: int


@dataclass
class Clock:
    """Wall-clock time with an offset the tests can move forward (token expiry)."""

    offset: float = 0.0
    source: Callable[[], float] = time.time

    def now(self) -> float:
        return self.source() + self.offset


@functools.cache
def _issuer_key() -> RSAKey:
    """The key Cognito Identity's OpenID tokens are signed with: one per process, as the real
    issuer signs every pool's tokens with one published key set (and a new 2048-bit key would
    cost about 50 ms for each offline stack and emulator a test run makes)."""
    return RSAKey.generate_key(2048)


@dataclass
class IdentityService:
    pools: Mapping[str, IdentityPoolSettings]
    account: str
    region: str
    clock: Clock = field(default_factory=Clock)
    signing_key: RSAKey = field(default_factory=_issuer_key)
    identities: dict[tuple[str, str, str], str] = field(default_factory=dict)
    guests: dict[str, str] = field(default_factory=dict)  # identity id -> pool id
    issued: dict[str, IssuedCredentials] = field(default_factory=dict)  # access key id -> what
    # How long GetCredentialsForIdentity's credentials last: Cognito's hour, or less for a run
    # that shows a client refreshing them (python -m offline serve --credential-seconds).
    credential_seconds: int = CREDENTIAL_SECONDS
    # Which undocumented branches of Cognito's behaviour a run took (UNVERIFIED_*).
    unverified: list[str] = field(default_factory=list)
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
        return {"IdentityId": self._linked_identity(pool, self._verify_logins(pool, logins))}

    def get_credentials_for_identity(self, request: Mapping[str, Any]) -> dict[str, Any]:
        identity_id = request.get("IdentityId") or ""
        pool = self._pool(self._pool_of(identity_id))
        logins = request.get("Logins") or {}
        if not logins:
            self._check_guest(pool, identity_id)
            return self._credentials(
                pool,
                identity_id,
                pool.roles["unauthenticated"],
                ["unauthenticated"],
                {},
                session_policies=(GUEST_SESSION_POLICY,),
            )
        verified = self._verify_logins(pool, logins)
        for login in verified:
            self._check_owner(pool, login, identity_id)
        # With several logins each provider's mapping must give the same role, and their
        # principal tags must agree: no page says how Cognito combines them, so the emulator
        # refuses where they differ (refusing never widens; the client sends one login).
        roles = {self._choose_role(pool, login, request.get("CustomRoleArn")) for login in verified}
        if len(roles) > 1:
            raise _not_authorized("The logins' role mappings choose different roles.")
        tags: dict[str, str] = {}
        for login in verified:
            for key, value in self._session_tags(pool, login).items():
                if tags.setdefault(key, value) != value:
                    raise _not_authorized(f"The logins' principal tags disagree on {key}.")
        amr = [AUTHENTICATED, *(entry for login in verified for entry in login.amr)]
        return self._credentials(pool, identity_id, roles.pop(), amr, tags)

    def get_open_id_token(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """The basic (classic) flow's first step: the identity's OpenID token, which the app then
        takes to ``sts:AssumeRoleWithWebIdentity`` with a role of its choosing (developer guide,
        "Identity pools (federated identities) authentication flow", basic flow). Cognito
        Identity API reference, GetOpenIdToken: the token is valid for 10 minutes."""
        identity_id = request.get("IdentityId") or ""
        pool = self._pool(self._pool_of(identity_id))
        # Same guide: the basic flow works only when the pool allows it (AllowClassicFlow). The
        # wording: https://github.com/aws/aws-cli/issues/7652.
        if not pool.allow_classic_flow:
            raise IdentityError(
                "InvalidParameterException",
                "Basic (classic) flow is not enabled, please use enhanced flow.",
            )
        logins = request.get("Logins") or {}
        if not logins:
            self._check_guest(pool, identity_id)
            amr = ["unauthenticated"]
        else:
            verified = self._verify_logins(pool, logins)
            for login in verified:
                self._check_owner(pool, login, identity_id)
            amr = [AUTHENTICATED, *(entry for login in verified for entry in login.amr)]
        token = self._sign(pool, identity_id, amr, OPEN_ID_TOKEN_SECONDS, tags={})
        return {"IdentityId": identity_id, "Token": token}

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
        # Developer guide, "Role trust and permissions": amr names every provider used; for a
        # developer identity that is the developer provider (and its user-scoped form, assumed).
        amr = [AUTHENTICATED, provider, developer_user_login(provider, pool.id, user_id)]
        tags = request.get("PrincipalTags") or {}
        # API reference, GetOpenIdTokenForDeveloperIdentity: at most 50 PrincipalTags, keys of
        # 1-128 and values of 1-256 characters (STS would take an empty value; this API does not).
        if len(tags) > MAX_DEVELOPER_TAGS or not all(
            _length_ok(key, DEVELOPER_TAG_KEY_LENGTH)
            and _length_ok(value, DEVELOPER_TAG_VALUE_LENGTH)
            for key, value in tags.items()
        ):
            raise IdentityError(
                "InvalidParameterException",
                "PrincipalTags takes at most 50 tags, keys of 1-128 and values of 1-256 "
                "characters.",
            )
        token = self._sign(pool, identity_id, amr, duration, tags=tags)
        return {"IdentityId": identity_id, "Token": token}

    def _sign(
        self,
        pool: IdentityPoolSettings,
        identity_id: str,
        amr: list[str],
        seconds: int,
        tags: Mapping[str, str],
    ) -> str:
        """An identity pool OpenID token: issuer Cognito Identity, audience the pool, subject the
        identity id, amr as the caller signed in (developer guide, "Role trust and
        permissions"); principal tags in the claim STS reads session tags from (IAM user guide,
        "Passing session tags using AssumeRoleWithWebIdentity")."""
        now = int(self.clock.now())
        claims: dict[str, Any] = {
            "iss": DEVELOPER_ISSUER,
            "sub": identity_id,
            "aud": pool.id,
            "amr": amr,
            "iat": now,
            "exp": now + seconds,
            "jti": str(uuid.uuid4()),
        }
        if tags:
            claims[TAGS_CLAIM] = {"principal_tags": {key: [value] for key, value in tags.items()}}
        return jwt.encode({"alg": "RS256", "kid": "offline"}, claims, self.signing_key)

    # STS -----------------------------------------------------------------------------------------

    def assume_role_with_web_identity(self, request: Mapping[str, str]) -> AssumedWebIdentity:
        """``sts:AssumeRoleWithWebIdentity`` with an identity pool token, as STS judges it (STS
        API reference, AssumeRoleWithWebIdentity): its parameters, a token this offline identity
        pool signed and not expired, then the role's trust policy over the token's ``aud``,
        ``amr`` and ``sub`` and the session tags it carries. ``Policy`` and ``PolicyArns`` scope
        the session down. moto would answer any token for any role."""
        session_name = _role_session_name(request)
        seconds = _duration_seconds(request)
        policies = self._session_policies(request)
        # The InvalidIdentityToken messages are the emulator's own (no public source words them
        # for an identity pool token): only their code is to be relied on.
        try:
            claims: dict[str, Any] = jwt.decode(
                request.get("WebIdentityToken", ""), self.signing_key, algorithms=["RS256"]
            ).claims
        except (JoseError, ValueError):
            raise StsError(
                "InvalidIdentityToken", "The token's signature does not verify.", 400
            ) from None
        if claims.get("iss") != DEVELOPER_ISSUER:
            raise StsError("InvalidIdentityToken", "The token's issuer is not trusted.", 400)
        now, expiry = int(self.clock.now()), int(claims.get("exp", 0))
        if expiry <= now:
            # STS's wording, as public reports quote it
            # (https://github.com/aws/aws-sdk-java-v2/issues/5709).
            raise StsError(
                "ExpiredTokenException",
                f"Token expired: current date/time {now} must be before the expiration "
                f"date/time {expiry}",
                400,
            )
        namespace = claims.get(TAGS_CLAIM, {})
        tags = {k: v[0] for k, v in namespace.get("principal_tags", {}).items()}
        assumed = self._assume(
            str(request.get("RoleArn", "")),
            str(claims["aud"]),
            str(claims["sub"]),
            list(claims["amr"]),
            tags,
            session_name=session_name,
            seconds=seconds,
            session_policies=policies,
            transitive_tag_keys=list(namespace.get("transitive_tag_keys", [])),
        )
        return AssumedWebIdentity(
            assumed, str(claims["sub"]), str(claims["aud"]), packed_tags_percent(tags)
        )

    def _session_policies(self, request: Mapping[str, str]) -> tuple[Mapping[str, Any], ...] | None:
        """The session policies of a direct call: ``Policy`` (plain text, at most 2048
        characters) and the managed policies ``PolicyArns`` names (at most 10, in this account),
        in the query protocol's ``PolicyArns.member.N.arn``. None: the session has none, so the
        role's policies alone decide (IAM user guide, "Session policies")."""
        arns = [
            value
            for key, value in sorted(request.items(), key=lambda item: _member_index(item[0]))
            if key.startswith("PolicyArns.member.") and key.endswith(".arn")
        ]
        text = request.get("Policy")
        if text is None and not arns:
            return None
        if len(arns) > MAX_POLICY_ARNS:
            raise _invalid(f"PolicyArns names more than {MAX_POLICY_ARNS} policies.")
        documents: list[Mapping[str, Any]] = []
        if text is not None:
            shortest, longest = POLICY_LENGTH
            if not shortest <= len(text) <= longest:
                raise _invalid(f"Policy must be {shortest} to {longest} characters.")
            try:
                document = json.loads(text)
            except ValueError:
                document = None
            if not isinstance(document, dict) or "Statement" not in document:
                raise StsError("MalformedPolicyDocument", "Policy is not a policy document.", 400)
            documents.append(document)
        backend = iam_backends[self.account]["aws"]
        for arn in arns:
            # A policy that is not there is refused (the API reference: the policies "must exist
            # in the same account as the role"); the code is the emulator's choice.
            try:
                policy = backend.get_policy(arn)
            except IamNotFound:
                raise StsError("MalformedPolicyDocument", f"{arn} does not exist.", 400) from None
            [default] = [v for v in policy.versions if v.is_default]
            documents.append(json.loads(default.document))
        return tuple(documents)

    def _assume(
        self,
        role_arn: str,
        audience: str,
        identity_id: str,
        amr: list[str],
        tags: Mapping[str, str],
        *,
        session_name: str,
        seconds: int,
        session_policies: tuple[Mapping[str, Any], ...] | None = None,
        transitive_tag_keys: list[str] | None = None,
    ) -> AssumedRole:
        """STS checks the role's trust policy: ``sts:AssumeRoleWithWebIdentity``, and
        ``sts:TagSession`` too when the token carries tags (IAM user guide, "Passing session tags
        in AWS STS"), over the request's keys, the tags among them (``aws:RequestTag/<key>``,
        ``aws:TagKeys``, ``sts:TransitiveTagKeys``). A role that does not exist is refused alike;
        so are tags past STS's limits, and a duration past the role's maximum."""
        if not session_tags_ok(tags):
            raise _tags_refused()
        packed = packed_tags_percent(tags)
        if packed > 100:
            # STS's code and wording, as public reports quote them
            # (https://github.com/aws/containers-roadmap/issues/2413).
            raise StsError(
                "PackedPolicyTooLarge",
                f"Packed size of session tags consumes {packed}% of allotted space.",
                400,
            )
        try:
            role = iam_backends[self.account]["aws"].get_role_by_arn(role_arn)
        except IamNotFound:
            raise _trust_refused() from None
        document = json.loads(role.assume_role_policy_document)
        context: dict[str, str | list[str]] = {
            AUD: [audience],
            AMR: amr,
            SUB: [identity_id],
            "sts:RoleSessionName": session_name,
        }
        if tags:
            context["aws:TagKeys"] = list(tags)
            context.update({f"aws:RequestTag/{key}": value for key, value in tags.items()})
        if transitive_tag_keys:
            context["sts:TransitiveTagKeys"] = transitive_tag_keys
        actions = [trust.WEB_IDENTITY, *([trust.TAG_SESSION] if tags else [])]
        if not all(trust.allows(document, action, context) for action in actions):
            raise _trust_refused()
        # API reference, DurationSeconds: "If you specify a value higher than this setting, the
        # operation fails." The wording is STS's, as public reports quote it
        # (https://github.com/GuildEducationInc/aws-jumpcloud/issues/49).
        if seconds > int(role.max_session_duration or DEFAULT_DURATION_SECONDS):
            raise _invalid(
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
            )
        assumed = sts_backends[self.account]["aws"].assume_role(
            region_name=self.region,
            role_session_name=session_name,
            role_arn=role_arn,
            policy="",
            duration=seconds,
            external_id="",
        )
        self.issued[assumed.access_key_id] = IssuedCredentials(
            identity_id,
            role_arn,
            dict(tags),
            audience,
            tuple(amr),
            assumed.arn,
            self.clock.now(),
            session_policies,
        )
        return assumed

    # Logins --------------------------------------------------------------------------------------

    def _verify_logins(self, pool: IdentityPoolSettings, logins: Mapping[str, str]) -> list[Login]:
        """Every login, verified. Cognito Identity API reference, GetId and
        GetCredentialsForIdentity: Logins maps up to 10 providers to their tokens."""
        if len(logins) > MAX_LOGINS:
            raise IdentityError(
                "InvalidParameterException", f"Logins takes at most {MAX_LOGINS} providers."
            )
        return [self._verify_login(pool, provider, token) for provider, token in logins.items()]

    def _verify_login(self, pool: IdentityPoolSettings, provider: str, token: str) -> Login:
        if provider == DEVELOPER_LOGIN:
            return self._verify_developer_token(pool, token)
        if provider in pool.user_pool_providers:
            return self._verify_user_pool_token(pool, provider, token)
        raise _not_authorized(f"Invalid login token. {provider} is not a provider of this pool.")

    def _decode(self, token: str, key: RSAKey) -> dict[str, Any]:
        """Cognito's wording for a bad signature
        (https://github.com/amazon-archives/amazon-cognito-identity-js/issues/91) and for an
        expired token (https://github.com/aws-amplify/aws-sdk-ios/issues/2570: now >= exp)."""
        try:
            claims: dict[str, Any] = jwt.decode(token, key, algorithms=["RS256"]).claims
        except (JoseError, ValueError):
            raise _not_authorized("Invalid login token. Couldn't verify signed token.") from None
        now, expiry = int(self.clock.now()), int(claims.get("exp", 0))
        if expiry <= now:
            raise _not_authorized(f"Invalid login token. Token expired: {now} >= {expiry}")
        return claims

    def _verify_user_pool_token(
        self, pool: IdentityPoolSettings, provider: str, token: str
    ) -> Login:
        """Developer guide, "Using a user pool as an identity provider" and "ServerSideTokenCheck":
        an ID token of the configured app client, issued by that pool, unexpired, and (with the
        server-side check) of a user the pool has not signed out or disabled since."""
        claims = self._decode(token, self._user_pool_key)
        # Cognito's wordings, as public reports quote them: another issuer
        # (https://github.com/amazon-archives/amazon-cognito-identity-js/issues/40); an access
        # token, which has no aud (https://github.com/amazon-archives/amazon-cognito-identity-js/issues/7);
        # another app client (https://github.com/aws-amplify/amplify-js/issues/2067).
        if claims.get("iss") != f"https://{provider}":
            raise _not_authorized("Invalid login token. Issuer doesn't match providerName")
        if claims.get("token_use") != "id":
            raise _not_authorized("Invalid login token. Missing a required claim: aud")
        user_pool = self._user_pool(provider)
        settings = pool.user_pool_providers[provider].get(str(claims.get("aud")))
        if settings is None or claims.get("aud") not in user_pool.clients:
            raise _not_authorized("Token is not from a supported provider of this identity pool.")
        # The API reference promises "a 400 Not Authorized error" and gives no message: this
        # one is the emulator's own.
        if settings.get("ServerSideTokenCheck") and not _session_alive(user_pool, claims):
            raise _not_authorized("Invalid login token. Token has been revoked.")
        # What Cognito puts in amr for a user pool login, as public reports show it
        # (https://github.com/anomalyco/guide/pull/706): the provider and its sign-in of this
        # user. Trust policies match the bare provider name with ForAnyValue:StringLike.
        subject = str(claims["sub"])
        return Login(provider, subject, claims, (provider, f"{provider}:CognitoSignIn:{subject}"))

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

    def _linked_identity(self, pool: IdentityPoolSettings, logins: list[Login]) -> str:
        """The identity of these logins, linking each to it (developer guide, "Identity pools
        concepts": an identity may hold several logins). Logins already of two different
        identities are refused: whether Cognito would merge them is not written, and refusing
        never hands one user's identity to another's login."""
        owners = {owner for login in logins if (owner := self._owner(pool, login)) is not None}
        if len(owners) > 1:
            raise IdentityError(
                "ResourceConflictException", "The logins belong to different identities."
            )
        if owners:
            identity_id = owners.pop()
        else:
            first = logins[0]
            identity_id = self._stable_identity(pool, first.provider, first.subject)
        with self._lock:
            for login in logins:
                if login.provider != DEVELOPER_LOGIN:
                    self.identities.setdefault(
                        (pool.id, login.provider, login.subject), identity_id
                    )
        return identity_id

    def _owner(self, pool: IdentityPoolSettings, login: Login) -> str | None:
        """The identity a login belongs to: a developer token names it; other logins are
        linked by GetId."""
        if login.provider == DEVELOPER_LOGIN:
            return login.subject
        return self.identities.get((pool.id, login.provider, login.subject))

    def _check_owner(self, pool: IdentityPoolSettings, login: Login, identity_id: str) -> None:
        """Cognito Identity API reference, GetCredentialsForIdentity (NotAuthorizedException):
        the logins must belong to the identity asked for."""
        if self._owner(pool, login) != identity_id:
            # Cognito's wording: https://github.com/aws-amplify/amplify-js/issues/2443.
            raise _not_authorized(
                "Logins don't match. Please include at least one valid login for this identity "
                "or identity pool."
            )

    def _check_guest(self, pool: IdentityPoolSettings, identity_id: str) -> None:
        # Cognito's wording: https://github.com/aws/aws-sdk-js-v3/issues/3113.
        if self.guests.get(identity_id) != pool.id or not pool.allow_unauthenticated:
            raise _not_authorized("Unauthenticated access is not supported for this identity pool.")

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
            self.unverified.append(UNVERIFIED_NO_ROLES)
            return self._default_role(pool, None)
        return self._ambiguous(pool, mapping, login.provider)

    def _rules_role(
        self, pool: IdentityPoolSettings, mapping: RoleMapping, login: Login, custom: str | None
    ) -> str:
        # Rules are evaluated in order and the first match wins, unless CustomRoleArn picks
        # another matching rule (developer guide, "Role-based access control").
        matching: list[str] = []
        for rule in mapping.rules:
            if _rule_matches(rule, login.claims):
                matching.append(rule["RoleARN"])
                if not custom:
                    break
        if custom:
            if custom not in matching:
                raise _not_authorized(f"{custom} is not the role of a matching rule.")
            return custom
        return matching[0] if matching else self._ambiguous(pool, mapping, login.provider)

    def _ambiguous(self, pool: IdentityPoolSettings, mapping: RoleMapping, provider: str) -> str:
        """Developer guide, "Role-based access control": an ambiguous token or no matching
        rule gets the default role with ``AuthenticatedRole`` and is refused with ``Deny``.
        The message is the one Cognito sends, naming the provider
        (https://github.com/aws-amplify/amplify-js/issues/3621)."""
        if mapping.ambiguous_role_resolution == "AuthenticatedRole":
            return self._default_role(pool, None)
        raise _not_authorized(
            f"The ambiguous role mapping rules for: {provider} denied this request."
        )

    def _session_tags(self, pool: IdentityPoolSettings, login: Login) -> dict[str, str]:
        """Developer guide, "Using attributes for access control": a provider's principal tag
        map turns claims into session tags; developer identities bring theirs in the token
        (and only they: for other providers the claim is the provider's, not the pool's)."""
        if login.provider == DEVELOPER_LOGIN:
            if TAGS_CLAIM not in login.claims:
                return {}
            carried = login.claims[TAGS_CLAIM]["principal_tags"]
            return {str(key): str(values[0]) for key, values in carried.items()}
        mapping = pool.principal_tags.get(login.provider, {})
        tags: dict[str, str] = {}
        for tag, claim in mapping.items():
            if claim not in login.claims:
                continue
            value = login.claims[claim]
            # A session tag holds one value (IAM user guide, "Passing session tags in AWS STS":
            # "Multivalued session tags are not supported"). How Cognito would render a list
            # claim is not written: offline the identity gets no credentials, as for any claim
            # STS refuses, so no reading can widen a session.
            if isinstance(value, list | dict):
                raise IdentityError(
                    "InvalidIdentityPoolConfigurationException",
                    "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
                )
            tags[tag] = _claim_text(value)
        return tags

    def _credentials(
        self,
        pool: IdentityPoolSettings,
        identity_id: str,
        role_arn: str,
        amr: list[str],
        tags: Mapping[str, str],
        *,
        session_policies: tuple[Mapping[str, Any], ...] | None = None,
    ) -> dict[str, Any]:
        """Cognito assumes the chosen role with the identity's token, so STS judges the trust
        exactly as for a direct call; Cognito reports any STS refusal as a configuration error
        (API reference, InvalidIdentityPoolConfigurationException: "STS returned an error
        response"; its wording: https://github.com/aws-amplify/amplify-flutter/issues/6107)."""
        try:
            assumed = self._assume(
                role_arn,
                pool.id,
                identity_id,
                amr,
                tags,
                session_name="CognitoIdentityCredentials",
                seconds=self.credential_seconds,
                session_policies=session_policies,
            )
        except StsError:
            raise IdentityError(
                "InvalidIdentityPoolConfigurationException",
                "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
            ) from None
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


def _claim_text(value: Any) -> str:
    """A scalar claim as text: strings as they are, numbers and booleans as JSON writes them."""
    return value if isinstance(value, str) else json.dumps(value)


def _rule_matches(rule: Mapping[str, str], claims: Mapping[str, Any]) -> bool:
    """Developer guide, "Role-based access control": Equals, NotEqual, StartsWith or Contains on
    the claim's value; "If the match type is NotEqual and the claim doesn't exist, the rule is
    not evaluated" (nor does any other type match a missing claim)."""
    claim, value, match_type = rule["Claim"], rule["Value"], rule["MatchType"]
    if claim not in claims:
        return False
    actual = claims[claim]
    if isinstance(actual, list | dict):
        # How a rule compares a list-valued claim is not written (each element, or the list as
        # text?): a rule that reaches one refuses the sign-in, so no reading can give a role.
        raise _not_authorized(f"The role mapping rule on {claim} cannot compare a list.")
    text = _claim_text(actual)
    checks: dict[str, Callable[[], bool]] = {
        "Equals": lambda: text == value,
        "NotEqual": lambda: text != value,
        "StartsWith": lambda: text.startswith(value),
        "Contains": lambda: value in text,
    }
    return checks[match_type]()
