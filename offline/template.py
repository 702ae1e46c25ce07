"""The synthesized stack as the offline run sees it: resources, their order, and intrinsics.

CloudFormation resolves ``Ref``, ``Fn::GetAtt``, ``Fn::Join``, ``Fn::Sub``, ``Fn::Select`` and
``Fn::Split`` at deploy time; ``Resolver`` does the same (``facts.cloudformation``) against the
physical ids the offline deployment recorded, so every name and ARN offline comes from the
template, as in a real deploy.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

from facts import cloudformation
from facts.iam import as_list


class TemplateError(Exception):
    """The template holds something the offline run cannot stand in for."""


@dataclass(frozen=True)
class Template:
    path: Path
    body: Mapping[str, Any]

    @classmethod
    def load(cls, path: Path) -> Template:
        return cls(path, json.loads(path.read_text()))

    @classmethod
    def find(cls, directory: Path) -> Template:
        """The one stack template in a cloud assembly directory such as ``cdk.out``."""
        candidates = sorted(directory.glob("*.template.json"))
        if len(candidates) != 1:
            names = ", ".join(p.name for p in candidates) or "none"
            raise TemplateError(
                f"{directory}: expected exactly one *.template.json, found {names}. "
                "Run `make synth` first (one config, one stack)."
            )
        return cls.load(candidates[0])

    @property
    def stack_name(self) -> str:
        return self.path.name.removesuffix(".template.json")

    @property
    def resources(self) -> Mapping[str, Mapping[str, Any]]:
        resources: Mapping[str, Mapping[str, Any]] = self.body["Resources"]
        return resources

    @property
    def outputs(self) -> Mapping[str, Any]:
        return {name: output["Value"] for name, output in self.body.get("Outputs", {}).items()}

    def of_type(self, resource_type: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
        for logical_id, resource in self.resources.items():
            if resource["Type"] == resource_type:
                yield logical_id, resource.get("Properties", {})

    def asset_directory(self, logical_id: str) -> Path:
        """Where the synth staged a function's code: the asset manifest's source for the
        object key the function's ``Code.S3Key`` names."""
        key = self.resources[logical_id]["Properties"]["Code"].get("S3Key")
        manifest = self.path.with_name(f"{self.stack_name}.assets.json")
        files = json.loads(manifest.read_text())["files"] if manifest.exists() else {}
        for asset in files.values():
            keys = {d["objectKey"] for d in asset["destinations"].values()}
            if key in keys and asset["source"].get("packaging") == "zip":
                return self.path.parent / str(asset["source"]["path"])
        raise TemplateError(f"{logical_id}: its code asset {key} is not in {manifest.name}")

    def deploy_order(self, logical_ids: set[str]) -> list[str]:
        """``logical_ids`` in an order where each comes after what it references."""
        graph = TopologicalSorter[str]()
        for logical_id in logical_ids:
            resource = self.resources[logical_id]
            depends = cloudformation.references(resource.get("Properties", {}))
            depends.update(as_list(resource.get("DependsOn", [])))
            graph.add(logical_id, *(d for d in depends if d in logical_ids))
        return list(graph.static_order())


@dataclass
class Resolver:
    """Resolves intrinsic functions against what the offline deployment created."""

    region: str
    account: str
    stack_name: str
    refs: dict[str, str] = field(default_factory=dict)
    attributes: dict[tuple[str, str], str] = field(default_factory=dict)

    def resolve(self, value: Any) -> Any:
        return cloudformation.resolve(value, self)

    def unknown(self, function: str, argument: Any) -> Any:
        raise TemplateError(f"{function} is not supported offline")

    def ref(self, name: str) -> str:
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": self.stack_name,
        }
        if name in pseudo:
            return pseudo[name]
        if name not in self.refs:
            raise TemplateError(f"Ref {name}: not deployed offline")
        return self.refs[name]

    def attribute(self, logical_id: str, attribute: str) -> str:
        if (logical_id, attribute) not in self.attributes:
            raise TemplateError(f"Fn::GetAtt {logical_id}.{attribute}: not deployed offline")
        return self.attributes[logical_id, attribute]
