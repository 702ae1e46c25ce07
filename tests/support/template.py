"""Reading synthesized CloudFormation templates in tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.config import AppConfig

Template = dict[str, Any]


@dataclass(frozen=True)
class Synth:
    """The session's one synthesis: the shipped config's template and a variant's."""

    outdir: Path
    default_config: AppConfig
    variant_config: AppConfig
    default: Template
    variant: Template


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
