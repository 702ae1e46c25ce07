"""The app's one configuration: the ``config`` object in ``cdk.json``'s context.

:func:`parse_config` turns it into frozen dataclasses and checks every rule before any construct
exists, so a mistake fails the synth with a :class:`ConfigError` that names the key and says how
to fix it. ``docs/configuration.md`` is the reference for every key.

One module per concern; import from here:

- ``parsing``: JSON object -> dataclass, keys in camelCase, :class:`ConfigError`.
- ``user_pool``: feature plan, MFA, the pool's attributes and what its app client may write.
- ``groups``, ``storage``, ``token_hook``, ``principal_tags``, ``developer_auth``,
  ``items_api``, ``providers``, ``federation``, ``monitoring``: one section of the config each.
- ``app_config``: :class:`AppConfig` (``AppConfig.protected``: whether the stage keeps its
  users and data), the rules across sections, :func:`parse_config`.
- ``limits``: what AWS would refuse only at deploy time (Lambda's environment size, IAM's trust
  policy size), measured from the config.
"""

from infra.config.app_config import (
    AppConfig,
    Stage,
    parse_config,
    refuse_user_writable_inputs,
    tag_transforms,
)
from infra.config.developer_auth import PLACEHOLDER_PROVIDER, DeveloperAuthConfig
from infra.config.federation import (
    FederatedOidcConfig,
    FederatedSamlConfig,
    FederationConfig,
    refuse_mapped_attributes_writable_by_users,
    trigger_settings,
)
from infra.config.groups import AUTHENTICATED, DEFAULT_GROUPS, GroupConfig, Preset
from infra.config.items_api import ItemsApiConfig
from infra.config.monitoring import MonitoringConfig
from infra.config.parsing import (
    CDK_JSON,
    CONTEXT_KEY,
    ConfigError,
    cdk_json_context,
    config_file,
)
from infra.config.pipeline import PipelineConfig
from infra.config.principal_tags import TENANT_TAG
from infra.config.providers import (
    MAX_RULES,
    AmazonConfig,
    AmbiguousResolution,
    AppleConfig,
    FacebookConfig,
    GoogleConfig,
    MatchType,
    OidcConfig,
    ProvidersConfig,
    RoleSelection,
    RuleConfig,
    SamlConfig,
    TwitterConfig,
    require_twitter_secret,
)
from infra.config.storage import StorageConfig
from infra.config.token_hook import (
    ClaimConfig,
    EventVersion,
    TokenHookConfig,
    Transform,
    hook_settings,
)
from infra.config.user_pool import (
    READABLE,
    READABLE_CUSTOM,
    WRITABLE,
    FeaturePlan,
    MfaMode,
)

__all__ = [
    "AUTHENTICATED",
    "CDK_JSON",
    "CONTEXT_KEY",
    "DEFAULT_GROUPS",
    "MAX_RULES",
    "PLACEHOLDER_PROVIDER",
    "READABLE",
    "READABLE_CUSTOM",
    "TENANT_TAG",
    "WRITABLE",
    "AmazonConfig",
    "AmbiguousResolution",
    "AppConfig",
    "AppleConfig",
    "ClaimConfig",
    "ConfigError",
    "DeveloperAuthConfig",
    "EventVersion",
    "FacebookConfig",
    "FeaturePlan",
    "FederatedOidcConfig",
    "FederatedSamlConfig",
    "FederationConfig",
    "GoogleConfig",
    "GroupConfig",
    "ItemsApiConfig",
    "MatchType",
    "MfaMode",
    "MonitoringConfig",
    "OidcConfig",
    "PipelineConfig",
    "Preset",
    "ProvidersConfig",
    "RoleSelection",
    "RuleConfig",
    "SamlConfig",
    "Stage",
    "StorageConfig",
    "TokenHookConfig",
    "Transform",
    "TwitterConfig",
    "cdk_json_context",
    "config_file",
    "hook_settings",
    "parse_config",
    "refuse_mapped_attributes_writable_by_users",
    "refuse_user_writable_inputs",
    "require_twitter_secret",
    "tag_transforms",
    "trigger_settings",
]
