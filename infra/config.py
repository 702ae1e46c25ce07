"""The app's one configuration: the ``config`` object in ``cdk.json``'s context.

It is parsed into frozen dataclasses before any construct exists, so a mistake fails the synth
with a :class:`ConfigError` that names the key and says how to fix it. ``docs/configuration.md``
is the reference for every key.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

CONTEXT_KEY = "config"


class ConfigError(ValueError):
    """A configuration mistake, worded so the reader knows which key to change and how."""

    def __init__(self, key: str, problem: str, fix: str) -> None:
        label = f"{CONTEXT_KEY}.{key}" if key else CONTEXT_KEY
        super().__init__(f"{label}: {problem}. {fix}")
        self.key = key


class Stage(StrEnum):
    """Where the stack goes. Only ``sandbox`` lets resources be destroyed with the stack."""

    SANDBOX = "sandbox"
    PROD = "prod"


class FeaturePlan(StrEnum):
    """The user pool's Cognito feature plan; it decides which features the pool may use."""

    LITE = "LITE"
    ESSENTIALS = "ESSENTIALS"
    PLUS = "PLUS"


class MfaMode(StrEnum):
    """TOTP multi-factor authentication: offered to every user, or demanded of every user."""

    OPTIONAL = "OPTIONAL"
    REQUIRED = "REQUIRED"


class EventVersion(StrEnum):
    """The pre token generation event: V2_0 also shapes the access token (not on Lite)."""

    V1_0 = "V1_0"
    V2_0 = "V2_0"


class Transform(StrEnum):
    """A step applied to an attribute value before it becomes a claim, in the order given."""

    STRIP = "strip"
    LOWER = "lower"
    SPLIT = "split"


class Preset(StrEnum):
    """What a group's role may do in the sample bucket (``infra/sample_bucket.py``)."""

    ADMIN = "admin"
    EDITOR = "editor"
    VIEWER = "viewer"


_GROUP_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_APP_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,31}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_ACCOUNT = re.compile(r"^\d{12}$")
_PREFIX = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}/$")
# Amplify Storage's per-identity prefixes; they are not configurable.
RESERVED_PREFIXES = ("private/", "protected/")
MAX_PRECEDENCE = 2**31 - 1
MAX_ROLE_NAME = 64
_CLAIM = re.compile(r"^[A-Za-z][A-Za-z0-9_:.-]{0,63}$")
_SCOPE = re.compile(r"^[A-Za-z0-9_.:/-]{1,256}$")
# Claims Cognito issues itself; the hook may neither set nor suppress them (Cognito developer
# guide, "Pre token generation Lambda trigger": claims you can't modify), plus the group claims,
# which only groupOverrideDetails may shape. lambdas/pre_token_generation keeps its own copy; a
# test holds the two equal.
RESERVED_CLAIMS = frozenset(
    {
        "acr", "amr", "aud", "at_hash", "auth_time", "azp", "client_id", "cognito:groups",
        "cognito:preferred_role", "cognito:roles", "cognito:username", "device_key", "event_id",
        "exp", "iat", "identities", "iss", "jti", "nbf", "nonce", "origin_jti", "scope", "sub",
        "token_use", "username", "version",
    }
)  # fmt: skip
# A token with this scope may call UpdateUserAttributes: never granted by the hook.
USER_ADMIN_SCOPE = "aws.cognito.signin.user.admin"
# Custom attributes the user pool defines. Neither is writable by the native app client.
TENANT_ATTRIBUTE = "custom:tenant"
IDP_GROUPS_ATTRIBUTE = "custom:idp_groups"
STANDARD_ATTRIBUTES = frozenset(
    {
        "address", "birthdate", "email", "email_verified", "family_name", "gender", "given_name",
        "locale", "middle_name", "name", "nickname", "phone_number", "phone_number_verified",
        "picture", "preferred_username", "profile", "sub", "updated_at", "website", "zoneinfo",
    }
)  # fmt: skip
KNOWN_ATTRIBUTES = STANDARD_ATTRIBUTES | {TENANT_ATTRIBUTE, IDP_GROUPS_ATTRIBUTE}
MAX_DESCRIPTION = 2048


def _meta(key: str, parse: Callable[[Any, str], Any]) -> dict[str, Any]:
    return {"key": key, "parse": parse}


def _expect(value: Any, kind: type, key: str, example: str) -> Any:
    # bool is an int in Python; a config that says `1` for a flag or `true` for a number is a typo.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ConfigError(
            key,
            f"expected {kind.__name__}, got {type(value).__name__} {value!r}",
            f"Write it as JSON {kind.__name__}, for example {example}",
        )
    return value


def _bool(value: Any, key: str) -> bool:
    return bool(_expect(value, bool, key, "false"))


def _matching(pattern: re.Pattern[str], rule: str, example: str) -> Callable[[Any, str], str]:
    def parse(value: Any, key: str) -> str:
        text = _expect(value, str, key, f'"{example}"')
        if not pattern.fullmatch(text):
            raise ConfigError(key, f"{text!r} is not {rule}", f'Use something like "{example}"')
        return str(text)

    return parse


E = TypeVar("E", bound=StrEnum)


def _enum(kind: type[E]) -> Callable[[Any, str], E]:
    def parse(value: Any, key: str) -> E:
        allowed = [member.value for member in kind]
        text = _expect(value, str, key, f'"{allowed[0]}"')
        if text not in allowed:
            raise ConfigError(key, f"unknown value {text!r}", f"Use one of {', '.join(allowed)}")
        return kind(text)

    return parse


