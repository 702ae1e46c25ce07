"""The whole config (:class:`AppConfig`) and the rules that span its sections.

Parsing builds every section first; ``AppConfig.__post_init__`` then checks what no section can
check alone. Both run in :func:`parse_config`, before any construct exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from facts.stack import IDP_GROUPS_ATTRIBUTE
from infra.config.developer_auth import DeveloperAuthConfig
from infra.config.federation import FederationConfig, refuse_mapped_attributes_writable_by_users
from infra.config.groups import AUTHENTICATED, DEFAULT_GROUPS, MAX_ROLE_NAME, GroupConfig, groups
from infra.config.items_api import ItemsApiConfig
from infra.config.limits import check_limits
from infra.config.monitoring import TOPIC_ARN, MonitoringConfig
from infra.config.parsing import (
    ConfigError,
    boolean,
    matching,
    object_of,
    one_of,
    parse_object,
    parse_with,
    strings,
)
from infra.config.pipeline import PipelineConfig
from infra.config.principal_tags import principal_tags
from infra.config.providers import MAX_SAML_NAME, ProvidersConfig, SamlConfig
from infra.config.storage import StorageConfig
from infra.config.token_hook import EventVersion, TokenHookConfig, token_hook
from infra.config.user_pool import (
    KNOWN_ATTRIBUTES,
    WRITABLE,
    FeaturePlan,
    MfaMode,
)
from infra.config.web import allowed_origins, cors_origins, refuse_moved_key


class Stage:
    """Well-known stage names. A stage is protected (keeps its users and data) unless
    ``disposableStages`` names it; ``prod`` can never be declared disposable. Each deploys as
    ``<appName>-<stage>`` (``make deploy STAGE=dev-alice``)."""

    SANDBOX = "sandbox"
    PROD = "prod"


# A stage name or a glob pattern of them (fnmatch's ``*`` and ``?``).
_STAGE_PATTERN = re.compile(r"^[a-z0-9*?-]{1,64}$")


def _disposable_stages(value: Any, key: str) -> tuple[str, ...]:
    patterns = strings(_STAGE_PATTERN, "a stage name or a pattern such as dev-*", "dev-*")(
        value, key
    )
    for index, pattern in enumerate(patterns):
        # The one stage name every reader takes for production: no wildcard may sweep it in;
        # listing it by its exact name is the deliberate way to let it go.
        if pattern != Stage.PROD and fnmatchcase(Stage.PROD, pattern):
            raise ConfigError(
                f"{key}[{index}]",
                f"{pattern!r} would make the stage {Stage.PROD!r} disposable",
                f'Use a pattern that does not match {Stage.PROD!r}, such as "dev-*" (to '
                f"delete {Stage.PROD!r} deliberately, list it by its exact name)",
            )
    return patterns


# Lower-case: the stage ends up in names that must be (role, API, dashboard, domain prefix).
_STAGE = re.compile(r"^[a-z](?:[a-z0-9-]*[a-z0-9])?$")
# Cognito's limit for a domain prefix (UserPoolDomain: 1-63 characters).
MAX_DOMAIN_PREFIX = 63


def _stage(value: Any, key: str) -> str:
    stage = matching(_STAGE, "lower-case letters, digits and inner '-'", "sandbox")(value, key)
    if stage == "deploy-role" or stage.endswith("-deploy-role"):
        raise ConfigError(
            key,
            f"{stage!r} ends like the name of a stage's deploy-role stack "
            "(<appName>-<stage>-deploy-role)",
            "Choose another stage",
        )
    return stage


_APP_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,31}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_ACCOUNT = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class AppConfig:
    """Everything a forker may change. Defaults are the secure choice."""

    app_name: str = field(
        default="idpools",
        metadata=parse_with(
            matching(_APP_NAME, "a letter, then up to 31 letters, digits or '-'", "idpools")
        ),
    )
    stage: str = field(default=Stage.SANDBOX, metadata=parse_with(_stage))
    # Stages deleted with their stack; every other stage is protected (see ``protected``).
    disposable_stages: tuple[str, ...] = field(default=(), metadata=parse_with(_disposable_stages))
    # Unset, the template is environment-agnostic and deploys to any account and region.
    account: str | None = field(
        default=None,
        metadata=parse_with(matching(_ACCOUNT, "a 12-digit AWS account id", "123456789012")),
    )
    region: str | None = field(
        default=None, metadata=parse_with(matching(_REGION, "an AWS region name", "eu-west-1"))
    )
    feature_plan: FeaturePlan = field(
        default=FeaturePlan.ESSENTIALS, metadata=parse_with(one_of(FeaturePlan))
    )
    mfa: MfaMode = field(default=MfaMode.OPTIONAL, metadata=parse_with(one_of(MfaMode)))
    self_sign_up: bool = field(default=False, metadata=parse_with(boolean))
    guest_access: bool = field(default=False, metadata=parse_with(boolean))
    groups: tuple[GroupConfig, ...] = field(default=DEFAULT_GROUPS, metadata=parse_with(groups))
    storage: StorageConfig = field(
        default_factory=StorageConfig, metadata=parse_with(object_of(StorageConfig))
    )
    token_hook: TokenHookConfig = field(
        default_factory=TokenHookConfig, metadata=parse_with(token_hook)
    )
    # Session tag -> claim of the user pool ID token, for attribute-based access (ABAC).
    principal_tags: tuple[tuple[str, str], ...] = field(
        default=(), metadata=parse_with(principal_tags)
    )
    developer_auth: DeveloperAuthConfig = field(
        default_factory=DeveloperAuthConfig, metadata=parse_with(object_of(DeveloperAuthConfig))
    )
    items_api: ItemsApiConfig = field(
        default_factory=ItemsApiConfig, metadata=parse_with(object_of(ItemsApiConfig))
    )
    providers: ProvidersConfig = field(
        default_factory=ProvidersConfig, metadata=parse_with(object_of(ProvidersConfig))
    )
    monitoring: MonitoringConfig = field(
        default_factory=MonitoringConfig, metadata=parse_with(object_of(MonitoringConfig))
    )
    federation: FederationConfig | None = field(
        default=None, metadata=parse_with(object_of(FederationConfig))
    )
    # Origins a browser app may call the APIs and the bucket from; unset (null), by stage
    # (web_origins).
    cors_origins: tuple[str, ...] | None = field(default=None, metadata=parse_with(cors_origins))
    # Unset, the app has no deploy-role stack (docs/forking.md, "The pipeline").
    pipeline: PipelineConfig | None = field(
        default=None, metadata=parse_with(object_of(PipelineConfig))
    )

    def __post_init__(self) -> None:
        hook = self.token_hook
        if hook.event_version is EventVersion.V2_0 and self.feature_plan is FeaturePlan.LITE:
            raise ConfigError(
                "tokenHook.eventVersion",
                "V2_0 needs the Essentials or Plus feature plan, and featurePlan is LITE",
                'Set tokenHook.eventVersion to "V1_0" (ID token only), or featurePlan to '
                '"ESSENTIALS"',
            )
        # The longest name the stage goes into, whatever the groups are called.
        if len(self.default_role_name) > MAX_ROLE_NAME:
            raise ConfigError(
                "stage",
                f"{self.stage!r} makes the role name {self.default_role_name!r}, "
                f"{len(self.default_role_name)} characters long",
                f"IAM allows {MAX_ROLE_NAME}: shorten the stage or appName",
            )
        names = [group.name for group in self.groups]
        # IAM role names ignore case (IAM user guide, "IAM object quotas and names": names are
        # not distinguished by case), so group roles may not collide that way either.
        role_owners = {AUTHENTICATED: "the identity pool's default authenticated role"}
        for index, group in enumerate(self.groups):
            owner = role_owners.get(group.name.lower())
            if owner is not None:
                raise ConfigError(
                    f"groups[{index}].name",
                    f"{group.name!r} makes the same role name, ignoring case, as {owner} "
                    "(IAM role names are not case-sensitive)",
                    "Give the group another name",
                )
            role_owners[group.name.lower()] = f"groups[{index}]"
            if group.scopes and hook.event_version is EventVersion.V1_0:
                raise ConfigError(
                    f"groups[{index}].scopes",
                    "scopes go into the access token, which a V1_0 hook cannot shape",
                    'Remove the scopes, or set tokenHook.eventVersion to "V2_0"',
                )
            role_name = self.group_role_name(group.name)
            if len(role_name) > MAX_ROLE_NAME:
                raise ConfigError(
                    f"groups[{index}].name",
                    f"makes the role name {role_name!r}, {len(role_name)} characters long",
                    f"IAM allows {MAX_ROLE_NAME}: shorten the group name, the stage or appName",
                )
        if self.federation and len(self.domain_prefix) > MAX_DOMAIN_PREFIX:
            raise ConfigError(
                "federation.domainPrefix",
                f"with the stage it makes the domain prefix {self.domain_prefix!r}, "
                f"{len(self.domain_prefix)} characters long",
                f"Cognito allows {MAX_DOMAIN_PREFIX}: shorten the prefix or the stage",
            )
        hook_claims = {claim.claim for claim in hook.claims}
        for tag, claim in self.principal_tags:
            if claim not in hook_claims | KNOWN_ATTRIBUTES:
                hint = (
                    "Custom attributes need the custom: prefix"
                    if f"custom:{claim}" in KNOWN_ATTRIBUTES
                    else "Use a claim the token hook adds (tokenHook.claims) or a pool attribute"
                )
                raise ConfigError(
                    f"principalTags.{tag}", f"{claim!r} is not a claim of this pool's tokens", hint
                )
        self.providers.check_rules({group.name: group.preset for group in self.groups})
        for index, oidc in enumerate(self.providers.oidc):
            oidc.check_provider_arn(f"providers.oidc[{index}]", self.account)
        for index, saml in enumerate(self.providers.saml):
            saml_name = self.saml_provider_name(saml)
            if len(saml_name) > MAX_SAML_NAME:
                raise ConfigError(
                    f"providers.saml[{index}].name",
                    f"makes the IAM SAML provider name {saml_name!r}, {len(saml_name)} "
                    "characters long",
                    f"IAM allows {MAX_SAML_NAME}: shorten the name, the stage or appName",
                )
        self._check_developer_provider_name()
        topic = self.monitoring.alarm_topic_arn
        topic_match = TOPIC_ARN.fullmatch(topic) if topic else None
        if topic_match and self.region and topic_match["region"] != self.region:
            raise ConfigError(
                "monitoring.alarmTopicArn",
                f"the topic is in {topic_match['region']}, the stack in {self.region}; CloudWatch "
                "alarms notify only a topic in their own region",
                f"Create the topic in {self.region} and give its ARN",
            )
        if self.federation:
            self.federation.check_group_maps(names)
        self._check_pipeline_account()
        refuse_user_writable_inputs(self, frozenset(WRITABLE))
        if self.federation:
            refuse_mapped_attributes_writable_by_users(frozenset(WRITABLE))
        # Last: what AWS would refuse only at deploy time, once every name above is valid.
        check_limits(self)

    def _check_developer_provider_name(self) -> None:
        """Group roles trust providers by their amr names; a developer provider sharing one
        would let developer identities assume that provider's roles through STS."""
        name = self.developer_auth.provider_name
        if name in self.providers.login_names():
            raise ConfigError(
                "developerAuth.providerName",
                f"{name!r} is also the login name of an external provider, so developer "
                "identities would carry that provider's name in their tokens",
                "Choose a name of your own, such as login.<your domain>",
            )

    def _check_pipeline_account(self) -> None:
        stage = self.pipeline.stage(self.stage) if self.pipeline else None
        if stage and stage.account and self.account and stage.account != self.account:
            raise ConfigError(
                f"pipeline.stages.{self.stage}.account",
                f"is {stage.account}, while account is {self.account}: the stage would deploy "
                "to one account and its deploy role to another",
                "Give the stage's account in one place (leave account unset when the pipeline "
                "names an account per stage)",
            )

    def group_role_name(self, group: str) -> str:
        """The deterministic role name the hook turns into an ARN without Ref or GetAtt."""
        return f"{self.stack_name}-{group}"

    def saml_provider_name(self, saml: SamlConfig) -> str:
        """The IAM SAML provider's name: unique in the account (IAM), so it carries the stack
        name, unless ``iamName`` keeps the name a stage was first deployed with."""
        return saml.iam_name or f"{self.stack_name}-{saml.name}"

    @property
    def default_role_name(self) -> str:
        """The default authenticated role's name: the hook names it for users in no group."""
        return self.group_role_name(AUTHENTICATED)

    @property
    def stack_name(self) -> str:
        return f"{self.app_name}-{self.stage}"

    @property
    def domain_prefix(self) -> str:
        """Managed login's domain prefix: unique in the region, so it carries the stage."""
        prefix = self.federation.domain_prefix if self.federation else self.app_name
        return f"{prefix}-{self.stage}"

    @property
    def stage_account(self) -> str | None:
        """The account the stage's stacks are pinned to: the pipeline's for the stage, else
        ``account`` (``None``: whatever account the deploying credentials are for)."""
        stage = self.pipeline.stage(self.stage) if self.pipeline else None
        return (stage.account if stage else None) or self.account

    @property
    def deploy_role_stack_name(self) -> str:
        """The stage's own deploy role: one per stage, never shared with another stage."""
        return f"{self.stack_name}-deploy-role"

    @property
    def protected(self) -> bool:
        """Whether this stage keeps its users and data: true unless ``stage`` matches one of
        ``disposableStages`` (names or glob patterns). A protected stage's stack has termination
        protection; every stateful resource in it is retained on delete and on replacement, the
        user pool and tables keep deletion protection, tables point-in-time recovery
        (``infra/retention.py``); ``make destroy`` refuses it. A disposable stage is deleted
        whole with its stack."""
        return not any(fnmatchcase(self.stage, pattern) for pattern in self.disposable_stages)

    @property
    def web_origins(self) -> tuple[str, ...]:
        """The origins every API and the bucket answer CORS for (``corsOrigins``, or by stage)."""
        return allowed_origins(self.cors_origins, disposable=not self.protected)


