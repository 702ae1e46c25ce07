"""Acknowledged scanner findings: one finding at a time, each with a reason a reviewer can check."""

from __future__ import annotations

from typing import Any

from aws_cdk import Acknowledgment, CfnResource, Stack, Validations
from constructs import IConstruct


def acknowledge(construct: IConstruct, finding: str, reason: str) -> None:
    """Acknowledge one cdk-nag finding on ``construct`` and the constructs inside it.

    ``finding`` is a rule id, or ``Rule[Finding]`` where the rule reports several findings
    (``AwsSolutions-IAM5[Resource::...]``): cdk-nag 3 matches the exact finding, never a prefix.
    """
    Validations.of(construct).acknowledge(Acknowledgment(id=finding, reason=reason))


def _resource(construct: IConstruct) -> CfnResource:
    resource = construct.node.default_child
    if not isinstance(resource, CfnResource):
        raise TypeError(f"{construct.node.path} has no CloudFormation resource of its own")
    return resource


def skip_checkov(construct: IConstruct, *checks: tuple[str, str]) -> None:
    """checkov reads skips, each ``(check id, reason)``, from the resource's metadata."""
    _resource(construct).add_metadata(
        "checkov", {"skip": [{"id": check, "comment": comment} for check, comment in checks]}
    )


def wildcard_resource_finding(scope: IConstruct, resource: str) -> str:
    """The ``AwsSolutions-IAM5`` finding a wildcard ``resource`` of a policy in ``scope``'s
    stack raises, written as cdk-nag writes it: a ``Ref`` as ``<LogicalId>`` (pseudo
    parameters too: ``<AWS::Region>``), an ``Fn::GetAtt`` as ``<LogicalId.Attr>``, and a policy
    variable ``${x}`` as ``<x>``."""
    text = _nag_text(Stack.of(scope).resolve(resource))
    return f"AwsSolutions-IAM5[Resource::{text.replace('${', '<').replace('}', '>')}]"


def _nag_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Ref" in value:
        return f"<{value['Ref']}>"
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        logical_id, attribute = value["Fn::GetAtt"]
        return f"<{logical_id}.{attribute}>"
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_nag_text(part) for part in parts)
    raise TypeError(f"cannot write {value!r} as cdk-nag does")
