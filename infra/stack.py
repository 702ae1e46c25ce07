"""The stack: user pool, groups with roles, identity pool, and the bucket the roles reach."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import AspectPriority, Aspects, Aws, CfnOutput, RemovalPolicy, Stack
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra.config import AppConfig, Preset, tag_transforms
from infra.developer_auth import DeveloperAuth
from infra.external_providers import ExternalProviders, groups_receiving_tags
from infra.federation import Federation
from infra.group_roles import GroupRoles
from infra.identity_pool import TokenMappedIdentityPool
from infra.identity_pool_role import IdentityPoolIdSlot
from infra.inbound_federation import InboundFederation
from infra.items_api import ItemsApi
from infra.monitoring import Monitoring
from infra.pre_token_hook import PreTokenHook
from infra.retention import RetainStatefulResources
from infra.sample_bucket import SampleBucket
from infra.user_pool import SecureUserPool


class IdentityPoolsStack(Stack):
    """Every construct of the app, given the values it uses from a config that
    :func:`infra.config.parse_config` has already checked: building it raises no config error.

    A protected stage (``AppConfig.protected``) gets termination protection and
    :class:`RetainStatefulResources` over the whole stack, so whatever is added to it later is
    kept by its type; a disposable stage is deleted whole with its stack.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: AppConfig,
        twitter_secret: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(scope, construct_id, termination_protection=config.protected, **kwargs)
        removal = RemovalPolicy.RETAIN if config.protected else RemovalPolicy.DESTROY
        if config.protected:
            Aspects.of(self).add(RetainStatefulResources(), priority=AspectPriority.MUTATING)
        storage = SampleBucket(
            self,
            "Storage",
            storage=config.storage,
            cors_origins=config.web_origins,
            removal_policy=removal,
        )
        users = SecureUserPool(
            self,
            "Users",
            feature_plan=config.feature_plan,
            mfa=config.mfa,
            self_sign_up=config.self_sign_up,
            deletion_protection=config.protected,
            removal_policy=removal,
        )
        # Providers, then group roles, then the pool: a group role trusts the providers whose
        # rules map to it, and the pool's one role attachment names the roles. Their trust gets
        # the pool id at synth.
        external = ExternalProviders(
            self,
            "Providers",
            config=config.providers,
            twitter_secret=twitter_secret,
            saml_names={
                saml.name: config.saml_provider_name(saml) for saml in config.providers.saml
            },
        )
        pool_id = IdentityPoolIdSlot()
        role_names = {group.name: config.group_role_name(group.name) for group in config.groups}
        # Before the roles, whose grants name the API; the roles it names go by their names.
        items = ItemsApi(
            self,
            "ItemsApi",
            settings=config.items_api,
            identity_pool_id=pool_id.token,
            metrics_namespace=config.stack_name,
            delete_any_role_names=[
                role_names[group.name] for group in config.groups if group.preset is Preset.ADMIN
            ],
            cors_origins=config.web_origins,
            deletion_protection=config.protected,
            removal_policy=removal,
        )
        group_roles = GroupRoles(
            self,
            "Groups",
            groups=config.groups,
            role_names=role_names,
            user_pool=users.user_pool,
            identity_pool_id=pool_id.token,
            bucket=storage,
            items_api=items,
            user_pool_principal_tags=config.principal_tags,
            tagged_groups=groups_receiving_tags(config.providers),
            external_logins_by_group={
                group.name: external.login_names_reaching(group.name) for group in config.groups
            },
        )
        federation = (
            Federation(
                self,
                "Federation",
                config=config.federation,
                user_pool=users.user_pool,
                domain_prefix=config.domain_prefix,
            )
            if config.federation
            else None
        )
        if config.federation:
            InboundFederation(
                self,
                "InboundFederation",
                config=config.federation,
                user_pool=users.user_pool,
                removal_policy=removal,
            )
        identities = TokenMappedIdentityPool(
            self,
            "Identities",
            user_pool=users.user_pool,
            user_pool_client=users.client,
            # Developer identities carry their user record's tags, tenant among them.
            authenticated_grant=storage.identity_grant(tenant=True) + items.identity_grant(),
            authenticated_role_name=config.default_role_name,
            guest_grant=storage.guest_grant() if config.guest_access else None,
            developer_provider=config.developer_auth.provider_name,
            principal_tags=config.principal_tags,
            pool_id_slot=pool_id,
            external=external,
            group_roles=group_roles.roles,
            federated_client=federation.client if federation else None,
        )
        hook = PreTokenHook(
            self,
            "TokenHook",
            user_pool=users.user_pool,
            settings=config.token_hook,
            groups=config.groups,
            role_names=role_names,
            default_role_name=config.default_role_name,
            metrics_namespace=config.stack_name,
            tagged_claims={claim for _, claim in config.principal_tags},
            removal_policy=removal,
        )
        developer_tags = tag_transforms(config)
        developers = DeveloperAuth(
            self,
            "DeveloperAuth",
            settings=config.developer_auth,
            identity_pool_id=identities.identity_pool.identity_pool_id,
            identity_pool_arn=identities.identity_pool.identity_pool_arn,
            metrics_namespace=config.stack_name,
            tag_transforms=developer_tags,
            cors_origins=config.web_origins,
            deletion_protection=config.protected,
            removal_policy=removal,
        )
        topic_arn = config.monitoring.alarm_topic_arn
        Monitoring(
            self,
            "Monitoring",
            hook=hook.function,
            sign_in=developers.function,
            api=developers.api,
            items=items.function,
            items_api=items.api,
            user_pool=users.user_pool,
            user_pool_client=users.client,
            metrics_namespace=config.stack_name,
            dashboard_name=f"{config.stack_name}-sign-in",
            alarm_topic=(
                sns.Topic.from_topic_arn(self, "AlarmTopic", topic_arn) if topic_arn else None
            ),
        )

        outputs = {
            "Region": Aws.REGION,
            "UserPoolId": users.user_pool.user_pool_id,
            "UserPoolClientId": users.client.user_pool_client_id,
            "UserPoolProviderName": users.user_pool.user_pool_provider_name,
            "IdentityPoolId": identities.identity_pool.identity_pool_id,
            "GuestAccess": str(config.guest_access).lower(),
            "AuthenticatedRoleArn": identities.authenticated_role.role_arn,
            "BucketName": storage.bucket.bucket_name,
            "DeveloperProviderName": config.developer_auth.provider_name,
            "LoginUrl": developers.api.url_for_path("/login"),
            "UserTableName": developers.table.table_name,
            "ItemsApiUrl": items.api.url,
            "ItemsTableName": items.table.table_name,
            # The operator tool normalizes the tags it stores as sign-in does.
            "DeveloperTagTransforms": json.dumps(developer_tags, sort_keys=True),
            # The user pool's tag -> claim map: whether a user pool user's session carries a
            # tag (the e2e suite expects the tenant folder and routes only where it does).
            "PrincipalTags": json.dumps(dict(config.principal_tags), sort_keys=True),
            # One JSON document, so a client learns the group table without parsing names; the
            # preset says what the group's role may do in the bucket (the e2e suite expects it).
            "Groups": self.to_json_string(
                [
                    {
                        "name": group.name,
                        "precedence": group.precedence,
                        "roleArn": group_roles.roles[group.name].role_arn,
                        "preset": group.preset.value,
                    }
                    for group in config.groups
                ]
            ),
        }
        for name, value in outputs.items():
            CfnOutput(self, f"{name}Output", key=name, value=value)
