"""External identity providers of the identity pool: Google, Facebook, Login with Amazon, Sign
in with Apple, Twitter, OIDC and SAML (direct federation), with their role selection and tags.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_cognito_identitypool as identitypool
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.config import AUTHENTICATED, AmbiguousResolution, ConfigError, ProvidersConfig
from infra.config import RoleSelection as Selection

# The name each provider goes by in Logins, role mappings and principal tag maps, and its
# IdentityPoolProviderUrl constant (looked up when used: a jsii call, kept out of import time).
SOCIAL = {
    "google": ("accounts.google.com", "GOOGLE"),
    "facebook": ("graph.facebook.com", "FACEBOOK"),
    "amazon": ("www.amazon.com", "AMAZON"),
    "apple": ("appleid.apple.com", "APPLE"),
    "twitter": ("api.twitter.com", "TWITTER"),
}
# Login provider class and its id field, alike in the config and the L2's props.
LOGINS: dict[str, tuple[Callable[..., object], str]] = {
    "google": (identitypool.IdentityPoolGoogleLoginProvider, "client_id"),
    "facebook": (identitypool.IdentityPoolFacebookLoginProvider, "app_id"),
    "amazon": (identitypool.IdentityPoolAmazonLoginProvider, "app_id"),
    "apple": (identitypool.IdentityPoolAppleLoginProvider, "services_id"),
}
MATCH = {
    "Equals": identitypool.RoleMappingMatchType.EQUALS,
    "NotEqual": identitypool.RoleMappingMatchType.NOTEQUAL,
    "StartsWith": identitypool.RoleMappingMatchType.STARTS_WITH,
    "Contains": identitypool.RoleMappingMatchType.CONTAINS,
}


def groups_receiving_tags(config: ProvidersConfig) -> set[str]:
    """Group names whose roles a tagged external provider's rules may hand out."""
    return {
        rule.role
        for _, _, provider, _ in config.selections()
        if provider.principal_tags
        for rule in provider.rules
        if rule.role != AUTHENTICATED
    }


class ExternalProviders(Construct):
    """The providers' IAM OIDC and SAML provider resources (native CloudFormation), the identity
    pool's login providers, a rules mapping for each provider that has rules, and the principal
    tag maps. A provider without rules uses the default authenticated role.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: ProvidersConfig,
        roles: Mapping[str, iam.IRole],
        twitter_secret: str | None,
    ) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self.role_mappings: list[identitypool.IdentityPoolRoleMapping] = []
        self._tags: list[tuple[str, str, tuple[tuple[str, str], ...]]] = []
        logins: dict[str, object] = {}
        for kind, (login_class, id_field) in LOGINS.items():
            provider = getattr(config, kind)
            if provider is not None:
                logins[kind] = login_class(**{id_field: getattr(provider, id_field)})
        if config.twitter:
            if not twitter_secret:
                raise ConfigError(
                    "providers.twitter",
                    "needs its consumer secret at synth, and none was given",
                    "Pass -c twitterConsumerSecret=... or set TWITTER_CONSUMER_SECRET",
                )
            # CloudFormation takes it in plain text: it ends up in the template (docs/providers.md).
            logins["twitter"] = identitypool.IdentityPoolTwitterLoginProvider(
                consumer_key=config.twitter.consumer_key, consumer_secret=twitter_secret
            )
        for kind, (name, constant) in SOCIAL.items():
            provider = getattr(config, kind)
            if provider is not None:
                url = getattr(identitypool.IdentityPoolProviderUrl, constant)
                self._select(kind, name, url, provider, roles, mapping_key=None)

        self.oidc_providers: list[iam.OidcProviderNative] = []
        for oidc in config.oidc:
            oidc_resource = iam.OidcProviderNative(
                self,
                f"Oidc{oidc.provider_name}",
                url=oidc.issuer_url,
                client_ids=list(oidc.client_ids),
                thumbprints=list(oidc.thumbprints) or None,
            )
            self.oidc_providers.append(oidc_resource)
            name = oidc.provider_name
            url = identitypool.IdentityPoolProviderUrl.open_id(name)
            self._select("oidc", name, url, oidc, roles, mapping_key=None)

        self.saml_providers: list[iam.SamlProvider] = []
        for saml in config.saml:
            resource = iam.SamlProvider(
                self,
                f"Saml{saml.name}",
                name=saml.name,
                metadata_document=iam.SamlMetadataDocument.from_file(saml.metadata_file),
            )
            self.saml_providers.append(resource)
            arn = resource.saml_provider_arn
            url = identitypool.IdentityPoolProviderUrl.saml(arn)
            self._select("saml", arn, url, saml, roles, mapping_key=f"Saml{saml.name}")

        self.authentication_providers: dict[str, object] = {
            **logins,
            "open_id_connect_providers": self.oidc_providers or None,
            "saml_providers": self.saml_providers or None,
        }

    def _select(
        self,
        kind: str,
        name: str,
        url: identitypool.IdentityPoolProviderUrl,
        provider: Selection,
        roles: Mapping[str, iam.IRole],
        mapping_key: str | None,
    ) -> None:
        if provider.principal_tags:
            self._tags.append((kind, name, provider.principal_tags))
        if not provider.rules:
            return
        self.role_mappings.append(
            identitypool.IdentityPoolRoleMapping(
                provider_url=url,
                mapping_key=mapping_key,
                resolve_ambiguous_roles=(
                    provider.ambiguous_role_resolution is AmbiguousResolution.AUTHENTICATED_ROLE
                ),
                rules=[
                    identitypool.RoleMappingRule(
                        claim=rule.claim,
                        claim_value=rule.value,
                        mapped_role=roles[rule.role],
                        match_type=MATCH[rule.match_type.value],
                    )
                    for rule in provider.rules
                ],
            )
        )

    def add_principal_tags(self, identity_pool_id: str) -> None:
        """Tag maps need the pool, which needs the providers first."""
        for index, (kind, name, tags) in enumerate(self._tags):
            cognito.CfnIdentityPoolPrincipalTag(
                self,
                f"PrincipalTags{kind}{index}",
                identity_pool_id=identity_pool_id,
                identity_provider_name=name,
                principal_tags=dict(tags),
                use_defaults=False,
            )
