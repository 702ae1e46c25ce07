"""The resource the identity pool's roles reach: one private bucket in Amplify Storage's layout.

- ``private/<identity id>/``: that identity only, read and write.
- ``protected/<identity id>/``: read by every group member, written by its owner only.
- ``public/`` (``storage.publicPrefix``): read by group members and, when guest access is on,
  by guests; written by admins only.
- ``shared/`` (``storage.sharedPrefix``): the group presets' folder.
- ``tenants/<tenant>/``: a tenant's folder, named by the caller's ``tenant`` session tag.

Admins write every folder of this layout, but no other identity's ``private/`` folder: private
means that identity only, for admins too.

Grants name exact prefixes. The per-identity ones use the policy variable
``${cognito-identity.amazonaws.com:sub}``, which IAM replaces with the caller's identity id, so
one role serves every identity and none can reach another's folder.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.acknowledgements import skip_checkov, wildcard_resource_finding
from infra.config import TENANT_TAG, Preset, StorageConfig
from infra.cors import bucket_rules
from infra.grant import Grant

IDENTITY_ID = "${cognito-identity.amazonaws.com:sub}"
PRIVATE = f"private/{IDENTITY_ID}/"
PROTECTED = "protected/"
OWN_PROTECTED = f"protected/{IDENTITY_ID}/"
# ABAC: the folder of the caller's tenant, named by the session tag the identity pool sets.
TENANTS = "tenants/"
TENANT = f"{TENANTS}${{aws:PrincipalTag/{TENANT_TAG}}}/"
READ = ("s3:GetObject",)
WRITE = ("s3:GetObject", "s3:PutObject", "s3:DeleteObject")


class SampleBucket(Construct):
    """An encrypted, TLS-only, non-public bucket with server access logs."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        storage: StorageConfig,
        removal_policy: RemovalPolicy,
        cors_origins: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        self._storage = storage
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            # S3 server access logging can deliver only to buckets encrypted with SSE-S3.
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    expiration=Duration.days(90),
                    noncurrent_version_expiration=Duration.days(30),
                )
            ],
            removal_policy=removal_policy,
        )
        skip_checkov(
            self.access_logs,
            ("CKV_AWS_18", "This is the access-log bucket itself; logging it would loop."),
        )
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.KMS_MANAGED,
            bucket_key_enabled=True,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=True,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="sample-bucket/",
            # Browser apps reach it from these origins only (none: no CORS configuration).
            cors=bucket_rules(cors_origins),
            removal_policy=removal_policy,
        )

    def identity_grant(self, *, tenant: bool) -> Grant:
        """The default authenticated role: the caller's own ``private/`` folder and, when a
        ``tenant`` tag reaches the role, reading its tenant's folder."""
        return self._grant([(PRIVATE, WRITE), *([(TENANT, READ)] if tenant else [])])

    def member_grant(self, preset: Preset, *, tenant: bool) -> Grant:
        """A group's role: the caller's own folders, the readable ones, and the preset (which
        also says whether the tenant's folder, when a ``tenant`` tag reaches the role, is
        read or written)."""
        folders = [
            (PRIVATE, WRITE),
            (OWN_PROTECTED, WRITE),
            (PROTECTED, READ),
            (self._storage.public_prefix, READ),
        ]
        shared = self._storage.shared_prefix
        if preset is Preset.ADMIN:
            every_tenant = [(TENANTS, WRITE)] if tenant else []
            return self._grant(
                [
                    (PRIVATE, WRITE),
                    (PROTECTED, WRITE),
                    (self._storage.public_prefix, WRITE),
                    (shared, WRITE),
                    *every_tenant,
                ]
            )
        access = WRITE if preset is Preset.EDITOR else READ
        folders.append((shared, access))
        if tenant:
            folders.append((TENANT, access))
        return self._grant(folders)

    def guest_grant(self) -> Grant:
        """Guests read the public folder only."""
        return self._grant([(self._storage.public_prefix, READ)])

    def _grant(self, folders: list[tuple[str, tuple[str, ...]]]) -> Grant:
        """Object actions per folder, plus ``ListBucket`` limited to those folders."""
        statements = []
        acknowledgements = []
        for prefix, actions in folders:
            statements.append(
                iam.PolicyStatement(actions=list(actions), resources=[self._objects(prefix)])
            )
            acknowledgements.append(
                (
                    wildcard_resource_finding(self, self._objects(prefix)),
                    f"Object actions ({', '.join(actions)}) need an object wildcard; it is "
                    f"bounded to the folder '{prefix}' of this one bucket.",
                )
            )
        listing = iam.PolicyStatement(actions=["s3:ListBucket"], resources=[self.bucket.bucket_arn])
        listing.add_condition("StringLike", {"s3:prefix": [f"{prefix}*" for prefix, _ in folders]})
        statements.append(listing)
        return Grant(tuple(statements), tuple(acknowledgements))

    def _objects(self, prefix: str) -> str:
        return self.bucket.arn_for_objects(f"{prefix}*")
