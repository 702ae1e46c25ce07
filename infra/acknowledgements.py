"""Acknowledged scanner findings: one finding at a time, each with a reason a reviewer can check."""

from __future__ import annotations

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


def logical_id(construct: IConstruct) -> str:
    """The template logical id of a construct's resource, as cdk-nag names it in findings."""
    stack = Stack.of(construct)
    return str(stack.resolve(stack.get_logical_id(_resource(construct))))
