"""Reading synthesized CloudFormation templates in tests."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.config import AppConfig

Template = dict[str, Any]


@dataclass(frozen=True)
class Synthesized:
    """One config's stack in the session's synthesis."""

    config: AppConfig
    path: Path  # its template file
    template: Template


@dataclass(frozen=True)
class Synth:
    """The session's one synthesis, one stack per config (tests/conftest.py)."""

    outdir: Path
    demo: Synthesized
    variant: Synthesized
    providers: Synthesized
    forked: Synthesized
    configured: Synthesized  # cdk.json's


def resources(template: Template, resource_type: str) -> dict[str, dict[str, Any]]:
    """Logical id -> resource, for every resource of ``resource_type``."""
    return {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == resource_type
    }


def only(template: Template, resource_type: str) -> tuple[str, dict[str, Any]]:
    found = resources(template, resource_type)
    assert len(found) == 1, f"expected one {resource_type}, found {sorted(found)}"
    return next(iter(found.items()))


def under(template: Template, resource_type: str, prefix: str) -> tuple[str, dict[str, Any]]:
    """The one resource of a type whose logical id starts with a construct path's prefix."""
    found = {k: v for k, v in resources(template, resource_type).items() if k.startswith(prefix)}
    assert len(found) == 1, f"expected one {resource_type} under {prefix}, found {sorted(found)}"
    return next(iter(found.items()))


def permission_for(template: Template, principal: str) -> dict[str, Any]:
    """The one AWS::Lambda::Permission granted to a service principal."""
    [permission] = [
        p
        for p in resources(template, "AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == principal
    ]
    return permission


def resolve(value: Any, names: dict[str, str]) -> Any:
    """Resolve Ref, Fn::GetAtt and Fn::Join to strings; ``names`` maps ``Ref``/``Id.Attr``.

    Unknown references raise KeyError, so a test never compares against half-resolved data.
    """
    if isinstance(value, list):
        return [resolve(item, names) for item in value]
    if not isinstance(value, dict):
        return value
    if "Ref" in value:
        return names[value["Ref"]]
    if "Fn::GetAtt" in value:
        logical_id, attribute = value["Fn::GetAtt"]
        return names[f"{logical_id}.{attribute}"]
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(resolve(part, names) for part in parts)
    return {key: resolve(item, names) for key, item in value.items()}


def references(value: Any) -> set[str]:
    """Logical ids a property refers to through Ref, Fn::GetAtt or Fn::Sub."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref":
                found.add(item)
            elif key == "Fn::GetAtt":
                found.add(item[0] if isinstance(item, list) else item.split(".")[0])
            elif key == "Fn::Sub":
                template = item[0] if isinstance(item, list) else item
                found |= {name.split(".")[0] for name in re.findall(r"\$\{([^}!]+)\}", template)}
                found |= references(item[1] if isinstance(item, list) else [])
            else:
                found |= references(item)
    return found


def dependency_cycle(template: Template) -> list[str] | None:
    """A cycle among resources (Ref, GetAtt, Sub, DependsOn), or None if there is none."""
    resources_ = template["Resources"]
    edges = {
        logical_id: (
            references(resource.get("Properties", {}))
            | set(_as_list(resource.get("DependsOn", [])))
        )
        & set(resources_)
        for logical_id, resource in resources_.items()
    }
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = "open"
        for target in sorted(edges[node]):
            if state.get(target) == "open":
                return [*path[path.index(target) :], target] if target in path else [node, target]
            if target not in state and (cycle := visit(target, [*path, target])):
                return cycle
        state[node] = "done"
        return None

    for start in sorted(edges):
        if start not in state and (cycle := visit(start, [start])):
            return cycle
    return None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
