"""The identity pool: enhanced flow only, roles chosen from the user pool token, external
providers with their own role selection."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_cognito_identitypool as identitypool
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.acknowledgements import acknowledge
from infra.config import AUTHENTICATED
from infra.external_providers import ExternalProviders
from infra.grant import Grant
from infra.identity_pool_role import (
    ANY_AUTHENTICATED,
    GUESTS,
    IdentityPoolIdSlot,
    identity_pool_role,
)

# The RoleMappings key. The L2 needs one because the provider name is only known at deploy time.
USER_POOL_MAPPING_KEY = "UserPool"
FEDERATED_MAPPING_KEY = "UserPoolFederated"


class TokenMappedIdentityPool(Construct):
    """An identity pool that takes the role from the user pool token (docs/security.md).

    - Classic (basic) flow off: Cognito refuses ``GetOpenIdToken``, so user pool and guest
      identities get no token of their own to take to STS. Developer identities still get one
      (``GetOpenIdTokenForDeveloperIdentity``) and may call STS with any role ARN: the roles'
      trust policies keep them off group roles (``infra/identity_pool_role.py``).
    - The user-pool provider has the server-side token check on, so revoked tokens and
      signed-out users are refused.
    - Token mapping with ``AmbiguousRoleResolution: Deny``: a user gets the preferred role of
      their groups; several roles without a preferred one (a precedence tie) are denied. A user
      in no group gets the default authenticated role, which the pre token hook names in the
      token itself (what token mapping does with a token without roles is undocumented).
    - Guest access is off unless ``guest_grant`` is given. The unauthenticated role always exists
      (the L2 attaches one), but without a grant it may do nothing.
    - ``authenticated_grant`` is the default authenticated role's policy: for users in no group,
      the developer provider (``developer_provider``), whose identities carry principal tags,
      and providers without a mapping of their own. ``authenticated_role_name`` is its fixed
      name: the pre token hook names the role for users in no group without a reference.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        user_pool: cognito.UserPool,
        user_pool_client: cognito.UserPoolClient,
        authenticated_grant: Grant,
        authenticated_role_name: str,
        guest_grant: Grant | None,
        developer_provider: str,
        principal_tags: tuple[tuple[str, str], ...],
        pool_id_slot: IdentityPoolIdSlot,
        external: ExternalProviders,
        group_roles: Mapping[str, iam.IRole],
        federated_client: cognito.UserPoolClient | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        pool_id = pool_id_slot.token
        self.authenticated_role = identity_pool_role(
            self,
            "AuthenticatedRole",
            identity_pool_id=pool_id,
            amr=ANY_AUTHENTICATED,
            description=(
                "Default authenticated role: the caller's own private folder, its tenant's "
                "folder (read), GET /me"
            ),
            role_name=authenticated_role_name,
            # Developer identities arrive with principal tags (their user record's).
            tag_session=True,
            policy=authenticated_grant.policy,
            acknowledgements=authenticated_grant.acknowledgements,
        )
        self.guest_role = identity_pool_role(
            self,
            "GuestRole",
            identity_pool_id=pool_id,
            amr=GUESTS,
            description=(
                "Guest role: read the public folder"
                if guest_grant
                else "Guest role: guest access is off, so it grants nothing"
            ),
            policy=guest_grant.policy if guest_grant else None,
            acknowledgements=guest_grant.acknowledgements if guest_grant else (),
        )
        # Native sign-in and, with federation, the federated client: both take roles from tokens.
        clients = {USER_POOL_MAPPING_KEY: user_pool_client}
        if federated_client is not None:
            clients[FEDERATED_MAPPING_KEY] = federated_client
        self.identity_pool = identitypool.IdentityPool(
            self,
            "Pool",
            allow_classic_flow=False,
            allow_unauthenticated_identities=guest_grant is not None,
            authenticated_role=self.authenticated_role,
            unauthenticated_role=self.guest_role,
            authentication_providers=identitypool.IdentityPoolAuthenticationProviders(
                **external.authentication_providers,  # type: ignore[arg-type]  # login providers by prop name
                custom_provider=developer_provider,
                user_pools=[
                    identitypool.UserPoolAuthenticationProvider(
                        user_pool=user_pool,
                        user_pool_client=client,
                        disable_server_side_token_check=False,
                    )
                    for client in clients.values()
                ],
            ),
            role_mappings=[
                *(
                    identitypool.IdentityPoolRoleMapping(
                        provider_url=identitypool.IdentityPoolProviderUrl.user_pool(
                            user_pool, client
                        ),
                        mapping_key=key,
                        use_token=True,
                        resolve_ambiguous_roles=False,
                    )
                    for key, client in clients.items()
                ),
                # Rules name a group's role, or the default one by the word "authenticated".
                *external.role_mappings({**group_roles, AUTHENTICATED: self.authenticated_role}),
            ],
        )
        pool_id_slot.fill(self.identity_pool)
        external.add_principal_tags(self.identity_pool.identity_pool_id)
        if principal_tags:
            # Session tags from user pool token claims (ABAC); the synth has checked that no
            # user can write those claims.
            cognito.CfnIdentityPoolPrincipalTag(
                self,
                "UserPoolPrincipalTags",
                identity_pool_id=self.identity_pool.identity_pool_id,
                identity_provider_name=user_pool.user_pool_provider_name,
                principal_tags=dict(principal_tags),
                use_defaults=False,
            )
        if guest_grant:
            acknowledge(
                self.identity_pool,
                "AwsSolutions-COG7",
                "Guest access is on by configuration (config.guestAccess = true); the guest role "
                "may only read the public folder of the sample bucket.",
            )
