"""External identity providers of the identity pool: Google, Facebook, Login with Amazon, Sign
in with Apple, Twitter, OIDC and SAML (direct federation), with their role selection and tags.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_cognito_identitypool as identitypool
from aws_cdk import aws_iam as iam
from constructs import Construct

from facts.cognito import SOCIAL_LOGIN_NAMES
from infra.config import AUTHENTICATED, AmbiguousResolution, ProvidersConfig
from infra.config import RoleSelection as Selection

# Each social provider's role-mapping URL; its login name (Logins, principal tag maps, amr) is
# SOCIAL_LOGIN_NAMES[kind].
SOCIAL_URLS = {
    "google": identitypool.IdentityPoolProviderUrl.GOOGLE,
    "facebook": identitypool.IdentityPoolProviderUrl.FACEBOOK,
    "amazon": identitypool.IdentityPoolProviderUrl.AMAZON,
    "apple": identitypool.IdentityPoolProviderUrl.APPLE,
    "twitter": identitypool.IdentityPoolProviderUrl.TWITTER,
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


@dataclass(frozen=True)
class _Selection:
    """A provider that is on: its login name (also its ``amr`` entry), mapping URL and config."""

    kind: str
    login_name: str
    url: identitypool.IdentityPoolProviderUrl
    provider: Selection
    mapping_key: str | None


class ExternalProviders(Construct):
    """The providers' IAM OIDC and SAML provider resources (native CloudFormation), the identity
    pool's login providers, a rules mapping for each provider that has rules, and the principal
    tag maps. A provider without rules uses the default authenticated role.

    The roles come after the providers: a group role's trust names the providers whose rules
    map to it (``login_names_reaching``), and the mappings name the roles (``role_mappings``).

    - ``config``: the providers that are on, their role selection and principal tags.
    - ``twitter_secret``: Twitter's consumer secret, required when Twitter is on. It is a synth
      input, never part of the config (``require_twitter_secret`` checks it first). Default:
      none.
    - ``saml_names``: each SAML provider's IAM name by its config ``name``, unique in the
      account (``AppConfig.saml_provider_name``). Default: the config name itself.

    An OIDC provider with ``providerArn`` is imported, not created: IAM holds one per issuer
    URL in an account.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: ProvidersConfig,
        twitter_secret: str | None = None,
        saml_names: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self._selections: list[_Selection] = []
        logins: dict[str, object] = {}
        for kind, (login_class, id_field) in LOGINS.items():
            provider = getattr(config, kind)
            if provider is not None:
                logins[kind] = login_class(**{id_field: getattr(provider, id_field)})
        if config.twitter:
            if not twitter_secret:
                raise ValueError("twitter_secret is required when config.twitter is set")
            # CloudFormation takes it in plain text: it ends up in the template (docs/providers.md).
            logins["twitter"] = identitypool.IdentityPoolTwitterLoginProvider(
                consumer_key=config.twitter.consumer_key, consumer_secret=twitter_secret
            )
        for kind, url in SOCIAL_URLS.items():
            provider = getattr(config, kind)
            if provider is not None:
                name = SOCIAL_LOGIN_NAMES[kind]
                self._selections.append(_Selection(kind, name, url, provider, None))

        self.oidc_providers: list[iam.IOidcProvider] = []
        for oidc in config.oidc:
            oidc_resource = (
                iam.OidcProviderNative.from_oidc_provider_arn(
                    self, f"Oidc{oidc.provider_name}", oidc.provider_arn
                )
                if oidc.provider_arn
                else iam.OidcProviderNative(
                    self,
                    f"Oidc{oidc.provider_name}",
                    url=oidc.issuer_url,
                    client_ids=list(oidc.client_ids),
                    thumbprints=list(oidc.thumbprints) or None,
                )
            )
            self.oidc_providers.append(oidc_resource)
            name = oidc.provider_name
            url = identitypool.IdentityPoolProviderUrl.open_id(name)
            self._selections.append(_Selection("oidc", name, url, oidc, None))

        self.saml_providers: list[iam.SamlProvider] = []
        for saml in config.saml:
            resource = iam.SamlProvider(
                self,
                f"Saml{saml.name}",
                name=(saml_names or {}).get(saml.name, saml.name),
                metadata_document=iam.SamlMetadataDocument.from_file(saml.metadata_file),
            )
            self.saml_providers.append(resource)
            arn = resource.saml_provider_arn
            url = identitypool.IdentityPoolProviderUrl.saml(arn)
            self._selections.append(_Selection("saml", arn, url, saml, f"Saml{saml.name}"))

        self.authentication_providers: dict[str, object] = {
            **logins,
            "open_id_connect_providers": self.oidc_providers or None,
            "saml_providers": self.saml_providers or None,
        }

    def login_names_reaching(self, group: str) -> list[str]:
        """The providers whose rules may hand out ``group``'s role, by their ``amr`` names."""
        return [
            selection.login_name
            for selection in self._selections
            if any(rule.role == group for rule in selection.provider.rules)
        ]

    def role_mappings(
        self, roles: Mapping[str, iam.IRole]
    ) -> list[identitypool.IdentityPoolRoleMapping]:
        """A rules mapping per provider with rules; ``roles`` maps each rule's role name."""
        return [
            identitypool.IdentityPoolRoleMapping(
                provider_url=selection.url,
                mapping_key=selection.mapping_key,
                resolve_ambiguous_roles=(
                    selection.provider.ambiguous_role_resolution
                    is AmbiguousResolution.AUTHENTICATED_ROLE
                ),
                rules=[
                    identitypool.RoleMappingRule(
                        claim=rule.claim,
                        claim_value=rule.value,
                        mapped_role=roles[rule.role],
                        match_type=MATCH[rule.match_type.value],
                    )
                    for rule in selection.provider.rules
                ],
            )
            for selection in self._selections
            if selection.provider.rules
        ]

    def add_principal_tags(self, identity_pool_id: str) -> None:
        """Tag maps need the pool, which needs the providers first."""
        tagged = [selection for selection in self._selections if selection.provider.principal_tags]
        for index, selection in enumerate(tagged):
            cognito.CfnIdentityPoolPrincipalTag(
                self,
                f"PrincipalTags{selection.kind}{index}",
                identity_pool_id=identity_pool_id,
                identity_provider_name=selection.login_name,
                principal_tags=dict(selection.provider.principal_tags),
                use_defaults=False,
            )
