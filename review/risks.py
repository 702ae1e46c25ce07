"""Reviewer-relevant risks, each one a sentence naming where it is and why it matters.

As in a cdk-nag rule pack: each rule is one small named check with its own ``kind``, run over
the parsed template (its pools and roles); ``RULES`` is the pack, and ``risks`` runs it.
docs/review.md says what each kind means, what to do about it, and which AWS page says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from facts.cloudformation import Json
from facts.cognito import AMR, AUD, COGNITO_IDENTITY, developer_user_login
from review import trust
from review.access import Pool
from review.claims import PARTIAL_MATCHES, TWITTER
from review.roles import Role, Statement, wildcard_actions
from review.template import Template, flag

_DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:[^}]*\}\}")


@dataclass(frozen=True)
class Risk:
    kind: str
    where: str
    message: str


@dataclass(frozen=True)
class Subject:
    """What every rule reads: the template, and its identity pools and roles as parsed."""

    template: Template
    pools: list[Pool]
    roles: dict[str, Role]


Finding = tuple[str, str]  # (where, message)
Check = Callable[[Subject], Iterator[Finding]]


@dataclass(frozen=True)
class Rule:
    kind: str
    check: Check

    def run(self, subject: Subject) -> list[Risk]:
        return [Risk(self.kind, where, message) for where, message in self.check(subject)]


def rule(kind: str) -> Callable[[Check], Rule]:
    """Makes a check a rule of this kind (``@rule(GUEST)``)."""
    return lambda check: Rule(kind, check)


GUEST = "guest-access"
CLASSIC = "classic-flow"
CLAIM = "claim-outside-provider-list"
PARTIAL = "partial-match-rule"
UNTAGGABLE = "tags-without-tag-session"
WILDCARD = "wildcard-action"
TWITTER_SECRET = "twitter-secret-in-template"  # noqa: S105 - a warning kind, no secret
OPEN_TRUST = "role-trusts-any-identity"
UNPINNED_TRUST = "trust-without-aud-or-amr"
TOKEN_CHECK = "no-server-side-token-check"  # noqa: S105 - a warning kind, no secret
SELF_SIGN_UP = "self-sign-up-with-group-roles"
UNMAPPED_PROVIDER = "trust-admits-unmapped-provider"
FOREIGN_POOL = "trust-admits-another-pool"
ANY_PRINCIPAL = "trust-admits-any-principal"
UNREADABLE_PRINCIPAL = "trust-principal-unreadable"
TRUST_NOT_ACTION = "trust-with-not-action"


@rule(GUEST)
def guest_access(subject: Subject) -> Iterator[Finding]:
    for pool in subject.pools:
        if pool.guest:
            yield (
                pool.key,
                "Guest access is on: anyone can get credentials for "
                f"{pool.guest_role or 'the unauthenticated role'} without signing in.",
            )


@rule(CLASSIC)
def classic_flow(subject: Subject) -> Iterator[Finding]:
    for pool in subject.pools:
        if pool.classic_flow:
            yield (
                pool.key,
                "The classic (basic) flow is on: a caller with an identity may ask STS for "
                "any role trusting this pool, bypassing the role mappings.",
            )


@rule(CLAIM)
def claim_outside_provider_list(subject: Subject) -> Iterator[Finding]:
    for pool in subject.pools:
        for provider in pool.providers:
            allowed = provider.allowed_claims
            for r in provider.rules:
                if allowed is not None and r.claim not in allowed:
                    yield (
                        f"{pool.key} / {provider.label} / rule {r.order}",
                        f"The rule uses claim {r.claim!r}, which {provider.name} does not "
                        f"offer to rules (only {', '.join(allowed) or 'none'}): it never "
                        "matches as intended, or matches a value the user sets.",
                    )


@rule(PARTIAL)
def partial_match_rule(subject: Subject) -> Iterator[Finding]:
    for pool in subject.pools:
        for provider in pool.providers:
            for r in provider.rules:
                if r.match_type in PARTIAL_MATCHES:
                    yield (
                        f"{pool.key} / {provider.label} / rule {r.order}",
                        f"{r.match_type} on {r.claim!r} = {r.value!r}: a partial match also "
                        f"accepts longer values (for example {r.value + '-x'!r}); prefer "
                        "Equals.",
                    )


@rule(UNTAGGABLE)
def tags_without_tag_session(subject: Subject) -> Iterator[Finding]:
    for pool in subject.pools:
        tagged: dict[str, set[str]] = {}
        for identity in pool.identities:
            if identity.role and identity.tags:
                tagged.setdefault(identity.role, set()).add(identity.label)
        for role_key, labels in sorted(tagged.items()):
            role = subject.roles.get(role_key)
            if role is not None and not role.tag_session:
                yield (
                    role_key,
                    f"Principal tags reach this role (from {', '.join(sorted(labels))}) but "
                    "its trust policy lacks sts:TagSession: STS refuses those credentials.",
                )


@rule(TWITTER_SECRET)
def twitter_secret_in_template(subject: Subject) -> Iterator[Finding]:
    for pool in subject.pools:
        providers = subject.template.properties(pool.logical_id).get("SupportedLoginProviders")
        twitter = providers.get(TWITTER) if isinstance(providers, dict) else None
        leak = twitter_secret_leak(subject.template, twitter)
        if leak:
            yield (
                pool.key,
                f"Twitter's consumer secret {leak} (CloudFormation takes it in "
                "SupportedLoginProviders): anyone who can read the template or the stack can "
                "read it. Reference it with {{resolve:secretsmanager:...}} or a NoEcho "
                "parameter without a default.",
            )


@rule(WILDCARD)
def wildcard_action(subject: Subject) -> Iterator[Finding]:
    for role in subject.roles.values():
        actions = wildcard_actions(role)
        if actions:
            yield (
                role.key,
                f"Allows wildcard actions {', '.join(actions)}: future actions of the service "
                "are granted too.",
            )


def open_roles(pool: Pool, roles: dict[str, Role]) -> dict[str, str]:
    """Roles other than the pool's two defaults that any authenticated identity of the pool
    may assume, each with how its trust reads ``amr``."""
    found = {}
    for role in roles.values():
        if role.key in (pool.default_role, pool.guest_role):
            continue
        for statement in trust.identity_pool_trusts(role):
            if trust.admits_pool(statement, pool) and trust.admits_any_authenticated(statement):
                found[role.key] = _amr_text(statement)
    return found


def _amr_text(statement: Statement) -> str:
    amr = [
        f"{op} {' | '.join(values)}"
        for op, keys in statement.conditions.items()
        for key, values in keys.items()
        if key.lower() == AMR
    ]
    return f"amr {'; '.join(amr)}" if amr else "no amr condition"


@rule(OPEN_TRUST)
def role_trusts_any_identity(subject: Subject) -> Iterator[Finding]:
    for pool in subject.pools:
        providers = ", ".join(trust.login_providers(pool)) or "none listed"
        for role_key, amr in open_roles(pool, subject.roles).items():
            yield (
                role_key,
                f"Its trust admits any authenticated identity of identity pool {pool.key} "
                f"({amr}), yet it is not the pool's default authenticated role: every "
                f"identity of every provider of the pool ({providers}) can assume it with "
                "an identity pool token and sts:AssumeRoleWithWebIdentity (the basic flow; "
                "AllowClassicFlow false does not stop it, STS never reads the pool's "
                "settings). Pin ForAnyValue:StringLike cognito-identity.amazonaws.com:amr "
                "to the provider names whose mappings reach this role.",
            )


@rule(UNPINNED_TRUST)
def trust_without_aud_or_amr(subject: Subject) -> Iterator[Finding]:
    for role in subject.roles.values():
        for statement in trust.identity_pool_trusts(role):
            gaps = []
            if aud := trust.aud_gap(statement):
                gaps.append(
                    f"{aud}: tokens of other identity pools, other accounts' included, may "
                    "assume it"
                )
            if not trust.has_amr(statement):
                gaps.append(
                    "no amr condition: guests and every signed-in identity of the pool may "
                    "assume it"
                )
            if gaps:
                yield (
                    role.key,
                    f"Its {COGNITO_IDENTITY} trust has {'; and '.join(gaps)}. Pin "
                    "StringEquals cognito-identity.amazonaws.com:aud to the identity pool id "
                    "and ForAnyValue:StringLike cognito-identity.amazonaws.com:amr.",
                )


@rule(TOKEN_CHECK)
def no_server_side_token_check(subject: Subject) -> Iterator[Finding]:
    for pool in subject.pools:
        for provider in pool.providers:
            if provider.kind == "user pool" and not provider.server_side_token_check:
                yield (
                    f"{pool.key} / {provider.label}",
                    "ServerSideTokenCheck is off: the identity pool does not ask the user pool "
                    "whether the user was signed out globally or deleted, so their unexpired "
                    "ID token still gets credentials.",
                )


@rule(SELF_SIGN_UP)
def self_sign_up_with_group_roles(subject: Subject) -> Iterator[Finding]:
    template = subject.template
    for user_pool_id in template.of_type("AWS::Cognito::UserPool"):
        props = template.properties(user_pool_id)
        config = props.get("AdminCreateUserConfig")
        admin_only = isinstance(config, dict) and flag(config.get("AllowAdminCreateUserOnly"))
        groups = []
        for group_id in template.of_type("AWS::Cognito::UserPoolGroup"):
            group = template.properties(group_id)
            if group.get("RoleArn") and user_pool_id in template.references(
                group.get("UserPoolId")
            ):
                groups.append(template.text(group.get("GroupName", group_id)))
        if admin_only or not groups:
            continue
        name = template.name_of(user_pool_id)
        open_to_strangers = sorted(_reachable_after_sign_up(name, subject))
        yield (
            name,
            "Anyone can sign up (AdminCreateUserConfig.AllowAdminCreateUserOnly is not true) "
            f"while its groups carry roles ({', '.join(sorted(groups))}). Group membership is "
            "set by administrators, but a stranger who signs up gets "
            + (
                ", ".join(open_to_strangers)
                if open_to_strangers
                else "whatever the identity pools give a user in no group"
            )
            + ". Turn sign-up off, or make sure those roles are meant for anyone.",
        )


def _reachable_after_sign_up(user_pool: str, subject: Subject) -> Iterator[str]:
    """What a new user of the user pool, in no group, may reach: each identity pool's default
    authenticated role, the roles rules of this user pool map to, and every role trusting any
    authenticated identity of the pool."""
    for pool in subject.pools:
        providers = [p for p in pool.providers if p.kind == "user pool" and p.name == user_pool]
        if not providers:
            continue
        if pool.default_role:
            yield f"the default authenticated role {pool.default_role} of {pool.key}"
        for provider in providers:
            for r in provider.rules:
                if r.role:
                    yield f"{r.role} (rule {r.order} of {pool.key}, if the user's token matches it)"
        for role_key in open_roles(pool, subject.roles):
            yield f"{role_key} (its trust admits any identity of {pool.key})"


def _sign_ins(pool: Pool) -> list[tuple[str, tuple[str, ...], set[str]]]:
    """Each way to sign in to the pool: its name in the report, the amr values its identities
    carry, and the roles besides the default one its mapping may give. A developer identity's
    amr holds the developer provider's name (and, assumed, ``<provider>:<pool>:<user>``, see
    facts.cognito); no mapping gives it any role but the default."""
    found = [(provider.label, provider.amr, provider.mapped_roles) for provider in pool.providers]
    if pool.developer_provider:
        name = pool.developer_provider
        example = developer_user_login(name, "us-east-1:example", "user")
        found.append((f"developer provider {name}", (name, example), set()))
    return found


@rule(UNMAPPED_PROVIDER)
def trust_admits_unmapped_provider(subject: Subject) -> Iterator[Finding]:
    for pool in subject.pools:
        open_ = open_roles(pool, subject.roles)
        for role in subject.roles.values():
            if role.key in (pool.default_role, pool.guest_role) or role.key in open_:
                continue
            statements = [s for s in trust.identity_pool_trusts(role) if trust.admits_pool(s, pool)]
            strangers = [
                label
                for label, amr, mapped in _sign_ins(pool)
                if role.key not in mapped and any(trust.admits_provider(s, amr) for s in statements)
            ]
            if strangers:
                yield (
                    role.key,
                    f"Its trust ({'; '.join(_amr_text(s) for s in statements)}) admits identities "
                    f"of {', '.join(strangers)} of identity pool {pool.key}, though no role "
                    "mapping gives them this role: they can take it straight from STS with an "
                    "identity pool token and sts:AssumeRoleWithWebIdentity. Name in amr only "
                    "the providers whose mappings reach this role, without wildcards.",
                )


@rule(FOREIGN_POOL)
def trust_admits_another_pool(subject: Subject) -> Iterator[Finding]:
    for role in subject.roles.values():
        for statement in trust.identity_pool_trusts(role):
            if trust.aud_gap(statement) is not None:
                continue  # trust-without-aud-or-amr says it
            if any(trust.admits_pool(statement, pool) for pool in subject.pools):
                continue
            if trust.admits_any_authenticated(statement):
                yield (
                    role.key,
                    f"Its trust admits any authenticated identity ({_amr_text(statement)}) of "
                    f"identity pool {_aud_text(statement)}, which this template does not "
                    "define: every identity of every provider of that pool can assume it, and "
                    "nothing here shows which identities that is. Trust only this stack's "
                    "pool, or make sure the role is that pool's default authenticated role.",
                )


def _aud_text(statement: Statement) -> str:
    return " | ".join(
        value
        for keys in statement.conditions.values()
        for key, values in keys.items()
        if key.lower() == AUD.lower()
        for value in values
    )


@rule(ANY_PRINCIPAL)
def trust_admits_any_principal(subject: Subject) -> Iterator[Finding]:
    for role in subject.roles.values():
        for statement in role.trust:
            if trust.any_principal(statement):
                yield (
                    role.key,
                    f"Its trust allows {', '.join(statement.principal_labels)} to call "
                    f"{', '.join(statement.action_labels)}: any principal, of any account or "
                    "identity provider, that its conditions admit. Name the principal.",
                )


@rule(UNREADABLE_PRINCIPAL)
def trust_principal_unreadable(subject: Subject) -> Iterator[Finding]:
    for role in subject.roles.values():
        for statement in role.trust:
            unread = trust.unreadable_principals(statement)
            if statement.effect == "Allow" and unread:
                yield (
                    role.key,
                    f"Its trust names principal {', '.join(unread)}, which the template leaves "
                    "open (a parameter or an intrinsic function): the review cannot tell who "
                    "may assume it, and reads it as any principal. Write the principal out.",
                )


@rule(TRUST_NOT_ACTION)
def trust_with_not_action(subject: Subject) -> Iterator[Finding]:
    for role in subject.roles.values():
        for statement in role.trust:
            if statement.effect == "Allow" and statement.not_actions:
                yield (
                    role.key,
                    f"Its trust allows every action but {', '.join(statement.not_actions)} "
                    f"(NotAction) to {', '.join(statement.principal_labels) or 'its principal'}"
                    f": {trust.ASSUME_WEB_IDENTITY}, sts:TagSession and any action STS adds "
                    "later included. List the actions.",
                )


RULES: tuple[Rule, ...] = (
    guest_access,
    classic_flow,
    claim_outside_provider_list,
    partial_match_rule,
    tags_without_tag_session,
    twitter_secret_in_template,
    wildcard_action,
    role_trusts_any_identity,
    trust_without_aud_or_amr,
    no_server_side_token_check,
    self_sign_up_with_group_roles,
    trust_admits_unmapped_provider,
    trust_admits_another_pool,
    trust_admits_any_principal,
    trust_principal_unreadable,
    trust_with_not_action,
)


def risks(template: Template, pools: list[Pool], roles: dict[str, Role]) -> list[Risk]:
    subject = Subject(template, pools, roles)
    return [risk for r in RULES for risk in r.run(subject)]


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