def _precedence(value: Any, key: str) -> int:
    number = int(_expect(value, int, key, "10"))
    if not 0 <= number <= MAX_PRECEDENCE:
        raise ConfigError(
            key, f"{number} is out of range", f"Use a whole number from 0 to {MAX_PRECEDENCE}"
        )
    return number


def _description(value: Any, key: str) -> str:
    text = str(_expect(value, str, key, '"Full access"'))
    if len(text) > MAX_DESCRIPTION:
        raise ConfigError(
            key, f"is {len(text)} characters long", f"Shorten it to {MAX_DESCRIPTION} at most"
        )
    return text


T = TypeVar("T")


def _parse_object(cls: type[T], raw: Any, path: str) -> T:
    """Build dataclass ``cls`` from a JSON object, refusing unknown keys and wrong types."""
    if not isinstance(raw, Mapping):
        raise ConfigError(
            path, f"expected a JSON object, got {type(raw).__name__}", "Make it an object of keys"
        )
    specs = {f.metadata["key"]: f for f in fields(cls)}  # type: ignore[arg-type]
    for key in raw:
        if key not in specs:
            close = difflib.get_close_matches(str(key), list(specs), n=1)
            hint = f"Did you mean {close[0]!r}?" if close else "Remove it"
            known = ", ".join(specs)
            raise ConfigError(_join(path, str(key)), "is not a known key", f"{hint} Known: {known}")
    for key, spec in specs.items():
        required = spec.default is MISSING and spec.default_factory is MISSING
        if required and key not in raw:
            raise ConfigError(_join(path, key), "is missing", f"Give {path or 'it'} a {key}")
    values = {
        spec.name: spec.metadata["parse"](raw[key], _join(path, key))
        for key, spec in specs.items()
        if key in raw
    }
    return cls(**values)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _strings(
    pattern: re.Pattern[str], rule: str, example: str
) -> Callable[[Any, str], tuple[str, ...]]:
    item = _matching(pattern, rule, example)

    def parse(value: Any, key: str) -> tuple[str, ...]:
        items = _expect(value, list, key, f'["{example}"]')
        parsed = tuple(item(entry, f"{key}[{index}]") for index, entry in enumerate(items))
        for index, entry in enumerate(parsed):
            if entry in parsed[:index]:
                raise ConfigError(f"{key}[{index}]", f"{entry!r} is listed twice", "List it once")
        return parsed

    return parse


def _scopes(value: Any, key: str) -> tuple[str, ...]:
    scopes = _strings(_SCOPE, "an OAuth scope", "storage/read")(value, key)
    if USER_ADMIN_SCOPE in scopes:
        raise ConfigError(
            f"{key}[{scopes.index(USER_ADMIN_SCOPE)}]",
            f"{USER_ADMIN_SCOPE} lets a token change its user's attributes",
            "Remove it: the hook never grants it",
        )
    return scopes


@dataclass(frozen=True)
class GroupConfig:
    """One user pool group; its role is the group's role in the identity pool."""

    name: str = field(
        metadata=_meta("name", _matching(_GROUP_NAME, "1-64 letters, digits, _ or -", "editors"))
    )
    precedence: int = field(metadata=_meta("precedence", _precedence))
    preset: Preset = field(metadata=_meta("preset", _enum(Preset)))
    description: str = field(default="", metadata=_meta("description", _description))
    # Added to the access token of the group's members (eventVersion V2_0 only).
    scopes: tuple[str, ...] = field(default=(), metadata=_meta("scopes", _scopes))


def _groups(value: Any, key: str) -> tuple[GroupConfig, ...]:
    items = _expect(value, list, key, '[{"name": "viewers", "precedence": 30, "preset": "viewer"}]')
    if not items:
        raise ConfigError(
            key, "is empty", "Configure at least one group: only group members get a group role"
        )
    groups: list[GroupConfig] = []
    for index, item in enumerate(items):
        groups.append(_parse_object(GroupConfig, item, f"{key}[{index}]"))
    _unique(groups, key, "name", "Group names must be unique; rename one")
    _unique(
        groups,
        key,
        "precedence",
        "Precedences must be unique so that the preferred role is never ambiguous; "
        "give each group its own number (lower wins)",
    )
    return tuple(groups)


def _unique(groups: list[GroupConfig], key: str, attribute: str, fix: str) -> None:
    seen: dict[Any, int] = {}
    for index, group in enumerate(groups):
        value = getattr(group, attribute)
        if value in seen:
            raise ConfigError(
                f"{key}[{index}].{attribute}",
                f"{value!r} is already used by {key}[{seen[value]}]",
                fix,
            )
        seen[value] = index


def _prefix(value: Any, key: str) -> str:
    prefix = _matching(_PREFIX, "a lower-case folder name ending in '/'", "shared/")(value, key)
    if prefix in RESERVED_PREFIXES:
        raise ConfigError(
            key,
            f"{prefix!r} is reserved for per-identity folders",
            "Choose another folder name",
        )
    return prefix


@dataclass(frozen=True)
class StorageConfig:
    """The sample bucket's folders besides Amplify's ``private/`` and ``protected/``."""

    shared_prefix: str = field(default="shared/", metadata=_meta("sharedPrefix", _prefix))
    public_prefix: str = field(default="public/", metadata=_meta("publicPrefix", _prefix))

    def __post_init__(self) -> None:
        if self.shared_prefix == self.public_prefix:
            raise ConfigError(
                "storage.sharedPrefix",
                f"is the same folder as storage.publicPrefix ({self.public_prefix!r})",
                "Give the shared and the public folder different names",
            )


