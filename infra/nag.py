"""cdk-nag acknowledgements: one finding at a time, each with a reason a reviewer can check."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct


def acknowledge(construct: IConstruct, finding: str, reason: str) -> None:
    """Acknowledge one cdk-nag finding on ``construct`` and the constructs inside it.

    ``finding`` is a rule id, or ``Rule[Finding]`` where the rule reports several findings
    (``AwsSolutions-IAM5[Resource::...]``): cdk-nag 3 matches the exact finding, never a prefix.
    """
    Validations.of(construct).acknowledge(Acknowledgment(id=finding, reason=reason))
