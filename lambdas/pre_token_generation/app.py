"""Pre token generation hook: normalizes groups, roles and claims from server-side facts only.

Cognito calls it before every ID (and, with V2_0, access) token it issues, refreshes included.
What it may trust:

- ``groupConfiguration.groupsToOverride``: the user's pool groups, kept by Cognito;
- for users federated through SAML or OIDC (the ``identities`` attribute, which Cognito sets),
  ``custom:idp_groups``: the pool groups that the inbound federation trigger
  (``lambdas/inbound_federation``) mapped from that IdP's own assertion at the last federated
  sign-in, as a JSON list;
- attributes the synth proved no user can write (the configured claim sources).

A user in no configured group gets the identity pool's default authenticated role as their only
and preferred role, so the identity pool never sees a token without ``cognito:roles``.

``clientMetadata`` and every other attribute are never read. Role ARNs are built from
deterministic role names (``HOOK_CONFIG.roleArnPrefix`` + name): passing them through ``Ref`` would
make the stack cyclic (pool -> hook -> roles -> identity pool -> pool).

Anything unexpected raises: Cognito then refuses the token rather than issue a wider one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import (
    PreTokenGenerationTriggerEvent,
    PreTokenGenerationV2TriggerEvent,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

# Claims Cognito issues itself; never set or suppressed here, whatever the configuration says
# (Cognito developer guide, "Pre token generation Lambda trigger": claims you can't modify).
RESERVED_CLAIMS = frozenset(
    {
        "acr", "amr", "aud", "at_hash", "auth_time", "azp", "client_id", "cognito:groups",
        "cognito:preferred_role", "cognito:roles", "cognito:username", "device_key", "event_id",
        "exp", "iat", "identities", "iss", "jti", "nbf", "nonce", "origin_jti", "scope", "sub",
        "token_use", "username", "version",
    }
)  # fmt: skip
RESERVED_PREFIXES = ("cognito:", "dev:")
# A token with this scope may call UpdateUserAttributes.
USER_ADMIN_SCOPE = "aws.cognito.signin.user.admin"
IDP_GROUPS_ATTRIBUTE = "custom:idp_groups"
# Cognito developer guide, "Using identity providers": user pool federation through SAML or
# OIDC records the provider in the `identities` attribute.
FEDERATED_PROVIDER_TYPES = frozenset({"SAML", "OIDC"})
TRIGGER_SOURCE_PREFIX = "TokenGeneration_"
_SEPARATORS = re.compile(r"[,\s]+")
_WILDCARDS = re.compile(r"[*?$]")


@dataclass(frozen=True)
class Group:
    name: str
    precedence: int
    role_arn: str
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class Claim:
    claim: str
    source: str
    transforms: tuple[str, ...]


@dataclass(frozen=True)
class HookConfig:
    groups: dict[str, Group]
    # The identity pool's default authenticated role, for users in no configured group.
    default_role_arn: str
    claims: tuple[Claim, ...]
    suppress: tuple[str, ...]
    # Claims the identity pool turns into session tags: their values land in IAM policy
    # variables (tenants/${aws:PrincipalTag/tenant}/), so wildcards are refused.
    tagged: frozenset[str] = frozenset()

    @classmethod
    def from_json(cls, text: str) -> HookConfig:
        raw = json.loads(text)
        prefix = raw["roleArnPrefix"]
        groups = {
            group["name"]: Group(
                group["name"],
                group["precedence"],
                prefix + group["roleName"],
                tuple(group["scopes"]),
            )
            for group in raw["groups"]
        }
        claims = tuple(
            Claim(claim["claim"], claim["source"], tuple(claim["transforms"]))
            for claim in raw["claims"]
            if not _reserved(claim["claim"])
        )
        suppress = tuple(name for name in raw["suppressClaims"] if not _reserved(name))
        tagged = frozenset(raw.get("taggedClaims", ()))
        return cls(groups, prefix + raw["defaultRoleName"], claims, suppress, tagged)


class Decision(NamedTuple):
    """What the tokens will say. ``preferred_role`` is None when the top groups tie."""

    groups: tuple[str, ...]
    roles: tuple[str, ...]
    preferred_role: str | None
    claims: dict[str, str | list[str]]
    suppress: tuple[str, ...]
    scopes: tuple[str, ...]
    idp_groups_mapped: int


def _by_precedence(group: Group) -> tuple[int, str]:
    return group.precedence, group.name


def _reserved(claim: str) -> bool:
    return claim in RESERVED_CLAIMS or claim.startswith(RESERVED_PREFIXES)


def read_idp_groups(raw: str) -> list[str]:
    """The pool group names the inbound federation trigger wrote: a JSON list of strings.
    Anything else (a raw IdP value from before the trigger, say) raises: no token."""
    value = json.loads(raw)
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise ValueError("custom:idp_groups is not a JSON list of group names")
    return value


def is_federated(user_attributes: dict[str, str]) -> bool:
    """Whether Cognito recorded a SAML or OIDC identity for this user."""
    identities = user_attributes.get("identities")
    if not identities:
        return False
    parsed = json.loads(identities)
    if not isinstance(parsed, list):
        raise ValueError("identities attribute is not a list")
    return any(
        isinstance(identity, dict) and identity.get("providerType") in FEDERATED_PROVIDER_TYPES
        for identity in parsed
    )


_STEPS: dict[str, Callable[[str], str]] = {"strip": str.strip, "lower": str.lower}


def transform(value: str, steps: tuple[str, ...]) -> str | list[str]:
    """Apply the steps in order; ``split`` turns the value into a list of non-empty parts."""
    result: str | list[str] = value
    for step in steps:
        if step == "split":
            text = result if isinstance(result, str) else ",".join(result)
            result = [part for part in _SEPARATORS.split(text) if part]
        elif step in _STEPS:
            function = _STEPS[step]
            result = function(result) if isinstance(result, str) else [function(v) for v in result]
        else:
            raise ValueError(f"unknown transform {step!r}")
    return result


def decide(config: HookConfig, groups_in_event: list[str], attributes: dict[str, str]) -> Decision:
    """The whole policy, as a pure function of server-side facts."""
    if not isinstance(groups_in_event, list):
        raise ValueError("groupsToOverride is not a list of group names")
    if not isinstance(attributes, dict):
        raise ValueError("userAttributes is not an object")
    names: dict[str, None] = {}
    for name in groups_in_event:
        if not isinstance(name, str):
            raise ValueError("groupsToOverride is not a list of group names")
        names[name] = None
    mapped = 0
    raw_idp_groups = attributes.get(IDP_GROUPS_ATTRIBUTE)
    if is_federated(attributes) and raw_idp_groups is not None:
        for group in read_idp_groups(raw_idp_groups):
            # Only groups this app declares: the trigger maps to nothing else.
            if group in config.groups and group not in names:
                names[group] = None
                mapped += 1
    groups = config.groups
    known = sorted([groups[name] for name in names if name in groups], key=_by_precedence)
    # Groups made outside this app keep their place in cognito:groups but carry no role here.
    unknown = sorted([name for name in names if name not in groups])
    if known:
        roles = tuple({group.role_arn: None for group in known})
        tied = len(known) > 1 and known[0].precedence == known[1].precedence
        preferred = None if tied else known[0].role_arn
    else:
        # What token mapping does with a token that has no cognito:roles is undocumented (it may
        # give the default role or apply AmbiguousRoleResolution). Naming the default role as the
        # only and preferred role gives the same outcome under either reading.
        roles = (config.default_role_arn,)
        preferred = config.default_role_arn
    claims: dict[str, str | list[str]] = {}
    for claim in config.claims:
        value = attributes.get(claim.source)
        if value is not None:
            claims[claim.claim] = transform(value, claim.transforms)
            if claim.claim in config.tagged and _WILDCARDS.search(str(claims[claim.claim])):
                raise ValueError(f"claim {claim.claim!r} becomes a session tag and has a wildcard")
    scopes = {scope: None for group in known for scope in group.scopes if scope != USER_ADMIN_SCOPE}
    return Decision(
        (*[group.name for group in known], *unknown),
        roles,
        preferred,
        claims,
        config.suppress,
        tuple(scopes),
        mapped,
    )


def _group_details(decision: Decision) -> dict[str, Any]:
    # Cognito replaces the whole object: leaving preferredRole out means "no preferred role".
    details: dict[str, Any] = {
        "groupsToOverride": list(decision.groups),
        "iamRolesToOverride": list(decision.roles),
    }
    if decision.preferred_role:
        details["preferredRole"] = decision.preferred_role
    return details


def v1_response(decision: Decision) -> dict[str, Any]:
    # V1 claims are strings only: a split value is joined back with commas.
    claims = {
        name: ",".join(value) if isinstance(value, list) else value
        for name, value in decision.claims.items()
    }
    return {
        "claimsOverrideDetails": {
            "claimsToAddOrOverride": claims,
            "claimsToSuppress": list(decision.suppress),
            "groupOverrideDetails": _group_details(decision),
        }
    }


def v2_response(decision: Decision) -> dict[str, Any]:
    token = {
        "claimsToAddOrOverride": dict(decision.claims),
        "claimsToSuppress": list(decision.suppress),
    }
    return {
        "claimsAndScopeOverrideDetails": {
            "idTokenGeneration": token,
            "accessTokenGeneration": {**token, "scopesToAdd": list(decision.scopes)},
            "groupOverrideDetails": _group_details(decision),
        }
    }


def correlation_id(user_name: str) -> str:
    """A stable pseudonym for the user: correlates their sign-ins without logging who they are."""
    return hashlib.blake2b(user_name.encode(), digest_size=8).hexdigest()


CONFIG = HookConfig.from_json(os.environ["HOOK_CONFIG"])
logger = Logger()
metrics = Metrics()


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # Cognito sends "version": "1" for V1_0 and "2" for V2_0 triggers.
    v2 = event["version"] != "1"
    trigger = (
        PreTokenGenerationV2TriggerEvent(event) if v2 else PreTokenGenerationTriggerEvent(event)
    )
    if not trigger.trigger_source.startswith(TRIGGER_SOURCE_PREFIX):
        logger.warning(
            "Unknown trigger source passed through", trigger_source=trigger.trigger_source
        )
        return event
    logger.set_correlation_id(correlation_id(trigger.user_name))
    attributes = trigger.request.user_attributes
    # Cognito always sends the user's attributes, sub among them: without them it is no event.
    if "sub" not in attributes:
        raise ValueError("event has no userAttributes.sub")
    decision = decide(CONFIG, trigger.request.group_configuration.groups_to_override, attributes)
    event["response"] = v2_response(decision) if v2 else v1_response(decision)
    metrics.add_dimension("triggerSource", trigger.trigger_source)
    metrics.add_metric("TokensIssued", MetricUnit.Count, 1)
    if decision.idp_groups_mapped:
        metrics.add_metric("IdpGroupsMapped", MetricUnit.Count, decision.idp_groups_mapped)
    # Per-token detail is DEBUG (POWERTOOLS_LOG_LEVEL=DEBUG shows it): Cognito calls the hook
    # at every sign-in and refresh, and the metrics count those already. Log sampling would
    # reset the logging level cache at every call, a tenth of the hook's time.
    if logger.log_level <= logging.DEBUG:  # skip building the record at the default level
        logger.debug(
            "Token claims normalized",
            trigger_source=trigger.trigger_source,
            groups=len(decision.groups),
            idp_groups_mapped=decision.idp_groups_mapped,
            preferred_role=decision.preferred_role is not None,
        )
    return event
