"""Reading synthesized CloudFormation templates in tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from facts import cloudformation
from facts.cloudformation import references
from facts.iam import as_list
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


def api_invoke_permission(
    function_id: str, api_id: str, stage_id: str, route: str
) -> dict[str, Any]:
    """The properties of the one permission a method's Lambda proxy integration should have:
    API Gateway invokes the function for ``route`` (``<METHOD>/<path>``, path parameters as
    ``*``) on this stage of this API, in this account."""
    return {
        "Action": "lambda:InvokeFunction",
        "FunctionName": {"Fn::GetAtt": [function_id, "Arn"]},
        "Principal": "apigateway.amazonaws.com",
        "SourceAccount": {"Ref": "AWS::AccountId"},
        "SourceArn": {
            "Fn::Join": [
                "",
                [
                    "arn:",
                    {"Ref": "AWS::Partition"},
                    ":execute-api:",
                    {"Ref": "AWS::Region"},
                    ":",
                    {"Ref": "AWS::AccountId"},
                    ":",
                    {"Ref": api_id},
                    "/",
                    {"Ref": stage_id},
                    f"/{route}",
                ],
            ]
        },
    }


class _Names:
    """Renders ``Ref``/``Fn::GetAtt`` from a map of ``Ref`` names and ``Id.Attr``; anything
    unknown raises, so a test never compares against half-resolved data."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def ref(self, name: str) -> str:
        return self.names[name]

    def attribute(self, logical_id: str, attribute: str) -> str:
        return self.names[f"{logical_id}.{attribute}"]

    def unknown(self, function: str, argument: Any) -> Any:
        raise KeyError(f"{function} is not resolved in tests")


def resolve(value: Any, names: dict[str, str]) -> Any:
    """Resolve intrinsic functions to strings; ``names`` maps ``Ref``/``Id.Attr``."""
    return cloudformation.resolve(value, _Names(names))


def dependency_cycle(template: Template) -> list[str] | None:
    """A cycle among resources (Ref, GetAtt, Sub, DependsOn), or None if there is none."""
    resources_ = template["Resources"]
    edges = {
        logical_id: (
            references(resource.get("Properties", {})) | set(as_list(resource.get("DependsOn", [])))
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
