"""The template model: resources by type, and intrinsic functions resolved to readable names.

``Ref``/``Fn::GetAtt`` become ``<Construct/Path>`` and ``<Construct/Path.Attr>`` (the construct
path from ``aws:cdk:path`` metadata, which stays stable across synths where logical ids may
not); pseudo parameters become ``${AWS::Region}``; ``Fn::Join`` and ``Fn::Sub`` are joined and
substituted (``facts.cloudformation``, rendered by ``Template``). IAM policy variables
(``${aws:PrincipalTag/tenant}``) are left as they are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from facts import cloudformation
from facts.cloudformation import Json
from facts.iam import as_list


@dataclass(frozen=True)
class Template:
    """One synthesized stack template."""

    name: str
    body: dict[str, Json]
    _names: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def load(cls, path: Path) -> Template:
        return cls.from_json(path.name.removesuffix(".template.json"), json.loads(path.read_text()))

    @classmethod
    def from_json(cls, name: str, body: dict[str, Json]) -> Template:
        template = cls(name, body)
        for logical_id, resource in template.resources.items():
            template._names[logical_id] = _construct_name(name, logical_id, resource)
        return template

    @property
    def resources(self) -> dict[str, dict[str, Json]]:
        resources: dict[str, dict[str, Json]] = self.body.get("Resources", {})
        return resources

    def of_type(self, resource_type: str) -> dict[str, dict[str, Json]]:
        """Logical id -> resource, for every resource of ``resource_type``, in template order."""
        return {
            k: r
            for k, r in self.resources.items()
            if isinstance(r, dict) and r.get("Type") == resource_type
        }

    def properties(self, logical_id: str) -> dict[str, Json]:
        resource = self.resources[logical_id]
        props = resource.get("Properties") if isinstance(resource, dict) else None
        return props if isinstance(props, dict) else {}

    def type_of(self, logical_id: str) -> str | None:
        resource = self.resources.get(logical_id)
        return resource.get("Type") if isinstance(resource, dict) else None

    def name_of(self, logical_id: str) -> str:
        """A readable, stable name: the construct path inside the stack, else the logical id."""
        return self._names.get(logical_id, logical_id)

    def resolve(self, value: Json) -> Json:
        """``value`` with every intrinsic function replaced by a readable string; a shape this
        does not know (``Fn::If``, a malformed ``Fn::Join``) reads as
        ``Fn::Name(<its resolved arguments>)``."""
        return cloudformation.resolve(value, self)

    def text(self, value: Json) -> str:
        """``value`` resolved to one string (lists joined with ', ')."""
        return cloudformation.text(self.resolve(value))

    def references(self, value: Json) -> set[str]:
        """Logical ids of this template's resources that ``value`` refers to."""
        return cloudformation.references(value) & set(self.resources)

    # The renderer: a resource by its construct name; anything else (a pseudo parameter, an IAM
    # policy variable in Fn::Sub) as ${...}, as the policy reads.
    def ref(self, name: str) -> str:
        if name in self.resources:
            return f"<{self.name_of(name)}>"
        return f"${{{name}}}"

    def attribute(self, logical_id: str, attribute: str) -> str:
        if logical_id in self.resources:
            return f"<{self.name_of(logical_id)}.{attribute}>"
        return f"${{{logical_id}.{attribute}}}"

    def unknown(self, function: str, argument: Json) -> str:
        return f"{function}({json.dumps(self.resolve(argument), sort_keys=True)})"


def _construct_name(stack: str, logical_id: str, resource: dict[str, Json]) -> str:
    metadata = resource.get("Metadata") if isinstance(resource, dict) else None
    path = metadata.get("aws:cdk:path") if isinstance(metadata, dict) else None
    if not isinstance(path, str):
        return logical_id
    parts = path.split("/")
    if parts and parts[0] == stack:
        parts = parts[1:]
    if len(parts) > 1 and parts[-1] in ("Resource", "Default"):
        parts = parts[:-1]
    return "/".join(parts) or logical_id


def load_templates(outdir: Path) -> list[Template]:
    """Every ``*.template.json`` in a cloud assembly directory, by name."""
    return [Template.load(path) for path in sorted(outdir.glob("*.template.json"))]


def flag(value: Json, *, unknown: bool = False) -> bool:
    """A CloudFormation Boolean (``true``, ``"True"``...; absent is false). A value the
    template does not fix (a ``Ref`` to a parameter, an ``Fn::If``) reads as ``unknown``:
    callers pass the riskier setting."""
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return unknown


def branches(value: Json) -> list[Json]:
    """The values ``value`` may deploy as: both branches of an ``Fn::If`` (either may be the
    one deployed; ``AWS::NoValue`` drops out), else ``value`` itself."""
    if isinstance(value, dict) and list(value) == ["Fn::If"]:
        arg = value["Fn::If"]
        if isinstance(arg, list) and len(arg) == 3:
            return [v for branch in arg[1:] for v in branches(branch)]
    if value == {"Ref": "AWS::NoValue"}:
        return []
    return [value]


def objects(value: Json) -> list[dict[str, Json]]:
    """The objects of a list property (statements, policies, providers, rules), with each
    ``Fn::If`` read as both branches; anything that is not an object is skipped."""
    return [
        item
        for entry in branches(value)
        for element in as_list(entry)
        for item in branches(element)
        if isinstance(item, dict)
    ]


def fields(value: Json) -> dict[str, Json]:
    """A map property (``Roles``, ``RoleMappings``, ``SupportedLoginProviders``): an
    ``Fn::If`` merges both branches' keys; anything else that is not a map is empty."""
    merged: dict[str, Json] = {}
    for branch in branches(value):
        if isinstance(branch, dict):
            merged.update(branch)
    return merged
