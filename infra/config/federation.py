"""Enterprise sign-in through the user pool: SAML and OIDC IdPs, the federated app client and
managed login (``infra/federation.py``, ``infra/inbound_federation.py``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from facts.stack import IDP_GROUPS_ATTRIBUTE
from infra.config.groups import GROUP_NAME
from infra.config.parsing import (
    ConfigError,
    bounded,
    expect,
    list_of,
    matching,
    parse_with,
    strings,
)
from infra.config.providers import HTTPS_URL, IDENTIFIER, TRUSTED_CLAIM, metadata_file

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
# Attributes every IdP maps, so the federated client must be able to write them (Cognito
# requires it: developer guide, "Mapping IdP attributes to profiles and tokens") and no client
# whose tokens can update attributes may. The inbound federation trigger does not change this:
# whether its answer (userAttributesToMap) goes through the IdP's attribute mapping or names pool
# attributes is not documented, and under the first reading the mapping still writes them.
MAPPED_ATTRIBUTES = frozenset({"email", IDP_GROUPS_ATTRIBUTE})


def refuse_mapped_attributes_writable_by_users(user_writable: frozenset[str]) -> None:
    """A user can write whatever their client may write; mapped attributes feed the hook."""
    overlap = sorted(MAPPED_ATTRIBUTES & user_writable)
    if overlap:
        raise ConfigError(
            "federation",
            f"the native app client may write {', '.join(overlap)}, which IdP sign-in maps; any "
            "user could then set them (and their IdP groups) through UpdateUserAttributes",
            "Keep mapped attributes off the native client's write list "
            "(WRITABLE in infra/config/user_pool.py)",
        )


def _group_map(value: Any, key: str) -> tuple[tuple[str, str], ...]:
    """IdP group name, exactly as the IdP sends it (decoded), -> pool group name."""
    mapping = expect(value, dict, key, '{"Domain Admins": "admins"}')
    for idp_group, pool_group in mapping.items():
        if not idp_group or len(idp_group) > MAX_IDP_GROUP or idp_group != idp_group.strip():
            raise ConfigError(
                f"{key}.{idp_group}",
                "is not an IdP group name: names match exactly, so an empty name or one with "
                "surrounding spaces never matches",
                f"Write the group name as the IdP sends it, 1-{MAX_IDP_GROUP} characters",
            )
        matching(GROUP_NAME, "a group name", "admins")(pool_group, f"{key}.{idp_group}")
    return tuple(mapping.items())


@dataclass(frozen=True)
class FederatedSamlConfig:
    """A SAML IdP on the user pool; its group attribute lands in custom:idp_groups."""

    name: str = field(
        metadata=parse_with(matching(_IDP_NAME, "3-32 letters, digits, . or -", "CorpSaml"))
    )
    metadata_file: str = field(metadata=parse_with(metadata_file))
    groups_attribute: str = field(
        metadata=parse_with(matching(TRUSTED_CLAIM, "an attribute name", "groups"))
    )
    email_attribute: str = field(
        default=SAML_EMAIL,
        metadata=parse_with(matching(TRUSTED_CLAIM, "an attribute name", "email")),
    )
    # This IdP's group name -> pool group. Another IdP's groups never reach this table.
    group_map: tuple[tuple[str, str], ...] = field(default=(), metadata=parse_with(_group_map))


@dataclass(frozen=True)
class FederatedOidcConfig:
    """An OIDC IdP on the user pool; its client secret stays in Secrets Manager."""

    name: str = field(
        metadata=parse_with(matching(_IDP_NAME, "3-32 letters, digits, . or -", "CorpOidc"))
    )
    issuer_url: str = field(
        metadata=parse_with(matching(HTTPS_URL, "an https:// issuer", "https://idp.example.com"))
    )
    client_id: str = field(metadata=parse_with(matching(IDENTIFIER, "a client id", "my-client")))
    client_secret_name: str = field(
        metadata=parse_with(matching(_SECRET_NAME, "a Secrets Manager secret name", "idp/x"))
    )
    groups_claim: str = field(
        default="groups", metadata=parse_with(matching(TRUSTED_CLAIM, "a claim name", "groups"))
    )
    group_map: tuple[tuple[str, str], ...] = field(default=(), metadata=parse_with(_group_map))


@dataclass(frozen=True)
class FederationConfig:
    """Enterprise sign-in through the user pool: SAML and OIDC IdPs, a separate federated app
    client, and managed login (the hosted UI) on a Cognito domain."""

    domain_prefix: str = field(
        metadata=parse_with(
            matching(_DOMAIN_PREFIX, "lower-case letters, digits and -", "mycompany-login")
        )
    )
    callback_urls: tuple[str, ...] = field(
        metadata=parse_with(strings(_CALLBACK, "an https:// URL", "https://app.example.com/cb"))
    )
    logout_urls: tuple[str, ...] = field(
        metadata=parse_with(strings(_CALLBACK, "an https:// URL", "https://app.example.com/"))
    )
    saml: tuple[FederatedSamlConfig, ...] = field(
        default=(), metadata=parse_with(list_of(FederatedSamlConfig))
    )
    oidc: tuple[FederatedOidcConfig, ...] = field(
        default=(), metadata=parse_with(list_of(FederatedOidcConfig))
    )
    # The federated client's refresh tokens: how long the groups of the last federated sign-in
    # keep being issued without the IdP being asked again (docs/providers.md).
    refresh_token_hours: int = field(
        default=1, metadata=parse_with(bounded(1, MAX_REFRESH_HOURS, 1))
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

    def check_group_maps(self, groups: list[str]) -> None:
        """Every IdP group maps to a configured pool group."""
        idps: list[tuple[str, int, FederatedSamlConfig | FederatedOidcConfig]] = [
            ("saml", i, idp) for i, idp in enumerate(self.saml)
        ]
        idps += [("oidc", i, idp) for i, idp in enumerate(self.oidc)]
        for kind, i, idp in idps:
            for idp_group, pool_group in idp.group_map:
                if pool_group not in groups:
                    raise ConfigError(
                        f"federation.{kind}[{i}].groupMap.{idp_group}",
                        f"{pool_group!r} is not a configured group",
                        f"Map it to one of {', '.join(groups)}",
                    )


def trigger_settings(config: FederationConfig) -> dict[str, Any]:
    """The inbound federation trigger's ``TRIGGER_CONFIG`` (``lambdas/inbound_federation``):
    each IdP's group attribute and its own group map. The construct renders it, and the synth
    measures it against Lambda's limit (``infra/config/limits.py``) from the same function."""
    providers = {
        saml.name: {
            "type": "SAML",
            "groupsAttribute": saml.groups_attribute,
            "emailAttribute": saml.email_attribute,
            "groupMap": dict(saml.group_map),
        }
        for saml in config.saml
    } | {
        oidc.name: {
            "type": "OIDC",
            "groupsAttribute": oidc.groups_claim,
            "emailAttribute": "email",
            "groupMap": dict(oidc.group_map),
        }
        for oidc in config.oidc
    }
    return {"providers": providers}
