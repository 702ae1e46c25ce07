"""Inbound federation trigger: the groups attribute, computed afresh from the IdP's own answer.

Cognito calls it at every federated sign-in, first and returning, after it has verified the
IdP's response and before it writes the user profile (developer guide, "Inbound federation
Lambda trigger"). Without it, Cognito's attribute mapping keeps a group claim the IdP stopped
sending ("If a previously mapped claim no longer exists in the incoming token, it won't be
deleted or changed": developer guide, "Mapping IdP attributes to profiles and tokens"), so a
user the IdP removed from ``Admins`` would stay an app admin.

For the signing-in IdP (``request.providerName``, set by Cognito) it reads the configured
groups attribute from what the IdP asserted (``samlResponse`` for SAML; ``idToken``, then
``userInfo``, for OIDC), decodes the names exactly as the IdP sent them, maps them through
*that IdP's* table only, and answers with the pool group names as a JSON list, ``[]`` when the
IdP sent none. The answer (``userAttributesToMap``) repeats every mapped attribute (email) and
is never empty (``{}`` keeps the raw attributes: the stale case again); whether Cognito reads
its keys as the IdP's attribute names or the pool's is not documented, so it names both
(``attributes_to_map``).

Anything unexpected raises: Cognito then fails the sign-in rather than keep old groups.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

TRIGGER_SOURCE = "InboundFederation_ExternalProvider"
# What URL form encoding leaves as it is (developer guide, "Mapping IdP attributes to profiles
# and tokens": Cognito encodes multi-valued attributes' values "containing non-alphanumeric
# characters (excluding the '.', '-', '*', and '_' characters)").
FORM_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-*_")
# The pool attributes the answer also names (infra keeps the same names; a test holds them equal).
IDP_GROUPS_ATTRIBUTE = "custom:idp_groups"
EMAIL_ATTRIBUTE = "email"


@dataclass(frozen=True)
class Provider:
    """One IdP on the user pool, as infra/inbound_federation.py describes it."""

    type: str  # "SAML" or "OIDC"
    groups_attribute: str
    email_attribute: str
    group_map: Mapping[str, str]


@dataclass(frozen=True)
class TriggerConfig:
    providers: Mapping[str, Provider]

    @classmethod
    def from_json(cls, text: str) -> TriggerConfig:
        raw = json.loads(text)
        return cls(
            {
                name: Provider(
                    p["type"], p["groupsAttribute"], p["emailAttribute"], dict(p["groupMap"])
                )
                for name, p in raw["providers"].items()
            }
        )


@dataclass(frozen=True)
class InboundFederationEvent:
    """The fields this trigger reads (Powertools has no data class for it)."""

    raw: dict[str, Any]

    @property
    def trigger_source(self) -> str:
        return str(self.raw["triggerSource"])

    @property
    def provider_name(self) -> str:
        return str(self.raw["request"]["providerName"])

    @property
    def provider_type(self) -> str:
        return str(self.raw["request"]["providerType"])

    @property
    def attributes(self) -> dict[str, Any]:
        attributes = self.raw["request"]["attributes"]
        if not isinstance(attributes, dict):
            raise ValueError("request.attributes is not an object")
        return attributes


def form_encode(value: str) -> str:
    """``value`` URL form encoded as the developer guide says Cognito encodes the values of a
    multi-valued attribute: every character but letters, digits and ``.-*_`` ("Mapping IdP
    attributes to profiles and tokens"), a space as ``+``, the rest as ``%XX`` of its UTF-8
    bytes in capitals (as Java's URLEncoder writes them)."""
    return "".join(
        character
        if character in FORM_SAFE
        else "+"
        if character == " "
        else "".join(f"%{byte:02X}" for byte in character.encode("utf-8", "surrogatepass"))
        for character in value
    )


def rendered_list(text: str) -> list[str] | None:
    """The values of ``text`` when it is exactly how Cognito renders a multi-valued attribute,
    ``[a, b]``: two or more values, each form encoded exactly as :func:`form_encode` writes it;
    else None."""
    if not (text.startswith("[") and text.endswith("]")):
        return None
    parts = [part.removeprefix(" ") for part in text[1:-1].split(",")]
    if len(parts) < 2 or not all(parts):
        return None
    values = [unquote_plus(part) for part in parts]
    if [form_encode(value) for value in values] != parts:
        return None
    return values


def decode_groups(value: Any) -> list[str]:
    """Group names exactly as the IdP sent them.

    A list (an OIDC array claim, as the event's decoded ID token holds it) is taken item by
    item. A string is one group name, unchanged, unless it is exactly Cognito's rendering of a
    multi-valued attribute (:func:`rendered_list`): ``[Domain+Admins, Staff]`` is
    ``Domain Admins`` and ``Staff``. The guide states the encoding of each value but neither
    the brackets and separator nor whether the trigger's event renders lists so, so the reading
    is kept narrow: a string that is not such a rendering (``[Domain+Admins]``, one value;
    ``[Partners, Domain Admins]``, with a space no encoder leaves; ``["Domain Admins"]``, JSON,
    which is never parsed) is one name, which maps only if the table names it exactly. Nothing
    is split on spaces or commas, so ``Former Admins`` never reads as ``Admins``.
    """
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return []
        return rendered_list(text) or [text]
    if not isinstance(value, list):
        raise ValueError("the groups attribute is neither a string nor a list")
    items: list[Any] = value
    if not all(isinstance(item, str) for item in items):
        raise ValueError("the groups attribute holds something other than names")
    return [item for item in items if item]


def pool_groups(provider: Provider, asserted: Any) -> list[str]:
    """The pool groups this IdP's asserted groups map to, in the table's order, no repeats."""
    names = set(decode_groups(asserted)) if asserted is not None else set()
    return list(dict.fromkeys(pool for idp, pool in provider.group_map.items() if idp in names))


def asserted_attributes(provider: Provider, attributes: Mapping[str, Any]) -> dict[str, Any]:
    """What the IdP itself asserted: the SAML assertion's attributes, or the OIDC ID token's
    claims over the userInfo response's (developer guide, "Inbound federation Lambda trigger":
    request parameters per provider type)."""
    if provider.type == "SAML":
        return dict(attributes.get("samlResponse") or {})
    return {**(attributes.get("userInfo") or {}), **(attributes.get("idToken") or {})}


def attributes_to_map(
    config: TriggerConfig, provider_name: str, provider_type: str, attributes: Mapping[str, Any]
) -> dict[str, str]:
    """``userAttributesToMap`` for one sign-in: the IdP's email and its mapped pool groups."""
    provider = config.providers.get(provider_name)
    if provider is None or provider.type != provider_type:
        raise ValueError("sign-in through an IdP this pool's configuration does not describe")
    asserted = asserted_attributes(provider, attributes)
    groups = pool_groups(provider, asserted.get(provider.groups_attribute))
    # The guide does not say whether the answer's keys are the IdP's attribute names (which the
    # IdP's attribute mapping then writes) or the pool's. The answer names both, so the groups
    # are rewritten under either reading; a key Cognito does not expect can only fail the
    # sign-in, never keep old groups.
    answer = {
        provider.groups_attribute: json.dumps(groups),
        IDP_GROUPS_ATTRIBUTE: json.dumps(groups),
    }
    email = asserted.get(provider.email_attribute)
    if isinstance(email, str):
        answer[provider.email_attribute] = email
        answer[EMAIL_ATTRIBUTE] = email
    return answer


CONFIG = TriggerConfig.from_json(os.environ["TRIGGER_CONFIG"])
logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    trigger = InboundFederationEvent(event)
    if trigger.trigger_source != TRIGGER_SOURCE:
        raise ValueError("not an inbound federation event")
    answer = attributes_to_map(
        CONFIG, trigger.provider_name, trigger.provider_type, trigger.attributes
    )
    event.setdefault("response", {})
    event["response"]["userAttributesToMap"] = answer
    return event
