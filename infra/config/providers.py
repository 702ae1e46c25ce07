"""External identity providers of the identity pool (direct federation): Google, Facebook,
Login with Amazon, Sign in with Apple, Twitter, OIDC and SAML, with their role selection."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from facts.cognito import PROVIDER_CLAIMS, SOCIAL_LOGIN_NAMES
from infra.config.groups import AUTHENTICATED, GROUP_NAME, Preset
from infra.config.parsing import (
    ConfigError,
    Parser,
    expect,
    matching,
    one_of,
    parse_object,
    parse_with,
    strings,
)
from infra.config.principal_tags import principal_tags

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")


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


# Cognito Identity API reference, RulesConfigurationType: "You can specify up to 25 rules per
# identity provider".
MAX_RULES = 25
# Match types that admit values other than the one written: a longer value, or every other one.
LOOSE_MATCHES = frozenset({MatchType.CONTAINS, MatchType.STARTS_WITH, MatchType.NOT_EQUAL})
# An acknowledgement's reason: a sentence a reviewer can check, not a token.
_REASON = re.compile(r"^.{20,500}$", re.DOTALL)
IDENTIFIER = re.compile(r"^[\w.:/@-]{1,256}$")
HTTPS_URL = re.compile(r"^https://[a-z0-9.-]+(/[\w.~/-]*)?$")
TRUSTED_CLAIM = re.compile(r"^[\w.:/#-]{1,256}$")
_THUMBPRINT = re.compile(r"^[0-9a-fA-F]{40}$")
_SAML_NAME = re.compile(r"^[\w.-]{1,128}$")
# IAM's SAMLProvider Name (IAM API reference, CreateSAMLProvider: 1-128 of [\w._-]).
MAX_SAML_NAME = 128
# An IAM OIDC provider's ARN: its resource is the issuer URL without https:// (IAM API
# reference, CreateOpenIDConnectProvider: "the ARN ... is the URL of the provider").
_OIDC_PROVIDER_ARN = re.compile(
    r"^arn:aws[a-z-]*:iam::(?P<account>\d{12}):oidc-provider/(?P<url>.+)$"
)


def metadata_file(value: Any, key: str) -> str:
    path = str(expect(value, str, key, '"docs/examples/saml-metadata.xml"'))
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

    claim: str = field(metadata=parse_with(matching(TRUSTED_CLAIM, "a claim name", "hd")))
    match_type: MatchType = field(metadata=parse_with(one_of(MatchType)))
    value: str = field(metadata=parse_with(matching(IDENTIFIER, "a claim value", "example.com")))
    role: str = field(metadata=parse_with(matching(GROUP_NAME, "a group name", "viewers")))
    # Why a loose match (Contains, StartsWith, NotEqual) may give an admin-preset group's role.
    acknowledge_loose_match: str | None = field(
        default=None,
        metadata=parse_with(
            matching(
                _REASON,
                "a reason of 20 to 500 characters",
                "the IdP issues no group name that contains another",
            )
        ),
    )


def _rules(value: Any, key: str) -> tuple[RuleConfig, ...]:
    items = expect(value, list, key, '[{"claim": "hd", "matchType": "Equals", ...}]')
    if len(items) > MAX_RULES:
        raise ConfigError(
            key,
            f"has {len(items)} rules; Cognito allows {MAX_RULES} per provider",
            "Merge rules, or map the rest through groups",
        )
    return tuple(parse_object(RuleConfig, item, f"{key}[{i}]") for i, item in enumerate(items))


def _claims_list(value: Any, key: str) -> tuple[str, ...]:
    return strings(TRUSTED_CLAIM, "a claim name", "groups")(value, key)


@dataclass(frozen=True)
class RoleSelection:
    """How a provider's identities get a role: the default authenticated role (no rules), or the
    first matching rule, with ``ambiguousRoleResolution`` when none matches."""

    rules: tuple[RuleConfig, ...] = field(default=(), metadata=parse_with(_rules))
    ambiguous_role_resolution: AmbiguousResolution = field(
        default=AmbiguousResolution.DENY, metadata=parse_with(one_of(AmbiguousResolution))
    )
    principal_tags: tuple[tuple[str, str], ...] = field(
        default=(), metadata=parse_with(principal_tags)
    )


@dataclass(frozen=True)
class GoogleConfig(RoleSelection):
    client_id: str = field(default="", metadata=parse_with(matching(IDENTIFIER, "an id", "x")))


@dataclass(frozen=True)
class FacebookConfig(RoleSelection):
    app_id: str = field(default="", metadata=parse_with(matching(IDENTIFIER, "an app id", "x")))


@dataclass(frozen=True)
class AmazonConfig(RoleSelection):
    app_id: str = field(default="", metadata=parse_with(matching(IDENTIFIER, "an app id", "x")))


@dataclass(frozen=True)
class AppleConfig(RoleSelection):
    services_id: str = field(
        default="", metadata=parse_with(matching(IDENTIFIER, "a services id", "x"))
    )


@dataclass(frozen=True)
class TwitterConfig(RoleSelection):
    consumer_key: str = field(
        default="", metadata=parse_with(matching(IDENTIFIER, "a consumer key", "x"))
    )


@dataclass(frozen=True)
class OidcConfig(RoleSelection):
    issuer_url: str = field(
        default="",
        metadata=parse_with(
            matching(HTTPS_URL, "an https:// issuer URL", "https://idp.example.com")
        ),
    )
    client_ids: tuple[str, ...] = field(
        default=(), metadata=parse_with(strings(IDENTIFIER, "a client id", "my-client"))
    )
    thumbprints: tuple[str, ...] = field(
        default=(), metadata=parse_with(strings(_THUMBPRINT, "40 hex digits", "0" * 40))
    )
    trusted_claims: tuple[str, ...] = field(
        default=("iss", "aud", "sub"), metadata=parse_with(_claims_list)
    )
    # IAM holds one OIDC provider per issuer URL in an account: a second stage there names the
    # first one's instead of creating its own.
    provider_arn: str | None = field(
        default=None,
        metadata=parse_with(
            matching(
                _OIDC_PROVIDER_ARN,
                "the ARN of an IAM OIDC provider",
                "arn:aws:iam::123456789012:oidc-provider/idp.example.com",
            )
        ),
    )

    @property
    def provider_name(self) -> str:
        """The Logins key and role-mapping provider: the issuer without its scheme."""
        return self.issuer_url.removeprefix("https://")

    def check_provider_arn(self, key: str, account: str | None) -> None:
        """An imported provider must be this issuer's, in the stack's account; its client ids
        and thumbprints are the existing provider's own, not this config's."""
        arn = _OIDC_PROVIDER_ARN.fullmatch(self.provider_arn or "")
        if arn is None:  # none given (the parser refuses any other)
            return
        if arn["url"] != self.provider_name:
            raise ConfigError(
                f"{key}.providerArn",
                f"names the provider of {arn['url']!r}, and issuerUrl is {self.issuer_url!r}",
                "Give the ARN of this issuer's IAM OIDC provider",
            )
        if account and arn["account"] != account:
            raise ConfigError(
                f"{key}.providerArn",
                f"is in account {arn['account']}, and the stack in {account}",
                "Give the ARN of the provider in the stack's own account",
            )
        for extra, value in (("clientIds", self.client_ids), ("thumbprints", self.thumbprints)):
            if value:
                raise ConfigError(
                    f"{key}.{extra}",
                    "belongs to the provider providerArn names, which this stack does not change",
                    f"Remove {extra}, and set it on that provider (the identity pool accepts only "
                    "tokens whose audience the provider lists)",
                )


@dataclass(frozen=True)
class SamlConfig(RoleSelection):
    name: str = field(
        default="", metadata=parse_with(matching(_SAML_NAME, "1-128 of [A-Za-z0-9_.-]", "Corp"))
    )
    metadata_file: str = field(default="", metadata=parse_with(metadata_file))
    trusted_claims: tuple[str, ...] = field(default=(), metadata=parse_with(_claims_list))
    # Unset: <appName>-<stage>-<name> (AppConfig.saml_provider_name), unique in the account.
    iam_name: str | None = field(
        default=None,
        metadata=parse_with(matching(_SAML_NAME, "1-128 of [A-Za-z0-9_.-]", "ExampleCorp")),
    )


def _provider(cls: type[T], required: str) -> Parser[T]:
    def parse(value: Any, key: str) -> T:
        if isinstance(value, Mapping) and required not in value:
            raise ConfigError(f"{key}.{required}", "is missing", f"Give {key} its {required}")
        return parse_object(cls, value, key)

    return parse


def _provider_list(cls: type[T], required: str) -> Parser[tuple[T, ...]]:
    def parse(value: Any, key: str) -> tuple[T, ...]:
        items = expect(value, list, key, "[{...}]")
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
        default=None, metadata=parse_with(_provider(GoogleConfig, "clientId"))
    )
    facebook: FacebookConfig | None = field(
        default=None, metadata=parse_with(_provider(FacebookConfig, "appId"))
    )
    amazon: AmazonConfig | None = field(
        default=None, metadata=parse_with(_provider(AmazonConfig, "appId"))
    )
    apple: AppleConfig | None = field(
        default=None, metadata=parse_with(_provider(AppleConfig, "servicesId"))
    )
    twitter: TwitterConfig | None = field(default=None, metadata=parse_with(_twitter))
    oidc: tuple[OidcConfig, ...] = field(
        default=(), metadata=parse_with(_provider_list(OidcConfig, "issuerUrl"))
    )
    saml: tuple[SamlConfig, ...] = field(
        default=(), metadata=parse_with(_provider_list(SamlConfig, "name"))
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

    def check_rules(self, groups: Mapping[str, Preset]) -> None:
        """Rules and tags may use only claims the provider alone sets (escalation otherwise),
        a rule's role must exist, and a loose match gives an admin role only when acknowledged."""
        for key, kind, provider, trusted in self.selections():
            for i, rule in enumerate(provider.rules):
                where = f"{key}.rules[{i}]"
                _check_provider_claim(f"{where}.claim", kind, rule.claim, trusted)
                if rule.role != AUTHENTICATED and rule.role not in groups:
                    raise ConfigError(
                        f"{where}.role",
                        f"{rule.role!r} is neither a configured group nor {AUTHENTICATED!r}",
                        f"Use one of {', '.join([*groups, AUTHENTICATED])}",
                    )
                _check_loose_admin_rule(where, rule, groups)
            for tag, claim in provider.principal_tags:
                _check_provider_claim(f"{key}.principalTags.{tag}", kind, claim, trusted)

    def login_names(self) -> list[str]:
        """The login names (``amr`` entries) of the social and OIDC providers that are on."""
        return [
            *(SOCIAL_LOGIN_NAMES[kind] for kind in SOCIAL_LOGIN_NAMES if getattr(self, kind)),
            *(oidc.provider_name for oidc in self.oidc),
        ]


