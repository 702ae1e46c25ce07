"""A DynamoDB table the way this app keeps data."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from infra.acknowledgements import skip_checkov


def protected_table(
    scope: Construct,
    construct_id: str,
    *,
    partition_key: str,
    aws_managed_key_reason: str,
    sort_key: str | None = None,
    time_to_live_attribute: str | None = None,
    deletion_protection: bool = True,
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
) -> dynamodb.Table:
    """String keys, on demand, point-in-time recovery, encrypted with the AWS managed key
    (``aws_managed_key_reason``: why no customer key, for checkov CKV_AWS_119), deletion
    protection and removal as the stage says (both default to keeping the data)."""

    def key(name: str) -> dynamodb.Attribute:
        return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)

    table = dynamodb.Table(
        scope,
        construct_id,
        partition_key=key(partition_key),
        sort_key=key(sort_key) if sort_key else None,
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
        encryption=dynamodb.TableEncryption.AWS_MANAGED,
        time_to_live_attribute=time_to_live_attribute,
        deletion_protection=deletion_protection,
        removal_policy=removal_policy,
    )
    skip_checkov(table, ("CKV_AWS_119", aws_managed_key_reason))
    return table