def _storage(value: Any, key: str) -> StorageConfig:
    return _parse_object(StorageConfig, value, key)


def _claim_name(value: Any, key: str) -> str:
    claim = _matching(_CLAIM, "a claim name", "tenant")(value, key)
    if claim in RESERVED_CLAIMS or claim.startswith(("cognito:", "dev:")):
        raise ConfigError(
            key, f"{claim!r} is a claim Cognito reserves", "Choose another claim name"
        )
    return claim


def _attribute(value: Any, key: str) -> str:
    name = str(_expect(value, str, key, f'"{TENANT_ATTRIBUTE}"'))
    if name not in KNOWN_ATTRIBUTES:
        hint = (
            "Custom attributes need the custom: prefix"
            if f"custom:{name}" in KNOWN_ATTRIBUTES
            else f"Use a standard attribute or one the pool defines ({TENANT_ATTRIBUTE}, "
            f"{IDP_GROUPS_ATTRIBUTE})"
        )
        raise ConfigError(key, f"{name!r} is not an attribute of this user pool", hint)
    return name


def _transforms(value: Any, key: str) -> tuple[Transform, ...]:
    items = _expect(value, list, key, '["strip", "lower"]')
    return tuple(_enum(Transform)(item, f"{key}[{index}]") for index, item in enumerate(items))


@dataclass(frozen=True)
class ClaimConfig:
    """A claim the hook adds to the tokens: ``claim`` <- ``source`` attribute + transforms."""

    claim: str = field(metadata=_meta("claim", _claim_name))
    source: str = field(metadata=_meta("source", _attribute))
    transforms: tuple[Transform, ...] = field(default=(), metadata=_meta("transforms", _transforms))


def _claims(value: Any, key: str) -> tuple[ClaimConfig, ...]:
    items = _expect(value, list, key, '[{"claim": "tenant", "source": "custom:tenant"}]')
    claims = tuple(
        _parse_object(ClaimConfig, item, f"{key}[{index}]") for index, item in enumerate(items)
    )
    for index, claim in enumerate(claims):
        if claim.claim in [earlier.claim for earlier in claims[:index]]:
            raise ConfigError(
                f"{key}[{index}].claim", f"{claim.claim!r} is set twice", "Set each claim once"
            )
    return claims


def _suppressed(value: Any, key: str) -> tuple[str, ...]:
    names = _strings(_CLAIM, "a claim name", IDP_GROUPS_ATTRIBUTE)(value, key)
    for index, name in enumerate(names):
        _claim_name(name, f"{key}[{index}]")
    return names


@dataclass(frozen=True)
class TokenHookConfig:
    """The pre token generation hook (``lambdas/pre_token_generation``)."""

    event_version: EventVersion = field(
        default=EventVersion.V2_0, metadata=_meta("eventVersion", _enum(EventVersion))
    )
    claims: tuple[ClaimConfig, ...] = field(default=(), metadata=_meta("claims", _claims))
    suppress_claims: tuple[str, ...] = field(
        default=(), metadata=_meta("suppressClaims", _suppressed)
    )

    def __post_init__(self) -> None:
        for index, name in enumerate(self.suppress_claims):
            if name in [claim.claim for claim in self.claims]:
                raise ConfigError(
                    f"tokenHook.suppressClaims[{index}]",
                    f"{name!r} is also added by tokenHook.claims",
                    "Either add the claim or suppress it",
                )


def _token_hook(value: Any, key: str) -> TokenHookConfig:
    if isinstance(value, Mapping) and "idpGroupMap" in value:
        raise ConfigError(
            f"{key}.idpGroupMap",
            "has moved: one table for every IdP let any IdP that asserts a mapped group name "
            "(a partner's 'Admins') grant that pool group",
            "Move each entry to the groupMap of the IdP that asserts it "
            "(federation.saml[i].groupMap or federation.oidc[i].groupMap, docs/configuration.md) "
            "and delete tokenHook.idpGroupMap",
        )
    return _parse_object(TokenHookConfig, value, key)


_PROVIDER = re.compile(r"^[\w.-]{1,100}$")
_ORIGIN = re.compile(r"^https://[a-z0-9.-]+(:\d{1,5})?$|^http://localhost(:\d{1,5})?$")
# The name the forker must replace before the first deploy: Cognito never lets it change.
PLACEHOLDER_PROVIDER = "login.example.replace-me"
MAX_TOKEN_MINUTES = 60


def _bounded(low: int, high: int, example: int) -> Callable[[Any, str], int]:
    def parse(value: Any, key: str) -> int:
        number = int(_expect(value, int, key, str(example)))
        if not low <= number <= high:
            raise ConfigError(
                key, f"{number} is out of range", f"Use a whole number from {low} to {high}"
            )
        return number

    return parse


@dataclass(frozen=True)
class DeveloperAuthConfig:
    """Developer-authenticated identities: POST /login in front of the team's own user store."""

    provider_name: str = field(
        default=PLACEHOLDER_PROVIDER,
        metadata=_meta(
            "providerName",
            _matching(_PROVIDER, "1-100 letters, digits, '.', '_' or '-'", "login.mycompany"),
        ),
    )
    token_minutes: int = field(
        default=15, metadata=_meta("tokenMinutes", _bounded(1, MAX_TOKEN_MINUTES, 15))
    )
    max_failed_attempts: int = field(
        default=5, metadata=_meta("maxFailedAttempts", _bounded(1, 100, 5))
    )
    lockout_minutes: int = field(
        default=15, metadata=_meta("lockoutMinutes", _bounded(1, 24 * 60, 15))
    )
    rate_limit: int = field(default=10, metadata=_meta("rateLimit", _bounded(1, 10_000, 10)))
    burst_limit: int = field(default=20, metadata=_meta("burstLimit", _bounded(1, 5_000, 20)))
    cors_origins: tuple[str, ...] = field(
        default=(),
        metadata=_meta(
            "corsOrigins", _strings(_ORIGIN, "an https:// origin", "https://app.example.com")
        ),
    )
    waf: bool = field(default=False, metadata=_meta("waf", _bool))


