"""What a role is given by one resource of the stack: the statements, and the cdk-nag findings
they raise, each with the reason it is acceptable."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_iam as iam


@dataclass(frozen=True)
class Grant:
    """Grants add up (``bucket_grant + api_grant``): a role gets one policy with all of them."""

    statements: tuple[iam.PolicyStatement, ...]
    acknowledgements: tuple[tuple[str, str], ...] = ()

    @property
    def policy(self) -> iam.PolicyDocument:
        return iam.PolicyDocument(statements=list(self.statements))

    def __add__(self, other: Grant) -> Grant:
        return Grant(
            self.statements + other.statements, self.acknowledgements + other.acknowledgements
        )
