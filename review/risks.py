"""Reviewer-relevant risks, each one a sentence naming where it is and why it matters."""

from __future__ import annotations

import re
from dataclasses import dataclass

from review.access import Pool
from review.claims import PARTIAL_MATCHES, TWITTER
from review.roles import Role, wildcard_actions
from review.template import Json, Template

_DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:[^}]*\}\}")


@dataclass(frozen=True)
class Risk:
    kind: str
    where: str
    message: str


GUEST = "guest-access"
CLASSIC = "classic-flow"
CLAIM = "claim-outside-provider-list"
PARTIAL = "partial-match-rule"
UNTAGGABLE = "tags-without-tag-session"
WILDCARD = "wildcard-action"
TWITTER_SECRET = "twitter-secret-in-template"  # noqa: S105 - a warning kind, no secret


def risks(template: Template, pools: list[Pool], roles: dict[str, Role]) -> list[Risk]:
    found = []
    for pool in pools:
        if pool.guest:
            found.append(
                Risk(
                    GUEST,
                    pool.key,
                    "Guest access is on: anyone can get credentials for "
                    f"{pool.guest_role or 'the unauthenticated role'} without signing in.",
                )
            )
        if pool.classic_flow:
            found.append(
                Risk(
                    CLASSIC,
                    pool.key,
                    "The classic (basic) flow is on: a caller with an identity may ask STS for "
                    "any role trusting this pool, bypassing the role mappings.",
                )
            )
        for provider in pool.providers:
            for rule in provider.rules:
                where = f"{pool.key} / {provider.label} / rule {rule.order}"
                allowed = provider.allowed_claims
                if allowed is not None and rule.claim not in allowed:
                    found.append(
                        Risk(
                            CLAIM,
                            where,
                            f"The rule uses claim {rule.claim!r}, which {provider.name} does not "
                            f"offer to rules (only {', '.join(allowed) or 'none'}): it never "
                            "matches as intended, or matches a value the user sets.",
                        )
                    )
                if rule.match_type in PARTIAL_MATCHES:
                    found.append(
                        Risk(
                            PARTIAL,
                            where,
                            f"{rule.match_type} on {rule.claim!r} = {rule.value!r}: a partial "
                            f"match also accepts longer values (for example "
                            f"{rule.value + '-x'!r}); prefer Equals.",
                        )
                    )
        tagged: dict[str, set[str]] = {}
        for identity in pool.identities:
            if identity.role and identity.tags:
                tagged.setdefault(identity.role, set()).add(identity.label)
        for role_key, labels in sorted(tagged.items()):
            role = roles.get(role_key)
            if role is not None and not role.tag_session:
                found.append(
                    Risk(
                        UNTAGGABLE,
                        role_key,
                        "Principal tags reach this role (from "
                        f"{', '.join(sorted(labels))}) but its trust policy lacks "
                        "sts:TagSession: STS refuses those credentials.",
                    )
                )
        twitter = (template.properties(pool.logical_id).get("SupportedLoginProviders") or {}).get(
            TWITTER
        )
        leak = twitter_secret_leak(template, twitter)
        if leak:
            found.append(
                Risk(
                    TWITTER_SECRET,
                    pool.key,
                    f"Twitter's consumer secret {leak} (CloudFormation takes it in "
                    "SupportedLoginProviders): anyone who can read the template or the stack "
                    "can read it. Reference it with {{resolve:secretsmanager:...}} or a NoEcho "
                    "parameter without a default.",
                )
            )
    for role in roles.values():
        actions = wildcard_actions(role)
        if actions:
            found.append(
                Risk(
                    WILDCARD,
                    role.key,
                    f"Allows wildcard actions {', '.join(actions)}: future actions of the "
                    "service are granted too.",
                )
            )
    return found


def twitter_secret_leak(template: Template, value: Json) -> str | None:
    """How Twitter's ``key;secret`` value puts the secret in the template, or None.

    The value is resolved first (``Fn::Join``, ``Fn::Sub``, ``Ref``). Dynamic references
    (``{{resolve:...}}``) are not in the template; a parameter is, unless it is ``NoEcho``
    without a ``Default``."""
    if value is None:
        return None
    text = template.text(value)
    parameters = template.body.get("Parameters") or {}
    used = [name for name in parameters if f"${{{name}}}" in text]
    _key, separator, secret = text.partition(";")
    if not separator:
        if not used:
            return None  # the consumer key alone
        secret = text  # a parameter holding "key;secret"
    secret = _DYNAMIC_REFERENCE.sub("", secret)
    reasons = []
    for name in used:
        if f"${{{name}}}" not in secret:
            continue
        parameter = parameters[name] or {}
        if str(parameter.get("NoEcho", "false")).lower() != "true":
            reasons.append(f"comes from parameter {name}, which is not NoEcho")
        elif "Default" in parameter:
            reasons.append(f"is the Default of parameter {name}")
        secret = secret.replace(f"${{{name}}}", "")
    if secret.strip():
        reasons.append("is in the template in plain text")
    return "; ".join(reasons) or None