def _developer_auth(value: Any, key: str) -> DeveloperAuthConfig:
    return _parse_object(DeveloperAuthConfig, value, key)


# An SNS topic ARN: partition, region, 12-digit account, topic name (standard topics only).
_TOPIC_ARN = re.compile(
    r"^arn:aws[a-z-]*:sns:(?P<region>[a-z]{2}(-[a-z]+)+-\d):\d{12}:[A-Za-z0-9_-]{1,256}$"
)


def _topic_arn(value: Any, key: str) -> str | None:
    if value is None:
        return None
    return _matching(
        _TOPIC_ARN,
        "the ARN of a standard SNS topic",
        "arn:aws:sns:eu-west-1:123456789012:idpools-alarms",
    )(value, key)


@dataclass(frozen=True)
class MonitoringConfig:
    """Alarms and the dashboard (``infra/monitoring.py``): where alarms notify."""

    # An existing topic, so no subscription (an e-mail address) lands in the template. Unset,
    # the alarms have no actions: they show in the console and on the dashboard only.
    alarm_topic_arn: str | None = field(default=None, metadata=_meta("alarmTopicArn", _topic_arn))


def _monitoring(value: Any, key: str) -> MonitoringConfig:
    return _parse_object(MonitoringConfig, value, key)


_TAG_KEY = re.compile(r"^[\w.:/=+@-]{1,128}$")


def _principal_tags(value: Any, key: str) -> tuple[tuple[str, str], ...]:
    mapping = _expect(value, dict, key, '{"tenant": "tenant"}')
    for tag, claim in mapping.items():
        if not _TAG_KEY.fullmatch(tag):
            raise ConfigError(
                f"{key}.{tag}", "is not a valid tag key", "Use 1-128 letters, digits or _.:/=+@-"
            )
        _matching(_CLAIM, "a claim name", "tenant")(claim, f"{key}.{tag}")
    return tuple(mapping.items())


class MatchType(StrEnum):
    """How a rules-mapping rule compares the claim (Cognito developer guide, "Role-based access
    control": rule-based mapping)."""

    EQUALS = "Equals"
    NOT_EQUAL = "NotEqual"
    STARTS_WITH = "StartsWith"
    CONTAINS = "Contains"


class AmbiguousResolution(StrEnum):
    DENY = "Deny"
    AUTHENTICATED_ROLE = "AuthenticatedRole"


MAX_RULES = 25
AUTHENTICATED = "authenticated"
# Claims only the provider can set (Cognito developer guide, "Role-based access control": Login
# with Amazon and Facebook offer iss, aud, sub; Google and Apple their OpenID Connect ID token
# claims). Twitter offers none to rules. OIDC and SAML providers name theirs in trustedClaims.
# Each social provider's login name, its key in Logins: Cognito Identity API reference, GetId
# (Logins: graph.facebook.com, accounts.google.com, www.amazon.com, api.twitter.com) and
# developer guide, "Setting up Sign in with Apple" (appleid.apple.com). That a token's amr holds
# this same name is inferred from the developer guide, "Role trust and permissions" (its
# example: graph.facebook.com); a wrong inference would only make a group role refuse that
# provider's users (the trust names the provider, it does not widen).
SOCIAL_LOGIN_NAMES = {
    "google": "accounts.google.com",
    "facebook": "graph.facebook.com",
    "amazon": "www.amazon.com",
    "apple": "appleid.apple.com",
    "twitter": "api.twitter.com",
}
PROVIDER_CLAIMS: dict[str, frozenset[str]] = {
    "google": frozenset({"iss", "aud", "sub", "hd", "email_verified"}),
    "facebook": frozenset({"iss", "aud", "sub"}),
    "amazon": frozenset({"iss", "aud", "sub"}),
    "apple": frozenset({"iss", "aud", "sub", "email_verified"}),
    "twitter": frozenset(),
}
_ID = re.compile(r"^[\w.:/@-]{1,256}$")
_HTTPS = re.compile(r"^https://[a-z0-9.-]+(/[\w.~/-]*)?$")
_THUMBPRINT = re.compile(r"^[0-9a-fA-F]{40}$")
_SAML_NAME = re.compile(r"^[\w.-]{1,128}$")
_TRUSTED_CLAIM = re.compile(r"^[\w.:/#-]{1,256}$")


def _metadata_file(value: Any, key: str) -> str:
    path = str(_expect(value, str, key, '"docs/examples/saml-metadata.xml"'))
    if not Path(path).is_file():
        raise ConfigError(
            key,
            f"{path!r} is not a file",
            "Give the path of the IdP's SAML metadata XML, relative to the project",
        )
    return path


@dataclass(frozen=True)
class RuleConfig:
    """If ``claim`` ``matchType`` ``value``, the caller gets ``role``: a group's role, by group
    name, or ``authenticated`` (the default authenticated role)."""

    claim: str = field(metadata=_meta("claim", _matching(_TRUSTED_CLAIM, "a claim name", "hd")))
    match_type: MatchType = field(metadata=_meta("matchType", _enum(MatchType)))
    value: str = field(metadata=_meta("value", _matching(_ID, "a claim value", "example.com")))
    role: str = field(metadata=_meta("role", _matching(_GROUP_NAME, "a group name", "viewers")))


