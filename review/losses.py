"""What a change would remove or replace of the resources that hold users or their data.

Read as ``cdk diff`` reads it (``review/specification.py``): a logical id that disappears is a
removal; a resource whose type changes, or whose top-level property the resource specification
marks ``causesReplacement``, is replaced. Beyond ``cdk diff``, a replacing property that names a
replaced resource (a group's ``UserPoolId`` when the pool goes) replaces its resource too, since
the value it resolves to changes. What holds users or their data: the types the specification
marks ``isStateful``, plus what that flag misses (``MISSED_BY_THE_SPECIFICATION``). Losing a
protection counts too: a ``DeletionPolicy``/``UpdateReplacePolicy`` that kept the resource and no
longer does, deletion protection or point-in-time recovery turned off, the stack's termination
protection turned off.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from facts.cloudformation import Json
from review.specification import Specification
from review.template import Template, flag

USER_POOL = "AWS::Cognito::UserPool"
IDENTITY_POOL = "AWS::Cognito::IdentityPool"
GROUP = "AWS::Cognito::UserPoolGroup"
APP_CLIENT = "AWS::Cognito::UserPoolClient"
TABLE = "AWS::DynamoDB::Table"

# Not ``isStateful`` in the specification, yet each holds what users cannot get back.
MISSED_BY_THE_SPECIFICATION = frozenset({IDENTITY_POOL, GROUP, APP_CLIENT})

# What a reader calls the resource, and what its loss means, in plain words. Which resources
# count and which changes replace them come from the specification, never from this table.
_WORDS: dict[str, tuple[str, str]] = {
    USER_POOL: ("the user pool", "every user is lost (accounts, passwords, MFA, memberships)"),
    IDENTITY_POOL: (
        "the identity pool",
        "every identity id is issued anew, so each user's data keyed by their identity id "
        "(private/<id>/ and protected/<id>/ objects, items' owner, developer-user mappings) "
        "is orphaned",
    ),
    GROUP: ("group", "its members lose it"),
    APP_CLIENT: (
        "the app client",
        "its client id changes: every app configured with the old one stops signing in",
    ),
    TABLE: ("table", "every item in it is lost"),
    "AWS::S3::Bucket": ("bucket", "every object in it is lost"),
    "AWS::KMS::Key": ("KMS key", "what is encrypted under it cannot be decrypted once it is gone"),
    "AWS::Logs::LogGroup": ("log group", "its logs are lost"),
}

# How much of a resource a DeletionPolicy/UpdateReplacePolicy keeps (absent: Delete).
_KEEPS = {"Retain": 2, "RetainExceptOnCreate": 2, "Snapshot": 1}
_POLICIES = ("DeletionPolicy", "UpdateReplacePolicy")
# Deletion protection as CloudFormation spells it: UserPool DeletionProtection ACTIVE,
# Table DeletionProtectionEnabled true, RDS DeletionProtection true...
_DELETION_PROTECTION = re.compile(r"DeletionProtection")
_ON = ("ACTIVE", "ENABLED")


@dataclass(frozen=True)
class Loss:
    stack: str
    subject: str  # how the message names the resource: "group viewers", "the user pool Users/Pool"
    kind: str  # removed | replaced | may-replace | unprotected | stack-removed
    message: str


@dataclass(frozen=True)
class SynthesizedStack:
    """One stack of a cloud assembly: its template and, when known, its termination protection
    (the manifest's; a bare template file does not carry it)."""

    template: Template
    termination_protection: bool | None = None

    @property
    def name(self) -> str:
        return self.template.name


def assembly(outdir: Path) -> dict[str, SynthesizedStack]:
    """Every stack of a cloud assembly directory, by artifact id, with the manifest's
    termination protection."""
    manifest = outdir / "manifest.json"
    protection: dict[str, bool] = {}
    if manifest.is_file():
        artifacts = json.loads(manifest.read_text()).get("artifacts", {})
        for artifact_id, artifact in artifacts.items():
            if artifact.get("type") == "aws:cloudformation:stack":
                properties = artifact.get("properties", {})
                protection[artifact_id] = bool(properties.get("terminationProtection"))
    stacks = {}
    for path in sorted(outdir.glob("*.template.json")):
        template = Template.load(path)
        stacks[template.name] = SynthesizedStack(template, protection.get(template.name))
    return stacks


def holds_users_or_data(resource_type: str, spec: Specification) -> bool:
    return resource_type in MISSED_BY_THE_SPECIFICATION or spec.of(resource_type).stateful


def subject(template: Template, logical_id: str) -> str:
    """``group viewers``, ``the user pool Users/Pool``, ``table ItemsApi/Table``."""
    resource_type = template.type_of(logical_id) or "?"
    noun, _ = _WORDS.get(resource_type, (resource_type, ""))
    if resource_type == GROUP:
        name = template.properties(logical_id).get("GroupName")
        if isinstance(name, str):
            return f"{noun} {name}"
    return f"{noun} {template.name_of(logical_id)}"


def consequence(resource_type: str) -> str:
    return _WORDS.get(resource_type, ("", "the data it holds is lost"))[1]


def stack_losses(
    old: SynthesizedStack | None, new: SynthesizedStack | None, spec: Specification
) -> list[Loss]:
    """What deploying ``new`` over ``old`` (one stack, the same stage) would lose."""
    if old is None:
        return []
    if new is None:
        return _stack_removed(old, spec)
    before, after = old.template, new.template
    found: list[Loss] = []
    replaced = _replaced(before, after, spec)
    added = [k for k in after.resources if k not in before.resources]
    for logical_id, resource in before.resources.items():
        resource_type = resource.get("Type") if isinstance(resource, dict) else None
        if not isinstance(resource_type, str) or not holds_users_or_data(resource_type, spec):
            continue
        who = subject(before, logical_id)
        if logical_id not in after.resources:
            found.append(_removed(old, logical_id, resource_type, added, after, who))
        elif logical_id in replaced:
            kind, why = replaced[logical_id]
            verb = "would be replaced" if kind == "replaced" else "may be replaced"
            kept = _kept(before, logical_id, "UpdateReplacePolicy")
            found.append(
                Loss(old.name, who, kind, f"{who} {verb} ({why}): {_lost(resource_type, kept)}")
            )
        else:
            found += _protections_lost(old.name, before, after, logical_id, who, resource_type)
    if old.termination_protection and new.termination_protection is False:
        found.append(
            Loss(
                old.name,
                f"stack {old.name}",
                "unprotected",
                f"stack {old.name} loses termination protection: a `cdk destroy` or a deleted "
                "stack would no longer be refused",
            )
        )
    return found


def _stack_removed(old: SynthesizedStack, spec: Specification) -> list[Loss]:
    holders = [
        subject(old.template, k)
        for k, r in old.template.resources.items()
        if isinstance(r, dict) and holds_users_or_data(str(r.get("Type")), spec)
    ]
    if not holders:
        return []
    return [
        Loss(
            old.name,
            f"stack {old.name}",
            "stack-removed",
            f"stack {old.name} is no longer in the app (appName or stage renamed?): deploys stop "
            "updating it, and a new stack starts empty; its users and data stay behind in "
            f"{', '.join(holders)}",
        )
    ]


def _removed(
    old: SynthesizedStack,
    logical_id: str,
    resource_type: str,
    added: list[str],
    after: Template,
    who: str,
) -> Loss:
    successors = [subject(after, k) for k in added if after.type_of(k) == resource_type]
    kept = _kept(old.template, logical_id, "DeletionPolicy")
    gone = f"its logical id {logical_id} is gone from the template"
    if successors:
        return Loss(
            old.name,
            who,
            "replaced",
            f"{who} would be replaced by {', '.join(successors)} ({gone}): "
            f"{_lost(resource_type, kept)}",
        )
    if kept:
        what = (
            f"it leaves the stack, kept in the account by DeletionPolicy {kept} but managed by "
            "no stack (`cdk import` adopts it again)"
        )
    else:
        what = consequence(resource_type)
    return Loss(old.name, who, "removed", f"{who} would be removed ({gone}): {what}")


def _lost(resource_type: str, kept: str | None) -> str:
    if kept:
        return (
            f"the old one is kept in the account ({kept}), but the stack and its apps move to a "
            f"new, empty one: {consequence(resource_type)}"
        )
    return consequence(resource_type)


def _kept(template: Template, logical_id: str, policy: str) -> str | None:
    value = template.resources[logical_id].get(policy)
    return value if isinstance(value, str) and _KEEPS.get(value) else None


def _replaced(before: Template, after: Template, spec: Specification) -> dict[str, tuple[str, str]]:
    """Logical id -> (replaced | may-replace, why), for every resource of both templates.

    A replacing property that names a resource being replaced replaces its own
    resource too, repeated until nothing more changes (the pool, then its groups...).
    """
    common = [k for k in before.resources if k in after.resources]
    found: dict[str, tuple[str, str]] = {}
    for logical_id in common:
        old_type, new_type = before.type_of(logical_id), after.type_of(logical_id)
        if old_type != new_type:
            found[logical_id] = ("replaced", f"its type changes: {old_type} -> {new_type}")
            continue
        old_props, new_props = before.properties(logical_id), after.properties(logical_id)
        changed = [
            (name, impact)
            for name, impact in spec.of(str(old_type)).replacing.items()
            if old_props.get(name) != new_props.get(name)
        ]
        if changed:
            name, impact = min(changed, key=lambda c: c[1] != "yes")
            kind = "replaced" if impact == "yes" else "may-replace"
            found[logical_id] = (
                kind,
                f"{name} changes: {_show(before, old_props.get(name))} -> "
                f"{_show(after, new_props.get(name))}",
            )
    while True:
        more = {}
        for logical_id in common:
            if logical_id in found:
                continue
            for name in spec.of(str(before.type_of(logical_id))).replacing:
                named = after.references(after.properties(logical_id).get(name))
                hit = sorted(k for k in named if k in found)
                if hit:
                    more[logical_id] = (
                        "replaced",
                        f"{name} names {subject(before, hit[0])}, which is replaced",
                    )
                    break
        if not more:
            return found
        found.update(more)


def _show(template: Template, value: Json) -> str:
    if value is None:
        return "(absent)"
    text = template.text(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _protections_lost(
    stack: str, before: Template, after: Template, logical_id: str, who: str, resource_type: str
) -> list[Loss]:
    found: list[Loss] = []
    old, new = before.resources[logical_id], after.resources[logical_id]
    for policy in _POLICIES:
        was, now = old.get(policy), new.get(policy)
        if _KEEPS.get(str(was), 0) > _KEEPS.get(str(now), 0):
            when = "the stack or the resource is deleted" if policy == _POLICIES[0] else "replaced"
            found.append(
                Loss(
                    stack,
                    who,
                    "unprotected",
                    f"{who} loses {policy} {was} (now {now or 'Delete'}): once {when}, "
                    f"{consequence(resource_type)}",
                )
            )
    old_props, new_props = before.properties(logical_id), after.properties(logical_id)
    for name in sorted(old_props):
        turned_off = _on(old_props[name]) and not _on(new_props.get(name))
        if _DELETION_PROTECTION.search(name) and turned_off:
            found.append(
                Loss(
                    stack,
                    who,
                    "unprotected",
                    f"{who} loses deletion protection ({name} {_show(before, old_props[name])}"
                    f" -> {_show(after, new_props.get(name))})",
                )
            )
    if resource_type == TABLE and _recovery(old_props) and not _recovery(new_props):
        found.append(
            Loss(
                stack,
                who,
                "unprotected",
                f"{who} loses point-in-time recovery: its earlier states can no longer be restored",
            )
        )
    return found


def _on(value: Json) -> bool:
    return (isinstance(value, str) and value.upper() in _ON) or flag(value)


def _recovery(properties: dict[str, Json]) -> bool:
    spec = properties.get("PointInTimeRecoverySpecification")
    return isinstance(spec, dict) and flag(spec.get("PointInTimeRecoveryEnabled"))


@dataclass(frozen=True)
class StageLosses:
    """What a change loses at one stage, base and head built at that stage."""

    stage: str
    protected: bool
    losses: list[Loss] = field(default_factory=list)

    @property
    def fails(self) -> bool:
        return self.protected and bool(self.losses)


def losses(
    old: dict[str, SynthesizedStack], new: dict[str, SynthesizedStack], spec: Specification
) -> list[Loss]:
    """Every stack's losses, stacks matched by name."""
    if len(old) == len(new) == 1 and set(old) != set(new):
        # Two single-stack files (python -m review diff OLD NEW): compared whatever their names.
        old = {next(iter(new)): next(iter(old.values()))}
    return [loss for name in sorted(old) for loss in stack_losses(old[name], new.get(name), spec)]


def to_text(stages: list[StageLosses], old_label: str, new_label: str) -> str:
    lines = [f"Losses of users and their data: {old_label} -> {new_label}"]
    for stage in stages:
        state = "protected" if stage.protected else "disposable: reported, never fails the gate"
        lines.append(f"\nStage {stage.stage} ({state}):")
        if not stage.losses:
            lines.append(
                "  nothing holding users or their data is removed, replaced or unprotected"
            )
        for loss in stage.losses:
            lines.append(
                f"  {'LOSES  ' if stage.protected else 'loses  '} [{loss.stack}] {loss.message}"
            )
    failing = [s.stage for s in stages if s.fails]
    verdict = (
        f"LOSES users or their data in protected stage(s) {', '.join(failing)}"
        if failing
        else "nothing lost in a protected stage"
    )
    lines.append(f"\nResult: {verdict}")
    return "\n".join(lines) + "\n"
