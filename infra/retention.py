"""A protected stage keeps its users and data: every resource of a type in
``facts.stateful.RETAINED_TYPES`` is retained on delete and on replacement, whichever construct
made it (a forker's table or bucket too); every user pool and table keeps deletion protection,
and every table point-in-time recovery."""

from __future__ import annotations

import jsii
from aws_cdk import CfnResource, IAspect, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from constructs import IConstruct

from facts.stateful import RETAINED_TYPES


@jsii.implements(IAspect)
class RetainStatefulResources:
    """The aspect a protected stage's stack carries (``infra/stack.py``). It sets the L1
    properties themselves, not overrides, so cdk-nag judges what deploys."""

    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, CfnResource) or node.cfn_resource_type not in RETAINED_TYPES:
            return
        # DeletionPolicy and UpdateReplacePolicy both: a replacement deletes the old resource.
        node.apply_removal_policy(RemovalPolicy.RETAIN)
        if isinstance(node, cognito.CfnUserPool):
            node.deletion_protection = "ACTIVE"
        if isinstance(node, dynamodb.CfnTable):
            node.deletion_protection_enabled = True
            node.point_in_time_recovery_specification = (
                dynamodb.CfnTable.PointInTimeRecoverySpecificationProperty(
                    point_in_time_recovery_enabled=True
                )
            )