def _rules(value: Any, key: str) -> tuple[RuleConfig, ...]:
    items = _expect(value, list, key, '[{"claim": "hd", "matchType": "Equals", ...}]')
    if len(items) > MAX_RULES:
        raise ConfigError(
            key,
            f"has {len(items)} rules; Cognito allows {MAX_RULES} per provider",
            "Merge rules, or map the rest through groups",
        )
    return tuple(_parse_object(RuleConfig, item, f"{key}[{i}]") for i, item in enumerate(items))


def _claims_list(value: Any, key: str) -> tuple[str, ...]:
    return _strings(_TRUSTED_CLAIM, "a claim name", "groups")(value, key)


@dataclass(frozen=True)
class RoleSelection:
    """How a provider's identities get a role: the default authenticated role (no rules), or the
    first matching rule, with ``ambiguousRoleResolution`` when none matches."""

    rules: tuple[RuleConfig, ...] = field(default=(), metadata=_meta("rules", _rules))
    ambiguous_role_resolution: AmbiguousResolution = field(
        default=AmbiguousResolution.DENY,
        metadata=_meta("ambiguousRoleResolution", _enum(AmbiguousResolution)),
    )
    principal_tags: tuple[tuple[str, str], ...] = field(
        default=(), metadata=_meta("principalTags", _principal_tags)
    )


@dataclass(frozen=True)
class GoogleConfig(RoleSelection):
    client_id: str = field(default="", metadata=_meta("clientId", _matching(_ID, "an id", "x")))


@dataclass(frozen=True)
class FacebookConfig(RoleSelection):
    app_id: str = field(default="", metadata=_meta("appId", _matching(_ID, "an app id", "x")))


@dataclass(frozen=True)
class AmazonConfig(RoleSelection):
    app_id: str = field(default="", metadata=_meta("appId", _matching(_ID, "an app id", "x")))


@dataclass(frozen=True)
class AppleConfig(RoleSelection):
    services_id: str = field(
        default="", metadata=_meta("servicesId", _matching(_ID, "a services id", "x"))
    )


@dataclass(frozen=True)
class TwitterConfig(RoleSelection):
    consumer_key: str = field(
        default="", metadata=_meta("consumerKey", _matching(_ID, "a consumer key", "x"))
    )


@dataclass(frozen=True)
class OidcConfig(RoleSelection):
    issuer_url: str = field(
        default="",
        metadata=_meta(
            "issuerUrl", _matching(_HTTPS, "an https:// issuer URL", "https://idp.example.com")
        ),
    )
    client_ids: tuple[str, ...] = field(
        default=(), metadata=_meta("clientIds", _strings(_ID, "a client id", "my-client"))
    )
    thumbprints: tuple[str, ...] = field(
        default=(),
        metadata=_meta("thumbprints", _strings(_THUMBPRINT, "40 hex digits", "0" * 40)),
    )
    trusted_claims: tuple[str, ...] = field(
        default=("iss", "aud", "sub"), metadata=_meta("trustedClaims", _claims_list)
    )

    @property
    def provider_name(self) -> str:
        """The Logins key and role-mapping provider: the issuer without its scheme."""
        return self.issuer_url.removeprefix("https://")


@dataclass(frozen=True)
class SamlConfig(RoleSelection):
    name: str = field(
        default="", metadata=_meta("name", _matching(_SAML_NAME, "1-128 of [A-Za-z0-9_.-]", "Corp"))
    )
    metadata_file: str = field(default="", metadata=_meta("metadataFile", _metadata_file))
    trusted_claims: tuple[str, ...] = field(
        default=(), metadata=_meta("trustedClaims", _claims_list)
    )


def _provider(cls: type[T], required: str) -> Callable[[Any, str], T]:
    def parse(value: Any, key: str) -> T:
        if isinstance(value, Mapping) and required not in value:
            raise ConfigError(f"{key}.{required}", "is missing", f"Give {key} its {required}")
        return _parse_object(cls, value, key)

    return parse


def _provider_list(cls: type[T], required: str) -> Callable[[Any, str], tuple[T, ...]]:
    def parse(value: Any, key: str) -> tuple[T, ...]:
        items = _expect(value, list, key, "[{...}]")
        return tuple(_provider(cls, required)(item, f"{key}[{i}]") for i, item in enumerate(items))

    return parse


def _twitter(value: Any, key: str) -> TwitterConfig:
    if isinstance(value, Mapping) and "consumerSecret" in value:
        raise ConfigError(
            f"{key}.consumerSecret",
            "a secret must never be written into a committed file",
            "Remove it; pass it at synth as -c twitterConsumerSecret=... or in the "
            "TWITTER_CONSUMER_SECRET environment variable (docs/providers.md)",
        )
    return _provider(TwitterConfig, "consumerKey")(value, key)


