"""The pre token generation hook (``lambdas/pre_token_generation``): the claims it adds from
pool attributes and the claims it suppresses."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from facts.cognito import RESERVED_CLAIMS, RESERVED_PREFIXES
from facts.stack import IDP_GROUPS_ATTRIBUTE
from infra.config.groups import GroupConfig
from infra.config.parsing import (
    ConfigError,
    expect,
    matching,
    one_of,
    parse_object,
    parse_with,
    strings,
)
from infra.config.user_pool import attribute


class EventVersion(StrEnum):
    """The pre token generation event: V2_0 also shapes the access token (not on Lite)."""

    V1_0 = "V1_0"
    V2_0 = "V2_0"


class Transform(StrEnum):
    """A step applied to an attribute value before it becomes a claim, in the order given."""

    STRIP = "strip"
    LOWER = "lower"
    SPLIT = "split"


CLAIM = re.compile(r"^[A-Za-z][A-Za-z0-9_:.-]{0,63}$")


def claim_name(value: Any, key: str) -> str:
    claim = matching(CLAIM, "a claim name", "tenant")(value, key)
    # lambdas/pre_token_generation keeps its own copy of the rule; a test holds the two equal.
    if claim in RESERVED_CLAIMS or claim.startswith(RESERVED_PREFIXES):
        raise ConfigError(
            key, f"{claim!r} is a claim Cognito reserves", "Choose another claim name"
        )
    return claim


def _transforms(value: Any, key: str) -> tuple[Transform, ...]:
    items = expect(value, list, key, '["strip", "lower"]')
    return tuple(one_of(Transform)(item, f"{key}[{index}]") for index, item in enumerate(items))


@dataclass(frozen=True)
class ClaimConfig:
    """A claim the hook adds to the tokens: ``claim`` <- ``source`` attribute + transforms."""

    claim: str = field(metadata=parse_with(claim_name))
    source: str = field(metadata=parse_with(attribute))
    transforms: tuple[Transform, ...] = field(default=(), metadata=parse_with(_transforms))


def _claims(value: Any, key: str) -> tuple[ClaimConfig, ...]:
    items = expect(value, list, key, '[{"claim": "tenant", "source": "custom:tenant"}]')
    claims = tuple(
        parse_object(ClaimConfig, item, f"{key}[{index}]") for index, item in enumerate(items)
    )
    for index, claim in enumerate(claims):
        if claim.claim in [earlier.claim for earlier in claims[:index]]:
            raise ConfigError(
                f"{key}[{index}].claim", f"{claim.claim!r} is set twice", "Set each claim once"
            )
    return claims


def _suppressed(value: Any, key: str) -> tuple[str, ...]:
    names = strings(CLAIM, "a claim name", IDP_GROUPS_ATTRIBUTE)(value, key)
    for index, name in enumerate(names):
        claim_name(name, f"{key}[{index}]")
    return names


@dataclass(frozen=True)
class TokenHookConfig:
    """The pre token generation hook (``lambdas/pre_token_generation``)."""

    event_version: EventVersion = field(
        default=EventVersion.V2_0, metadata=parse_with(one_of(EventVersion))
    )
    claims: tuple[ClaimConfig, ...] = field(default=(), metadata=parse_with(_claims))
    suppress_claims: tuple[str, ...] = field(default=(), metadata=parse_with(_suppressed))

    def __post_init__(self) -> None:
        for index, name in enumerate(self.suppress_claims):
            if name in [claim.claim for claim in self.claims]:
                raise ConfigError(
                    f"tokenHook.suppressClaims[{index}]",
                    f"{name!r} is also added by tokenHook.claims",
                    "Either add the claim or suppress it",
                )


def token_hook(value: Any, key: str) -> TokenHookConfig:
    if isinstance(value, Mapping) and "idpGroupMap" in value:
        raise ConfigError(
            f"{key}.idpGroupMap",
            "has moved: one table for every IdP let any IdP that asserts a mapped group name "
            "(a partner's 'Admins') grant that pool group",
            "Move each entry to the groupMap of the IdP that asserts it "
            "(federation.saml[i].groupMap or federation.oidc[i].groupMap, docs/configuration.md) "
            "and delete tokenHook.idpGroupMap",
        )
    return parse_object(TokenHookConfig, value, key)


def hook_settings(
    *,
    role_arn_prefix: str,
    groups: Sequence[GroupConfig],
    role_names: Mapping[str, str],
    default_role_name: str,
    settings: TokenHookConfig,
    tagged_claims: Collection[str],
) -> dict[str, Any]:
    """The hook's ``HOOK_CONFIG`` (``lambdas/pre_token_generation``): the construct renders it
    into the function's environment, and the synth measures it against Lambda's limit
    (``infra/config/limits.py``) from the same function."""
    return {
        "roleArnPrefix": role_arn_prefix,
        "groups": [
            {
                "name": group.name,
                "precedence": group.precedence,
                "roleName": role_names[group.name],
                "scopes": list(group.scopes),
            }
            for group in groups
        ],
        "defaultRoleName": default_role_name,
        "claims": [
            {"claim": c.claim, "source": c.source, "transforms": list(c.transforms)}
            for c in settings.claims
        ],
        "suppressClaims": list(settings.suppress_claims),
        "taggedClaims": sorted(set(tagged_claims)),
    }
