"""What changed between two reviews: who reaches which role, and what each role may do.

Roles are matched by construct path (stable across synths), identities by their label
(provider, then group or rule). A change *widens* access when:
- an identity reaches a role it did not reach (a new role reachable, guest access turned on);
- who reaches which role may change: a group's precedence, the order of rules, the server-side
  token check turned off, the classic flow turned on;
- a role allows a grant no old Allow covered (globs and conditions compared), or an allowed
  one under conditions not provably as strict;
- a Deny goes away or changes, unless a new Deny covers it whenever it applied;
- a trust policy admits what the old one did not cover (the same comparison);
- a managed policy from outside the template is attached, the permissions boundary is removed
  or changed, or a role is new (whoever may assume it).
What it cannot prove narrower counts as widening; docs/review.md lists what it does not read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from facts.cognito import AMR, AUTHENTICATED
from facts.iam import glob_matches
from review.access import Pool, Provider, RulePath
from review.report import Review, StackReview
from review.roles import INVOKE, Conditions, Role, Statement, api_route
from review.trust import implies_authenticated


@dataclass(frozen=True)
class Change:
    widens: bool
    subject: str  # an identity, a role or a pool
    what: str
    role: str | None = None  # the role's key, for a role's change


@dataclass(frozen=True)
class StackDiff:
    stack: str
    changes: list[Change] = field(default_factory=list)
    reached_by: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Diff:
    stacks: list[StackDiff]

    @property
    def widens(self) -> bool:
        return any(c.widens for s in self.stacks for c in s.changes)


def diff(old: Review, new: Review) -> Diff:
    old_stacks = {s.stack: s for s in old.stacks}
    new_stacks = {s.stack: s for s in new.stacks}
    if len(old_stacks) == len(new_stacks) == 1 and set(old_stacks) != set(new_stacks):
        # Two single-stack files (python -m review diff OLD NEW): compare them whatever their names.
        old_stacks = {next(iter(new_stacks)): next(iter(old_stacks.values()))}
    empty = StackReview(stack="", pools=[], roles={})
    return Diff(
        [
            diff_stack(old_stacks.get(name, empty), new_stacks.get(name, empty), name)
            for name in sorted(set(old_stacks) | set(new_stacks))
        ]
    )


def diff_stack(old: StackReview, new: StackReview, name: str) -> StackDiff:
    changes: list[Change] = []
    old_pools = {p.key: p for p in old.pools}
    for pool in new.pools:
        changes += _pool_changes(old_pools.get(pool.key), pool)
    old_reach = _reach(old)
    new_reach = _reach(new)
    for label in sorted(set(old_reach) | set(new_reach)):
        roles_before, roles_after = old_reach.get(label, set()), new_reach.get(label, set())
        for role in sorted(roles_after - roles_before):
            changes.append(Change(True, label, f"now reaches role {_name(new, role)}"))
        for role in sorted(roles_before - roles_after):
            changes.append(Change(False, label, f"no longer reaches role {_name(old, role)}"))
    for key in sorted(set(old.roles) | set(new.roles)):
        changes += _role_changes(old.roles.get(key), new.roles.get(key), key)
    reached_by = {key: new.reachers(key) or old.reachers(key) for key in new.roles | old.roles}
    return StackDiff(name, changes, reached_by)


def _switch(
    before: bool, after: bool, subject: str, what: str, widens_when_on: bool
) -> list[Change]:
    if before == after:
        return []
    on = after
    return [Change(on == widens_when_on, subject, f"{what} turned {'on' if on else 'off'}")]


def _pool_changes(before: Pool | None, pool: Pool) -> list[Change]:
    """Pool and provider settings that change who reaches which role without changing any
    identity's label: guest access, the classic flow, the server-side token check, group
    precedence (the preferred role) and the order of rules (the first match wins)."""
    changes = _switch(bool(before and before.guest), pool.guest, pool.key, "guest access", True)
    changes += _switch(
        bool(before and before.classic_flow),
        pool.classic_flow,
        pool.key,
        "classic (basic) flow",
        True,
    )
    if before is None:
        return changes
    old_providers = {p.label: p for p in before.providers}
    for provider in pool.providers:
        old = old_providers.get(provider.label)
        if old is None:
            continue
        subject = f"{pool.key}: {provider.label}"
        if old.server_side_token_check and provider.server_side_token_check is False:
            changes.append(
                Change(
                    True,
                    subject,
                    "server-side token check turned off (tokens of signed-out or removed users "
                    "still get credentials)",
                )
            )
        if old.server_side_token_check is False and provider.server_side_token_check:
            changes.append(Change(False, subject, "server-side token check turned on"))
        old_precedence = {g.group: g.precedence for g in old.groups}
        for group in provider.groups:
            if group.group in old_precedence and old_precedence[group.group] != group.precedence:
                changes.append(
                    Change(
                        True,
                        subject,
                        f"group {group.group} precedence {old_precedence[group.group]} -> "
                        f"{group.precedence}: changes which role is preferred for users in "
                        "several groups",
                    )
                )
        changes += _rule_order(old, provider, subject)
    return changes


def _rule_order(old: Provider, new: Provider, subject: str) -> list[Change]:
    """Rules run in order and the first match wins: only appending rules at the end leaves
    every earlier match as it was (what the appended rules reach shows as "now reaches")."""

    def key(rule: RulePath) -> tuple[str, str, str, str | None]:
        return (rule.claim, rule.match_type, rule.value, rule.role)

    before, after = [key(r) for r in old.rules], [key(r) for r in new.rules]
    if before == after or after[: len(before)] == before:
        return []

    def show(rules: list[tuple[str, str, str, str | None]]) -> str:
        return "; ".join(f"{i}. {c} {m} {v!r}" for i, (c, m, v, _) in enumerate(rules, 1)) or "none"

    narrows = before[: len(after)] == after and new.ambiguous == old.ambiguous == "Deny"
    what = (
        "rules removed from the end (their matches are now denied)"
        if narrows
        else "rules reordered or removed (first match wins: users may now match another rule)"
    )
    return [Change(not narrows, subject, f"{what}: {show(before)} -> {show(after)}")]


def _reach(stack: StackReview) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for pool in stack.pools:
        for identity in pool.identities:
            if identity.role is not None:
                found.setdefault(f"{pool.key}: {identity.label}", set()).add(identity.role)
    return found


def _name(stack: StackReview, key: str) -> str:
    role = stack.roles.get(key)
    return role.name if role else key


def _role_changes(old: Role | None, new: Role | None, key: str) -> list[Change]:
    either = new or old
    subject = f"role {either.name if either else key}"
    if new is None:
        return [Change(False, subject, "removed", key)]
    if old is None:
        # A new role is new permissions in the account whoever may assume it: the role line
        # widens like its grants do.
        trusted = (
            "an identity pool may assume it"
            if new.identity_pool_role
            else "no identity pool trusts it; its trust policy says who may assume it"
        )
        changes = [Change(True, subject, f"new role ({trusted})")]
        old = Role(key, "", key, "", [], [], [])
    else:
        changes = []
    changes += _grant_changes(old.permissions, new.permissions, subject, "")
    changes += _grant_changes(old.trust, new.trust, subject, "trust: ")
    for arn in sorted(set(new.outside_policies) - set(old.outside_policies)):
        changes.append(Change(True, subject, f"attaches managed policy {arn}"))
    for arn in sorted(set(old.outside_policies) - set(new.outside_policies)):
        changes.append(Change(False, subject, f"detaches managed policy {arn}"))
    if old.permissions_boundary != new.permissions_boundary:
        if new.permissions_boundary is None:
            changes.append(
                Change(True, subject, f"permissions boundary {old.permissions_boundary} removed")
            )
        elif old.permissions_boundary is None:
            changes.append(
                Change(False, subject, f"permissions boundary {new.permissions_boundary} added")
            )
        else:
            changes.append(
                Change(
                    True,
                    subject,
                    f"permissions boundary {old.permissions_boundary} -> "
                    f"{new.permissions_boundary} (its contents are not compared)",
                )
            )
    return [Change(c.widens, c.subject, c.what, key) for c in changes]


Part = tuple[bool, tuple[str, ...]]  # (negated, patterns): "s3:Get*" or NotAction [a, b]
Grant = tuple[str, Part, Part, Part]  # effect, principal, action, resource
Grants = dict[Grant, list[Conditions]]
NONE: Part = (False, ("-",))


def _parts(plain: list[str], negated: list[str]) -> list[Part]:
    parts: list[Part] = [(False, (p,)) for p in plain]
    if negated:
        parts.append((True, tuple(negated)))
    return parts or [NONE]


def _grants(statements: Iterable[Statement]) -> Grants:
    """(effect, principal, action, resource) -> the conditions of each statement granting it.

    A ``NotAction``/``NotResource``/``NotPrincipal`` list is one part of its own, so a change
    to that list is a different grant."""
    grants: Grants = {}
    for s in statements:
        for principal in _parts(s.principals, s.not_principals):
            for action in _parts(s.actions, s.not_actions):
                for resource in _parts(s.resources, s.not_resources):
                    grants.setdefault((s.effect, principal, action, resource), []).append(
                        s.conditions
                    )
    return grants


def _wild(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


def _may_overlap(a: str, b: str, fold: bool) -> bool:
    """Some string may match both patterns (an over-approximation: it never misses one)."""
    if glob_matches(a, b, ignore_case=fold) or glob_matches(b, a, ignore_case=fold):
        return True
    if not _wild(a) and not _wild(b):
        return False
    if fold:
        a, b = a.lower(), b.lower()
    head_a, head_b = re.split(r"[*?]", a)[0], re.split(r"[*?]", b)[0]
    tail_a, tail_b = re.split(r"[*?]", a)[-1], re.split(r"[*?]", b)[-1]
    return (head_a.startswith(head_b) or head_b.startswith(head_a)) and (
        tail_a.endswith(tail_b) or tail_b.endswith(tail_a)
    )


def _part_covers(old: Part, new: Part, fold: bool = False) -> bool:
    """Everything ``new`` matches, ``old`` matches too."""
    (old_negated, old_patterns), (new_negated, new_patterns) = old, new
    if not old_negated and not new_negated:
        return glob_matches(old_patterns[0], new_patterns[0], ignore_case=fold)
    if old_negated and not new_negated:  # all but old_patterns covers p if p avoids them all
        return not any(_may_overlap(x, new_patterns[0], fold) for x in old_patterns)
    if not old_negated:  # only a full wildcard covers "all but ..."
        return old_patterns[0] == "*"
    # Both "all but": new must leave out at least what old leaves out.
    return all(
        any(glob_matches(y, x, ignore_case=fold) for y in new_patterns) for x in old_patterns
    )


def _grant_covers(old: Grant, new: Grant) -> bool:
    return (
        old[0] == new[0]
        and _part_covers(old[1], new[1])
        and _part_covers(old[2], new[2], fold=True)
        and _part_covers(old[3], new[3])
    )


_QUALIFIERS = re.compile(r"^(ForAnyValue:|ForAllValues:)?(.*?)(IfExists)?$")
_LIKE = {"StringLike": "StringEquals", "StringNotLike": "StringNotEquals"}
_GLOB_OPERATORS = {
    "StringLike",
    "StringNotLike",
    "ArnLike",
    "ArnNotLike",
    "ArnEquals",
    "ArnNotEquals",
}


def _operator(operator: str) -> tuple[str, str, bool]:
    """(set qualifier, base operator, IfExists) of a condition operator."""
    match = _QUALIFIERS.match(operator)
    assert match is not None  # noqa: S101 - the pattern matches every string
    return match.group(1) or "", match.group(2), bool(match.group(3))


def _negated(base: str) -> bool:
    return "Not" in base


def _values_imply(base: str, new: list[str], old: list[str]) -> bool:
    """Under the same operator ``base``, the new values accept no more than the old ones."""
    fold = base.endswith("IgnoreCase")
    if base.startswith(("Numeric", "Date")) and not base.endswith(("Equals", "NotEquals")):
        return set(new) == set(old)  # bounds: not compared, only kept

    def covers(a: str, b: str, fold: bool = fold) -> bool:
        if base in _GLOB_OPERATORS:
            return glob_matches(a, b, ignore_case=fold)
        return a.lower() == b.lower() if fold else a == b

    if _negated(base):  # accepts everything but the values: more values accept less
        return all(any(covers(n, o, fold) for n in new) for o in old)
    return all(any(covers(o, n, fold) for o in old) for n in new)


def _condition_implies(key: str, new_op: str, new: list[str], old_op: str, old: list[str]) -> bool:
    """Whenever ``new_op new`` holds, ``old_op old`` holds."""
    new_set, new_base, new_if_exists = _operator(new_op)
    old_set, old_base, old_if_exists = _operator(old_op)
    if new_set != old_set or (new_if_exists and not old_if_exists):
        return False
    if key.lower() == AMR and _pins_providers(new_set, new_base, new, old_base, old):
        return True
    if new_base in _LIKE and not any("*" in v or "?" in v for v in new):
        new_base = _LIKE[new_base]  # StringLike without wildcards is StringEquals
    if new_base == old_base:
        return _values_imply(old_base, new, old)
    if _LIKE.get(old_base) == new_base:  # StringEquals x implies StringLike patterns matching x
        if _negated(old_base):  # StringNotEquals v implies StringNotLike p only when p == v
            return all(any(o == n for n in new) for o in old)
        return all(any(glob_matches(o, n) for o in old) for n in new)
    return False


def _pins_providers(
    qualifier: str, new_base: str, new: list[str], old_base: str, old: list[str]
) -> bool:
    """``ForAnyValue`` ``amr`` narrowed from ``authenticated`` to provider names: a token
    naming a provider is an authenticated identity's (trust.implies_authenticated), so the new
    condition holds only where the old one did."""
    positive = ("StringEquals", "StringLike")
    if qualifier != "ForAnyValue:" or new_base not in positive or old_base not in positive:
        return False
    glob = new_base == "StringLike"
    return AUTHENTICATED in old and all(
        n in old or implies_authenticated(n, glob=glob) for n in new
    )


def _implies(new: Conditions, old: Conditions) -> bool:
    """Whenever the ``new`` conditions hold, the ``old`` ones hold too (so far as comparing
    operators and value sets can show; anything it cannot show counts as not implied)."""
    return all(
        any(
            _condition_implies(key, new_op, new_values, operator, values)
            for new_op, new_keys in new.items()
            for new_key, new_values in new_keys.items()
            if new_key.lower() == key.lower()
        )
        for operator, keys in old.items()
        for key, values in keys.items()
    )


def _allowed_before(grant: Grant, conditions: Conditions, old: Grants) -> bool:
    """An old Allow grant matched this one's principal, action and resource, under conditions
    at least as loose."""
    return any(
        _grant_covers(before, grant) and any(_implies(conditions, c) for c in old_conditions)
        for before, old_conditions in old.items()
    )


def _still_denied(grant: Grant, conditions: Conditions, new: Grants) -> bool:
    """A new Deny covers this old Deny's principal, action and resource whenever it applied."""
    return any(
        _grant_covers(after, grant) and any(_implies(conditions, c) for c in new_conditions)
        for after, new_conditions in new.items()
    )