@dataclass(frozen=True)
class ProvidersConfig:
    """External identity providers of the identity pool (direct federation). All off."""

    google: GoogleConfig | None = field(
        default=None, metadata=_meta("google", _provider(GoogleConfig, "clientId"))
    )
    facebook: FacebookConfig | None = field(
        default=None, metadata=_meta("facebook", _provider(FacebookConfig, "appId"))
    )
    amazon: AmazonConfig | None = field(
        default=None, metadata=_meta("amazon", _provider(AmazonConfig, "appId"))
    )
    apple: AppleConfig | None = field(
        default=None, metadata=_meta("apple", _provider(AppleConfig, "servicesId"))
    )
    twitter: TwitterConfig | None = field(default=None, metadata=_meta("twitter", _twitter))
    oidc: tuple[OidcConfig, ...] = field(
        default=(), metadata=_meta("oidc", _provider_list(OidcConfig, "issuerUrl"))
    )
    saml: tuple[SamlConfig, ...] = field(
        default=(), metadata=_meta("saml", _provider_list(SamlConfig, "name"))
    )

    def selections(self) -> list[tuple[str, str, RoleSelection, frozenset[str]]]:
        """(config key, kind, provider, claims only the provider sets) for each provider on."""
        found: list[tuple[str, str, RoleSelection, frozenset[str]]] = []
        for kind in PROVIDER_CLAIMS:
            provider = getattr(self, kind)
            if provider is not None:
                found.append((f"providers.{kind}", kind, provider, PROVIDER_CLAIMS[kind]))
        for i, oidc in enumerate(self.oidc):
            found.append((f"providers.oidc[{i}]", "oidc", oidc, frozenset(oidc.trusted_claims)))
        for i, saml in enumerate(self.saml):
            found.append((f"providers.saml[{i}]", "saml", saml, frozenset(saml.trusted_claims)))
        return found


def _providers(value: Any, key: str) -> ProvidersConfig:
    return _parse_object(ProvidersConfig, value, key)


_DOMAIN_PREFIX = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_IDP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]{1,30}[A-Za-z0-9]$")
_CALLBACK = re.compile(r"^https://[^\s#]+$|^http://localhost(:\d{1,5})?(/[^\s#]*)?$")
_SECRET_NAME = re.compile(r"^[\w/+=.@-]{1,512}$")
SAML_EMAIL = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
# Cognito keeps a mapped attribute value to 2048 characters (developer guide, "Mapping IdP
# attributes to profiles and tokens"); an IdP group name is one item of such a value.
MAX_IDP_GROUP = 2048
# Cognito's bounds for refresh token validity: "between 60 minutes and 10 years" (developer
# guide, "Refresh tokens"); this app caps it at 30 days.
MAX_REFRESH_HOURS = 30 * 24


def _group_map(value: Any, key: str) -> tuple[tuple[str, str], ...]:
    """IdP group name, exactly as the IdP sends it (decoded), -> pool group name."""
    mapping = _expect(value, dict, key, '{"Domain Admins": "admins"}')
    for idp_group, pool_group in mapping.items():
        if not idp_group or len(idp_group) > MAX_IDP_GROUP or idp_group != idp_group.strip():
            raise ConfigError(
                f"{key}.{idp_group}",
                "is not an IdP group name: names match exactly, so an empty name or one with "
                "surrounding spaces never matches",
                f"Write the group name as the IdP sends it, 1-{MAX_IDP_GROUP} characters",
            )
        _matching(_GROUP_NAME, "a group name", "admins")(pool_group, f"{key}.{idp_group}")
    return tuple(mapping.items())


@dataclass(frozen=True)
class FederatedSamlConfig:
    """A SAML IdP on the user pool; its group attribute lands in custom:idp_groups."""

    name: str = field(
        metadata=_meta("name", _matching(_IDP_NAME, "3-32 letters, digits, . or -", "CorpSaml"))
    )
    metadata_file: str = field(metadata=_meta("metadataFile", _metadata_file))
    groups_attribute: str = field(
        metadata=_meta("groupsAttribute", _matching(_TRUSTED_CLAIM, "an attribute name", "groups"))
    )
    email_attribute: str = field(
        default=SAML_EMAIL,
        metadata=_meta("emailAttribute", _matching(_TRUSTED_CLAIM, "an attribute name", "email")),
    )
    # This IdP's group name -> pool group. Another IdP's groups never reach this table.
    group_map: tuple[tuple[str, str], ...] = field(
        default=(), metadata=_meta("groupMap", _group_map)
    )


@dataclass(frozen=True)
class FederatedOidcConfig:
    """An OIDC IdP on the user pool; its client secret stays in Secrets Manager."""

    name: str = field(
        metadata=_meta("name", _matching(_IDP_NAME, "3-32 letters, digits, . or -", "CorpOidc"))
    )
    issuer_url: str = field(
        metadata=_meta(
            "issuerUrl", _matching(_HTTPS, "an https:// issuer", "https://idp.example.com")
        )
    )
    client_id: str = field(metadata=_meta("clientId", _matching(_ID, "a client id", "my-client")))
    client_secret_name: str = field(
        metadata=_meta(
            "clientSecretName", _matching(_SECRET_NAME, "a Secrets Manager secret name", "idp/x")
        )
    )
    groups_claim: str = field(
        default="groups",
        metadata=_meta("groupsClaim", _matching(_TRUSTED_CLAIM, "a claim name", "groups")),
    )
    group_map: tuple[tuple[str, str], ...] = field(
        default=(), metadata=_meta("groupMap", _group_map)
    )


