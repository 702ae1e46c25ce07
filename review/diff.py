"""What changed between two reviews: who reaches which role, and what each role may do.

Roles are matched by construct path (stable across synths), identities by their label
(provider, then group or rule). A change *widens* access when:
- an identity reaches a role it did not reach (a new role reachable, guest access turned on);
- a role allows an (action, resource) it did not, or an allowed one under looser conditions;
- a Deny statement goes away;
- a trust policy admits a principal or action it did not, or drops or widens a condition;
- the classic flow is turned on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from review.report import Review, StackReview
from review.roles import Conditions, Role, Statement


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
        before = old_pools.get(pool.key)
        if pool.guest and not (before and before.guest):
            changes.append(Change(True, pool.key, "guest access turned on"))
        if before and before.guest and not pool.guest:
            changes.append(Change(False, pool.key, "guest access turned off"))
        if pool.classic_flow and not (before and before.classic_flow):
            changes.append(Change(True, pool.key, "classic (basic) flow turned on"))
        if before and before.classic_flow and not pool.classic_flow:
            changes.append(Change(False, pool.key, "classic (basic) flow turned off"))
    old_reach = _reach(old)
    new_reach = _reach(new)
    for label in sorted(set(old_reach) | set(new_reach)):
        role_before, role_after = old_reach.get(label), new_reach.get(label)
        if role_before == role_after:
            continue
        if role_after is not None:
            changes.append(Change(True, label, f"now reaches role {_name(new, role_after)}"))
        if role_before is not None:
            changes.append(
                Change(False, label, f"no longer reaches role {_name(old, role_before)}")
            )
    for key in sorted(set(old.roles) | set(new.roles)):
        changes += _role_changes(old.roles.get(key), new.roles.get(key), key)
    reached_by = {key: new.reachers(key) or old.reachers(key) for key in new.roles | old.roles}
    return StackDiff(name, changes, reached_by)


def _reach(stack: StackReview) -> dict[str, str]:
    return {
        f"{pool.key}: {identity.label}": identity.role
        for pool in stack.pools
        for identity in pool.identities
        if identity.role is not None
    }


def _name(stack: StackReview, key: str) -> str:
    role = stack.roles.get(key)
    return role.name if role else key


def _role_changes(old: Role | None, new: Role | None, key: str) -> list[Change]:
    either = new or old
    subject = f"role {either.name if either else key}"
    if new is None:
        return [Change(False, subject, "removed", key)]
    if old is None:
        changes = [Change(new.identity_pool_role, subject, "new role")]
        old = Role(key, "", key, "", [], [], [])
    else:
        changes = []
    changes += _grant_changes(old.permissions, new.permissions, subject, "")
    changes += _grant_changes(old.trust, new.trust, subject, "trust: ")
    for arn in sorted(set(new.outside_policies) - set(old.outside_policies)):
        changes.append(Change(True, subject, f"attaches managed policy {arn}"))
    for arn in sorted(set(old.outside_policies) - set(new.outside_policies)):
        changes.append(Change(False, subject, f"detaches managed policy {arn}"))
    return [Change(c.widens, c.subject, c.what, key) for c in changes]


Grants = dict[tuple[str, str, str, str], list[Conditions]]


def _grants(statements: Iterable[Statement]) -> Grants:
    """(effect, principal, action, resource) -> the conditions of each statement granting it."""
    grants: Grants = {}
    for s in statements:
        for principal in s.principals or ["-"]:
            for action in s.actions or ["-"]:
                for resource in s.resources or ["-"]:
                    grants.setdefault((s.effect, principal, action, resource), []).append(
                        s.conditions
                    )
    return grants


def _at_least_as_strict(new: Conditions, old: Conditions) -> bool:
    """Every condition of ``old`` is in ``new`` with the same or fewer accepted values."""
    return all(
        key in new.get(operator, {}) and set(new[operator][key]) <= set(values)
        for operator, keys in old.items()
        for key, values in keys.items()
    )


def _describe(grant: tuple[str, str, str, str], trust: str) -> str:
    effect, principal, action, resource = grant
    who = f"{principal} " if trust else ""
    where = f" on {resource}" if resource != "-" else ""
    return f"{trust}{effect} {who}{action}{where}"


def _loosened(old: list[Conditions], new: list[Conditions]) -> list[str]:
    """How the new conditions accept more than the old ones did (empty: they do not)."""
    found = []
    for conditions in new:
        if any(_at_least_as_strict(conditions, before) for before in old):
            continue
        closest = old[0] if old else {}
        for operator, keys in closest.items():
            for key, values in keys.items():
                now = conditions.get(operator, {}).get(key)
                if now is None:
                    found.append(f"condition {operator} {key} removed")
                elif extra := sorted(set(now) - set(values)):
                    found.append(f"condition {operator} {key} widened to also accept {extra}")
        if not found:
            found.append("conditions loosened")
    return found


def _grant_changes(
    old_statements: list[Statement], new_statements: list[Statement], subject: str, trust: str
) -> list[Change]:
    old, new = _grants(old_statements), _grants(new_statements)
    changes = []
    for grant in sorted(set(new) - set(old)):
        allow = grant[0] == "Allow"
        conditions = _conditions(new[grant])
        changes.append(Change(allow, subject, f"+ {_describe(grant, trust)}{conditions}"))
    for grant in sorted(set(old) - set(new)):
        deny = grant[0] == "Deny"
        changes.append(Change(deny, subject, f"- {_describe(grant, trust)}"))
    for grant in sorted(set(old) & set(new)):
        if old[grant] == new[grant]:
            continue
        if grant[0] == "Allow":
            loosened = _loosened(old[grant], new[grant])
            what = "; ".join(loosened) if loosened else "conditions tightened"
            changes.append(Change(bool(loosened), subject, f"~ {_describe(grant, trust)}: {what}"))
        else:
            changes.append(
                Change(False, subject, f"~ {_describe(grant, trust)}: conditions changed")
            )
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
