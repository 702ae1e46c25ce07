"""Reviewer-relevant risks, each one a sentence naming where it is and why it matters."""

from __future__ import annotations

from dataclasses import dataclass

from review.access import Pool
from review.claims import PARTIAL_MATCHES, TWITTER
from review.roles import Role, wildcard_actions
from review.template import Template


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
        if isinstance(twitter, str) and ";" in twitter and twitter.split(";", 1)[1]:
            found.append(
                Risk(
                    TWITTER_SECRET,
                    pool.key,
                    "Twitter's consumer secret is in the template in plain text "
                    "(CloudFormation requires it there): anyone who can read the template or "
                    "the stack can read it.",
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