@dataclass(frozen=True)
class FederationConfig:
    """Enterprise sign-in through the user pool: SAML and OIDC IdPs, a separate federated app
    client, and managed login (the hosted UI) on a Cognito domain."""

    domain_prefix: str = field(
        metadata=_meta(
            "domainPrefix",
            _matching(_DOMAIN_PREFIX, "lower-case letters, digits and -", "mycompany-login"),
        )
    )
    callback_urls: tuple[str, ...] = field(
        metadata=_meta(
            "callbackUrls", _strings(_CALLBACK, "an https:// URL", "https://app.example.com/cb")
        )
    )
    logout_urls: tuple[str, ...] = field(
        metadata=_meta(
            "logoutUrls", _strings(_CALLBACK, "an https:// URL", "https://app.example.com/")
        )
    )
    saml: tuple[FederatedSamlConfig, ...] = field(
        default=(),
        metadata=_meta(
            "saml",
            lambda v, k: tuple(
                _parse_object(FederatedSamlConfig, item, f"{k}[{i}]")
                for i, item in enumerate(_expect(v, list, k, "[{...}]"))
            ),
        ),
    )
    oidc: tuple[FederatedOidcConfig, ...] = field(
        default=(),
        metadata=_meta(
            "oidc",
            lambda v, k: tuple(
                _parse_object(FederatedOidcConfig, item, f"{k}[{i}]")
                for i, item in enumerate(_expect(v, list, k, "[{...}]"))
            ),
        ),
    )

    # The federated client's refresh tokens: how long the groups of the last federated sign-in
    # keep being issued without the IdP being asked again (docs/providers.md).
    refresh_token_hours: int = field(
        default=1, metadata=_meta("refreshTokenHours", _bounded(1, MAX_REFRESH_HOURS, 1))
    )

    def __post_init__(self) -> None:
        if not self.saml and not self.oidc:
            raise ConfigError(
                "federation", "has no identity provider", "Add a saml or an oidc entry"
            )
        if any(word in self.domain_prefix for word in ("aws", "amazon", "cognito")):
            raise ConfigError(
                "federation.domainPrefix",
                f"{self.domain_prefix!r} contains a word Cognito reserves (aws, amazon, cognito)",
                "Choose another prefix",
            )
        if not self.callback_urls:
            raise ConfigError(
                "federation.callbackUrls", "is empty", "Give the app's sign-in callback URL"
            )
        names = [idp.name for idp in self.saml] + [idp.name for idp in self.oidc]
        for name in names:
            if names.count(name) > 1:
                raise ConfigError("federation", f"IdP name {name!r} is used twice", "Rename one")


def _federation(value: Any, key: str) -> FederationConfig:
    return _parse_object(FederationConfig, value, key)


DEFAULT_GROUPS = (
    GroupConfig("admins", 10, Preset.ADMIN, "Full access to the sample bucket"),
    GroupConfig("editors", 20, Preset.EDITOR, "Read and write the shared folder"),
    GroupConfig("viewers", 30, Preset.VIEWER, "Read the shared folder"),
)