def _label(part: Part, kind: str) -> str:
    negated, patterns = part
    return f"{kind} [{', '.join(patterns)}]" if negated else patterns[0]


def _describe(grant: Grant, trust: str) -> str:
    effect, principal, action, resource = grant
    who = f"{_label(principal, 'NotPrincipal')} " if trust else ""
    where = f" on {_label(resource, 'NotResource')}" if resource != NONE else ""
    return f"{trust}{effect} {who}{_label(action, 'NotAction')}{where}{_route(action, resource)}"


def _route(action: Part, resource: Part) -> str:
    """An API route, spelled out: what an ``execute-api:Invoke`` grant lets the role call."""
    (action_negated, (action_pattern, *_)), (resource_negated, (pattern, *_)) = action, resource
    if (
        action_negated
        or resource_negated
        or not glob_matches(action_pattern, INVOKE, ignore_case=True)
    ):
        return ""
    route = api_route(pattern, {})
    return f" (route {route.route} of {route.api}, stage {route.stage})" if route else ""


def _loosened(old: list[Conditions], new: list[Conditions]) -> list[str]:
    """How the new conditions accept more than the old ones did."""
    found = []
    for conditions in new:
        if any(_implies(conditions, before) for before in old):
            continue
        closest = old[0] if old else {}
        for operator, keys in closest.items():
            for key, values in keys.items():
                now = conditions.get(operator, {}).get(key)
                if now is None:
                    others = [op for op, ks in conditions.items() if key in ks]
                    if others:
                        found.append(f"condition {operator} {key} now {', '.join(others)}")
                    else:
                        found.append(f"condition {operator} {key} removed")
                elif _negated(_operator(operator)[1]):
                    if dropped := sorted(set(values) - set(now)):
                        found.append(f"condition {operator} {key} no longer excludes {dropped}")
                elif extra := sorted(set(now) - set(values)):
                    found.append(f"condition {operator} {key} widened to also accept {extra}")
        if not found:
            found.append("conditions changed, not provably narrower")
    return found


