"""Enterprise sign-in through the user pool: SAML and OIDC IdPs, the federated app client and
managed login (the hosted UI)."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration, SecretValue
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from facts.stack import IDP_GROUPS_ATTRIBUTE
from infra.config import FederationConfig


class Federation(Construct):
    """The IdPs, a Cognito domain for managed login, and the federated app client.

    The federated client supports the IdPs only (not ``COGNITO``), may write exactly the mapped
    attributes, and its OAuth scopes are ``openid``, ``email`` and ``profile``: without
    ``aws.cognito.signin.user.admin`` its tokens cannot call ``UpdateUserAttributes``. That no
    client whose tokens can may write the mapped attributes is a config rule
    (``MAPPED_ATTRIBUTES`` in ``infra/config/federation.py``). ``domain_prefix`` is managed
    login's Cognito domain prefix, unique in the region (``AppConfig.domain_prefix`` carries the
    stage).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: FederationConfig,
        user_pool: cognito.UserPool,
        domain_prefix: str,
    ) -> None:
        super().__init__(scope, construct_id)
        groups_key = IDP_GROUPS_ATTRIBUTE.removeprefix("custom:")
        providers: list[cognito.IUserPoolIdentityProvider] = []
        for saml in config.saml:
            providers.append(
                cognito.UserPoolIdentityProviderSaml(
                    self,
                    f"Saml{saml.name}",
                    user_pool=user_pool,
                    name=saml.name,
                    metadata=cognito.UserPoolIdentityProviderSamlMetadata.file(
                        Path(saml.metadata_file).read_text()
                    ),
                    attribute_mapping=cognito.AttributeMapping(
                        email=cognito.ProviderAttribute.other(saml.email_attribute),
                        custom={
                            IDP_GROUPS_ATTRIBUTE: cognito.ProviderAttribute.other(
                                saml.groups_attribute
                            )
                        },
                    ),
                )
            )
        for oidc in config.oidc:
            providers.append(
                cognito.UserPoolIdentityProviderOidc(
                    self,
                    f"Oidc{oidc.name}",
                    user_pool=user_pool,
                    name=oidc.name,
                    issuer_url=oidc.issuer_url,
                    client_id=oidc.client_id,
                    # A dynamic reference: the secret never appears in the template.
                    client_secret=SecretValue.secrets_manager(
                        oidc.client_secret_name
                    ).unsafe_unwrap(),
                    scopes=["openid", "email", "profile"],
                    attribute_mapping=cognito.AttributeMapping(
                        email=cognito.ProviderAttribute.other("email"),
                        custom={
                            IDP_GROUPS_ATTRIBUTE: cognito.ProviderAttribute.other(oidc.groups_claim)
                        },
                    ),
                )
            )
        self.domain = user_pool.add_domain(
            "Domain",
            cognito_domain=cognito.CognitoDomainOptions(domain_prefix=domain_prefix),
        )
        self.client = user_pool.add_client(
            "FederatedClient",
            generate_secret=False,
            supported_identity_providers=[
                cognito.UserPoolClientIdentityProvider.custom(p.provider_name) for p in providers
            ],
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                scopes=[
                    cognito.OAuthScope.OPENID,
                    cognito.OAuthScope.EMAIL,
                    cognito.OAuthScope.PROFILE,
                ],
                callback_urls=list(config.callback_urls),
                logout_urls=list(config.logout_urls),
            ),
            auth_flows=cognito.AuthFlow(user_srp=False),
            enable_token_revocation=True,
            prevent_user_existence_errors=True,
            read_attributes=cognito.ClientAttributes()
            .with_standard_attributes(email=True, email_verified=True)
            .with_custom_attributes(groups_key),
            write_attributes=cognito.ClientAttributes()
            .with_standard_attributes(email=True)
            .with_custom_attributes(groups_key),
            access_token_validity=Duration.hours(1),
            id_token_validity=Duration.hours(1),
            # A refresh reissues the groups of the last federated sign-in without asking the
            # IdP; this bounds how long a group the IdP removed can still be issued.
            refresh_token_validity=Duration.hours(config.refresh_token_hours),
        )
        for provider in providers:
            self.client.node.add_dependency(provider)