@dataclass(frozen=True)
class AppConfig:
    """Everything a forker may change. Defaults are the secure choice."""

    app_name: str = field(
        default="idpools",
        metadata=_meta(
            "appName",
            _matching(_APP_NAME, "a letter, then up to 31 letters, digits or '-'", "idpools"),
        ),
    )
    stage: Stage = field(default=Stage.SANDBOX, metadata=_meta("stage", _enum(Stage)))
    # Unset, the template is environment-agnostic and deploys to any account and region.
    account: str | None = field(
        default=None,
        metadata=_meta("account", _matching(_ACCOUNT, "a 12-digit AWS account id", "123456789012")),
    )
    region: str | None = field(
        default=None,
        metadata=_meta("region", _matching(_REGION, "an AWS region name", "eu-west-1")),
    )
    feature_plan: FeaturePlan = field(
        default=FeaturePlan.ESSENTIALS, metadata=_meta("featurePlan", _enum(FeaturePlan))
    )
    mfa: MfaMode = field(default=MfaMode.OPTIONAL, metadata=_meta("mfa", _enum(MfaMode)))
    self_sign_up: bool = field(default=False, metadata=_meta("selfSignUp", _bool))
    guest_access: bool = field(default=False, metadata=_meta("guestAccess", _bool))
    groups: tuple[GroupConfig, ...] = field(
        default=DEFAULT_GROUPS, metadata=_meta("groups", _groups)
    )
    storage: StorageConfig = field(
        default_factory=StorageConfig, metadata=_meta("storage", _storage)
    )
    token_hook: TokenHookConfig = field(
        default_factory=TokenHookConfig, metadata=_meta("tokenHook", _token_hook)
    )
    # Session tag -> claim of the user pool ID token, for attribute-based access (ABAC).
    principal_tags: tuple[tuple[str, str], ...] = field(
        default=(), metadata=_meta("principalTags", _principal_tags)
    )
    developer_auth: DeveloperAuthConfig = field(
        default_factory=DeveloperAuthConfig, metadata=_meta("developerAuth", _developer_auth)
    )
    providers: ProvidersConfig = field(
        default_factory=ProvidersConfig, metadata=_meta("providers", _providers)
    )
    monitoring: MonitoringConfig = field(
        default_factory=MonitoringConfig, metadata=_meta("monitoring", _monitoring)
    )
    federation: FederationConfig | None = field(
        default=None, metadata=_meta("federation", _federation)
    )

    def __post_init__(self) -> None:
        hook = self.token_hook
        if hook.event_version is EventVersion.V2_0 and self.feature_plan is FeaturePlan.LITE:
            raise ConfigError(
                "tokenHook.eventVersion",
                "V2_0 needs the Essentials or Plus feature plan, and featurePlan is LITE",
                'Set tokenHook.eventVersion to "V1_0" (ID token only), or featurePlan to '
                '"ESSENTIALS"',
            )
        names = [group.name for group in self.groups]
        # IAM role names ignore case (IAM user guide, "IAM object quotas and names": names are
        # not distinguished by case), so group roles may not collide that way either.
        role_owners = {AUTHENTICATED: "the identity pool's default authenticated role"}
        for index, group in enumerate(self.groups):
            owner = role_owners.get(group.name.lower())
            if owner is not None:
                raise ConfigError(
                    f"groups[{index}].name",
                    f"{group.name!r} makes the same role name, ignoring case, as {owner} "
                    "(IAM role names are not case-sensitive)",
                    "Give the group another name",
                )
            role_owners[group.name.lower()] = f"groups[{index}]"
            if group.scopes and hook.event_version is EventVersion.V1_0:
                raise ConfigError(
                    f"groups[{index}].scopes",
                    "scopes go into the access token, which a V1_0 hook cannot shape",
                    'Remove the scopes, or set tokenHook.eventVersion to "V2_0"',
                )
            role_name = self.group_role_name(group.name)
            if len(role_name) > MAX_ROLE_NAME:
                raise ConfigError(
                    f"groups[{index}].name",
                    f"makes the role name {role_name!r}, {len(role_name)} characters long",
                    f"IAM allows {MAX_ROLE_NAME}: shorten the group name or appName",
                )
        hook_claims = {claim.claim for claim in hook.claims}
        for tag, claim in self.principal_tags:
            if claim not in hook_claims | KNOWN_ATTRIBUTES:
                hint = (
                    "Custom attributes need the custom: prefix"
                    if f"custom:{claim}" in KNOWN_ATTRIBUTES
                    else "Use a claim the token hook adds (tokenHook.claims) or a pool attribute"
                )
                raise ConfigError(
                    f"principalTags.{tag}", f"{claim!r} is not a claim of this pool's tokens", hint
                )
        self._check_providers(names)
        self._check_developer_provider_name()
        topic = self.monitoring.alarm_topic_arn
        topic_match = _TOPIC_ARN.fullmatch(topic) if topic else None
        if topic_match and self.region and topic_match["region"] != self.region:
            raise ConfigError(
                "monitoring.alarmTopicArn",
                f"the topic is in {topic_match['region']}, the stack in {self.region}; CloudWatch "
                "alarms notify only a topic in their own region",
                f"Create the topic in {self.region} and give its ARN",
            )
        if self.federation:
            idps: list[tuple[str, int, FederatedSamlConfig | FederatedOidcConfig]] = [
                ("saml", i, idp) for i, idp in enumerate(self.federation.saml)
            ]
            idps += [("oidc", i, idp) for i, idp in enumerate(self.federation.oidc)]
            for kind, i, idp in idps:
                for idp_group, pool_group in idp.group_map:
                    if pool_group not in names:
                        raise ConfigError(
                            f"federation.{kind}[{i}].groupMap.{idp_group}",
                            f"{pool_group!r} is not a configured group",
                            f"Map it to one of {', '.join(names)}",
                        )

    def _check_developer_provider_name(self) -> None:
        """Group roles trust providers by their amr names; a developer provider sharing one
        would let developer identities assume that provider's roles through STS."""
        name = self.developer_auth.provider_name
        taken = [
            *(
                SOCIAL_LOGIN_NAMES[kind]
                for kind in SOCIAL_LOGIN_NAMES
                if getattr(self.providers, kind)
            ),
            *(oidc.provider_name for oidc in self.providers.oidc),
        ]
        if name in taken:
            raise ConfigError(
                "developerAuth.providerName",
                f"{name!r} is also the login name of an external provider, so developer "
                "identities would carry that provider's name in their tokens",
                "Choose a name of your own, such as login.<your domain>",
            )

    def _check_providers(self, groups: list[str]) -> None:
        """Rules and tags may use only claims the provider alone sets (escalation otherwise)."""
        for key, kind, provider, trusted in self.providers.selections():
            for i, rule in enumerate(provider.rules):
                where = f"{key}.rules[{i}]"
                _check_provider_claim(f"{where}.claim", kind, rule.claim, trusted)
                if rule.role != AUTHENTICATED and rule.role not in groups:
                    raise ConfigError(
                        f"{where}.role",
                        f"{rule.role!r} is neither a configured group nor {AUTHENTICATED!r}",
                        f"Use one of {', '.join([*groups, AUTHENTICATED])}",
                    )
            for tag, claim in provider.principal_tags:
                _check_provider_claim(f"{key}.principalTags.{tag}", kind, claim, trusted)

    def group_role_name(self, group: str) -> str:
        """The deterministic role name the hook turns into an ARN without Ref or GetAtt."""
        return f"{self.stack_name}-{group}"

    @property
    def default_role_name(self) -> str:
        """The default authenticated role's name: the hook names it for users in no group."""
        return self.group_role_name(AUTHENTICATED)

    @property
    def stack_name(self) -> str:
        return f"{self.app_name}-{self.stage}"

    @property
    def is_sandbox(self) -> bool:
        return self.stage is Stage.SANDBOX


def _check_provider_claim(key: str, kind: str, claim: str, trusted: frozenset[str]) -> None:
    if claim not in trusted:
        allowed = ", ".join(sorted(trusted)) or "none"
        raise ConfigError(
            key,
            f"{kind} identities do not carry {claim!r} as a claim only the provider sets; a rule "
            "or tag on a claim the user controls lets any user pick their own role or tenant",
            f"Use one of: {allowed}"
            + (
                "; for OIDC and SAML list the IdP-asserted claims in trustedClaims"
                if kind in ("oidc", "saml")
                else ""
            ),
        )


def parse_config(raw: Any) -> AppConfig:
    """Parse the ``config`` context value; ``None`` (no config at all) gives the defaults."""
    return _parse_object(AppConfig, {} if raw is None else raw, "")
