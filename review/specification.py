"""The CloudFormation resource specification the pinned CDK CLI ships, read as ``cdk diff`` does.

``node_modules/aws-cdk/db.json.gz`` is the database ``cdk diff`` loads: per resource type,
whether it holds data (``isStateful``) and, per top-level property, whether changing it
replaces the resource (``causesReplacement``: ``yes`` or ``maybe``). ``cdk diff`` compares
each top-level property of a resource whose type is unchanged and calls the change a
replacement when the property's ``causesReplacement`` is ``yes`` (``maybe``: may replace); we
do the same, so the gate follows the CLI's pinned version instead of a list kept by hand.
"""

from __future__ import annotations

import functools
import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE = ROOT / "node_modules" / "aws-cdk" / "db.json.gz"


class SpecificationError(RuntimeError):
    pass


@dataclass(frozen=True)
class ResourceSpec:
    stateful: bool = False
    # property -> "yes" (replaces) or "maybe" (may replace); properties updated in place are absent
    replacing: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Specification:
    resources: dict[str, ResourceSpec]

    def of(self, resource_type: str) -> ResourceSpec:
        """An unknown type (a custom resource, a module) has no replacing property that we
        know of: only its logical id decides."""
        return self.resources.get(resource_type, ResourceSpec())


def parse(database: dict[str, object]) -> Specification:
    """The parts of the CLI's database the gate reads."""
    try:
        entities = database["schema"]["resource"]["entities"]  # type: ignore[index]
        resources = {
            entity["cloudFormationType"]: ResourceSpec(
                stateful=bool(entity.get("isStateful")),
                replacing={
                    name: spec["causesReplacement"]
                    for name, spec in entity.get("properties", {}).items()
                    if spec.get("causesReplacement") in ("yes", "maybe")
                },
            )
            for entity in entities
        }
    except (KeyError, TypeError, AttributeError) as error:
        raise SpecificationError(
            f"{DATABASE} does not have the layout this gate reads ({error!r}): "
            "the pinned aws-cdk changed its database; update review/specification.py"
        ) from None
    return Specification(resources)


@functools.cache
def load(path: Path = DATABASE) -> Specification:
    """The pinned CLI's specification, read once per process (about a second)."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as stream:
            database = json.load(stream)
    except FileNotFoundError:
        raise SpecificationError(
            f"{path} is missing: run make setup (it installs the pinned CDK CLI)"
        ) from None
    return parse(database)