def _check_loose_admin_rule(where: str, rule: RuleConfig, groups: Mapping[str, Preset]) -> None:
    """A loose match handing out an admin role grants it to values nobody wrote down: Contains
    "admins" also matches "not-admins", NotEqual matches every other value."""
    if (
        rule.match_type in LOOSE_MATCHES
        and groups.get(rule.role) is Preset.ADMIN
        and rule.acknowledge_loose_match is None
    ):
        raise ConfigError(
            f"{where}.matchType",
            f"{rule.match_type} {rule.value!r} gives the admin-preset role of {rule.role!r} to "
            f"values other than {rule.value!r} too (for example {_loose_example(rule)!r})",
            'Use "Equals", or add "acknowledgeLooseMatch": "<why no other value can reach '
            'it>" to the rule',
        )


def _loose_example(rule: RuleConfig) -> str:
    if rule.match_type is MatchType.CONTAINS:
        return f"not-{rule.value}"
    if rule.match_type is MatchType.STARTS_WITH:
        return f"{rule.value}-guest"
    return f"anything but {rule.value}"


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


def require_twitter_secret(providers: ProvidersConfig, twitter_secret: str | None) -> None:
    """Twitter's consumer secret is a synth input, never part of a committed config."""
    if providers.twitter and not twitter_secret:
        raise ConfigError(
            "providers.twitter",
            "needs its consumer secret at synth, and none was given",
            "Pass -c twitterConsumerSecret=... or set TWITTER_CONSUMER_SECRET",
        )
