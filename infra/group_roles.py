"""User pool groups, each carrying its own identity-pool role and a unique precedence."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.config import TENANT_TAG, GroupConfig
from infra.identity_pool_role import identity_pool_role
from infra.items_api import ItemsApi
from infra.sample_bucket import SampleBucket


class GroupRoles(Construct):
    """One ``UserPoolGroup`` and one role, named ``<stack>-<group>``, per configured group.

    Cognito puts the roles of a user's groups into the ID token as ``cognito:roles`` and the
    role of the group with the lowest precedence as ``cognito:preferred_role``; the identity
    pool's token mapping then hands out exactly that role. Each role trusts only the providers
    that reach it: the user pool (``user_pool.user_pool_provider_name``) and the external
    providers in ``external_logins_by_group``, so a developer identity's token, for one, cannot
    assume it through STS.

    - ``groups``: the groups, each with the preset of its role in ``bucket`` and ``items_api``.
    - ``role_names``: each group's role name. Fixed names: the pre token hook builds the ARNs.
    - ``user_pool_principal_tags``: the user pool's session tag map (tag -> claim). Default:
      none. When set, every group role trusts ``sts:TagSession``, and a ``tenant`` tag adds the
      tenant folder and the tenant's items routes to the grants.
    - ``tagged_groups``: groups whose roles an external provider with tags hands out; they trust
      ``sts:TagSession`` too. Default: none.
    - ``external_logins_by_group``: per group, the external providers (login names) whose rules
      hand out its role. Default: none, only the user pool.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        groups: Sequence[GroupConfig],
        role_names: Mapping[str, str],
        user_pool: cognito.IUserPool,
        identity_pool_id: str,
        bucket: SampleBucket,
        items_api: ItemsApi,
        user_pool_principal_tags: Sequence[tuple[str, str]] = (),
        tagged_groups: Collection[str] = (),
        external_logins_by_group: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        external = external_logins_by_group or {}
        self.roles: dict[str, iam.Role] = {}
        # Roles that receive session tags must trust sts:TagSession; only those do. User pool
        # tags reach every group role; an external provider's reach the roles its rules name.
        tags_tenant = TENANT_TAG in dict(user_pool_principal_tags)
        for group in groups:
            tagged = bool(user_pool_principal_tags) or group.name in tagged_groups
            tenant = tags_tenant and tagged
            grant = bucket.member_grant(group.preset, tenant=tenant) + items_api.member_grant(
                group.preset, tenant=tenant
            )
            role = identity_pool_role(
                self,
                f"{group.name}Role",
                identity_pool_id=identity_pool_id,
                amr=[
                    user_pool.user_pool_provider_name,
                    *external.get(group.name, ()),
                ],
                description=f"Role of user pool group '{group.name}' (preset {group.preset})",
                # A fixed name: the pre token hook builds the ARN from it (no Ref, no cycle).
                role_name=role_names[group.name],
                tag_session=tagged,
                policy=grant.policy,
                acknowledgements=grant.acknowledgements,
            )
            cognito.UserPoolGroup(
                self,
                f"{group.name}Group",
                user_pool=user_pool,
                group_name=group.name,
                description=group.description or None,
                precedence=group.precedence,
                role=role,
            )
            self.roles[group.name] = role