def _grant_changes(
    old_statements: list[Statement], new_statements: list[Statement], subject: str, trust: str
) -> list[Change]:
    """Grant by grant. An Allow widens unless an old Allow covered it (its action and resource
    globs match, under conditions at least as loose); a Deny that goes away or changes widens
    unless a new Deny covers it whenever it applied."""
    old, new = _grants(old_statements), _grants(new_statements)
    changes = []
    for grant in sorted(set(new) - set(old)):
        text = f"+ {_describe(grant, trust)}{_conditions(new[grant])}"
        if grant[0] == "Allow":
            widens = not all(_allowed_before(grant, c, old) for c in new[grant])
            changes.append(Change(widens, subject, text if widens else f"{text} (already allowed)"))
        else:
            changes.append(Change(False, subject, text))
    for grant in sorted(set(old) - set(new)):
        text = f"- {_describe(grant, trust)}"
        if grant[0] == "Allow":
            changes.append(Change(False, subject, text))
        else:
            widens = not all(_still_denied(grant, c, new) for c in old[grant])
            changes.append(Change(widens, subject, text if widens else f"{text} (still denied)"))
    for grant in sorted(set(old) & set(new)):
        if old[grant] == new[grant]:
            continue
        if grant[0] == "Allow":
            widens = not all(_allowed_before(grant, c, old) for c in new[grant])
            what = (
                "; ".join(_loosened(old[grant], new[grant])) if widens else "conditions no looser"
            )
        else:
            widens = not all(_still_denied(grant, c, new) for c in old[grant])
            what = (
                "conditions changed: the Deny may apply less often"
                if widens
                else "conditions loosened: the Deny applies at least as often"
            )
        changes.append(Change(widens, subject, f"~ {_describe(grant, trust)}: {what}"))
    return changes


def _conditions(conditions: list[Conditions]) -> str:
    parts = [
        f"{operator} {key} = {' | '.join(values)}"
        for c in conditions
        for operator, keys in c.items()
        for key, values in keys.items()
    ]
    return f" when {'; '.join(parts)}" if parts else ""


def to_text(result: Diff, old_label: str, new_label: str) -> str:
    lines = [f"Permission diff: {old_label} -> {new_label}"]
    for stack in result.stacks:
        lines.append(f"\nStack {stack.stack}:")
        if not stack.changes:
            lines.append("  no change in who reaches which role or what the roles may do")
        subjects: dict[str, list[Change]] = {}
        for change in stack.changes:
            subjects.setdefault(change.subject, []).append(change)
        for subject, changes in subjects.items():
            reached = stack.reached_by.get(changes[0].role or "", [])
            lines.append(
                f"  {subject}" + (f" (reached by: {', '.join(reached)})" if reached else "")
            )
            lines += [f"    {'WIDENS ' if c.widens else 'narrows'} {c.what}" for c in changes]
    verdict = "access WIDENS" if result.widens else "no access widened"
    lines.append(f"\nResult: {verdict}")
    return "\n".join(lines) + "\n"