def refuse_user_writable_inputs(config: AppConfig, user_writable: frozenset[str]) -> None:
    """No hook input or principal tag may come from an attribute some user can write
    (docs/security.md, "A user puts themselves in a group")."""
    for index, claim in enumerate(config.token_hook.claims):
        if claim.source in user_writable:
            raise ConfigError(
                f"tokenHook.claims[{index}].source",
                f"{claim.source!r} is writable by the app client, so any user could set their "
                f"own {claim.claim!r} claim",
                "Use an attribute only administrators write (such as custom:tenant), or take it "
                "off the client's write attributes (WRITABLE in infra/config/user_pool.py)",
            )
    hook_claims = {claim.claim for claim in config.token_hook.claims}
    for tag, tag_claim in config.principal_tags:
        # A claim the hook sets comes from a source checked above; any other is the attribute.
        if tag_claim not in hook_claims and tag_claim in user_writable:
            raise ConfigError(
                f"principalTags.{tag}",
                f"{tag_claim!r} is writable by the app client, so any user could choose their own "
                f"{tag!r} tag and reach another tenant's data",
                "Tag from a claim the token hook sets or an attribute only administrators write",
            )
    if IDP_GROUPS_ATTRIBUTE in user_writable:
        raise ConfigError(
            "federation",
            f"{IDP_GROUPS_ATTRIBUTE} is writable by the app client, so users could pick groups",
            "Only the federated client may write it; take it off the native client's write list",
        )


def tag_transforms(config: AppConfig) -> dict[str, list[str]]:
    """Per principal tag, the transforms the hook applies to the claim the tag comes from, so a
    developer user's tag is normalized as a pool user's is (tenant=ACME -> tenants/acme/)."""
    claims = {claim.claim: claim.transforms for claim in config.token_hook.claims}
    return {
        tag: [str(step) for step in claims.get(claim, ())] for tag, claim in config.principal_tags
    }


def parse_config(raw: Any) -> AppConfig:
    """Parse the ``config`` context value; ``None`` (no config at all) gives the defaults."""
    refuse_moved_key(raw)
    return parse_object(AppConfig, {} if raw is None else raw, "")
