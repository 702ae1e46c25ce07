"""Access paths: for every identity pool and provider, the way from sign-in to a role.

Role resolution follows the Cognito developer guide, "Role-based access control":
- token mapping (user pools): ``CustomRoleArn`` if it is one of ``cognito:roles`` (the roles of
  the user's groups), else ``cognito:preferred_role`` (the group with the lowest precedence);
  no preferred role with several roles (a precedence tie) is ambiguous; a token with no role
  (a user in no group) gets the default authenticated role;
- rules mapping: the first matching rule, in order (``CustomRoleArn`` may pick another matching
  one); no match is ambiguous;
- ambiguous: ``AmbiguousRoleResolution`` (``AuthenticatedRole``: the default role; ``Deny``);
- a provider without a role mapping, and developer-authenticated identities: the default role;
- guests (unauthenticated identities): the unauthenticated role, only when the pool allows them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from facts.cloudformation import Json
from facts.iam import as_list
from review.claims import allowed_claims
from review.roles import role_key_for_arn
from review.template import Template, fields, flag, objects

DEFAULT = "the default authenticated role"
DENIED = "denied"
# Provider names as AWS issues them in amr, for trust patterns written with wildcards: a user
# pool's is cognito-idp.<region>.amazonaws.com/<pool id>, a SAML provider's its ARN (developer
# guide, "Role trust and permissions").
USER_POOL_AMR_EXAMPLE = "cognito-idp.us-east-1.amazonaws.com/us-east-1_Example"
SAML_AMR_EXAMPLE = "arn:aws:iam::123456789012:saml-provider/Example"


@dataclass(frozen=True)
class GroupPath:
    group: str
    precedence: int | None
    role: str | None


@dataclass(frozen=True)
class RulePath:
    order: int
    claim: str
    match_type: str
    value: str
    role: str | None


@dataclass(frozen=True)
class Provider:
    kind: str  # user pool | login provider | OIDC | SAML
    name: str
    client: str | None
    server_side_token_check: bool | None
    mapping: str  # Token | Rules | none
    ambiguous: str | None
    groups: list[GroupPath] = field(default_factory=list)
    ties: list[list[str]] = field(default_factory=list)
    rules: list[RulePath] = field(default_factory=list)
    allowed_claims: list[str] | None = None
    principal_tags: dict[str, str] = field(default_factory=dict)
    tags_use_defaults: bool = False
    # The amr values its identities carry, as the template writes them (``Ref``, ``GetAtt``,
    # ``Fn::Join``) and as AWS issues them, so a trust pattern matches whichever it names.
    amr: tuple[str, ...] = ()

    @property
    def mapped_roles(self) -> set[str]:
        """The roles its mapping may give besides the pool's default authenticated role
        (Cognito developer guide, "Role-based access control")."""
        if self.mapping == "Token":
            return {group.role for group in self.groups if group.role}
        if self.mapping == "Rules":
            return {rule.role for rule in self.rules if rule.role}
        return set()

    @property
    def label(self) -> str:
        if self.kind == "user pool":
            return f"user pool {self.name} (client {self.client})"
        return self.name


@dataclass(frozen=True)
class Identity:
    """One way to get credentials, and the role it ends at."""

    label: str
    role: str | None  # None: denied
    how: str
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Pool:
    key: str
    logical_id: str
    classic_flow: bool
    guest: bool
    default_role: str | None
    guest_role: str | None
    developer_provider: str | None
    providers: list[Provider]
    identities: list[Identity]


def pools(template: Template) -> list[Pool]:
    return [
        _pool(template, logical_id) for logical_id in template.of_type("AWS::Cognito::IdentityPool")
    ]


def _pool(template: Template, pool_id: str) -> Pool:
    props = template.properties(pool_id)
    attachment = _attachment(template, pool_id)
    roles = fields(attachment.get("Roles"))
    default_role = role_key_for_arn(template, roles.get("authenticated"))
    guest_role = role_key_for_arn(template, roles.get("unauthenticated"))
    # Without IdentityProvider, a mapping's key names its provider (CloudFormation reference,
    # AWS::Cognito::IdentityPoolRoleAttachment RoleMappings).
    mappings = [
        {"IdentityProvider": key, **mapping}
        for key, raw in fields(attachment.get("RoleMappings")).items()
        for mapping in objects(raw)
    ]
    tags = _principal_tags(template, pool_id)
    providers: list[Provider] = []

    for entry in objects(props.get("CognitoIdentityProviders")):
        refs = template.references(entry.get("ProviderName")) | template.references(
            entry.get("ClientId")
        )
        name = f"{template.text(entry.get('ProviderName'))}:{template.text(entry.get('ClientId'))}"
        mapping = _mapping_refs(template, mappings, refs) or _mapping_named(
            template, mappings, name
        )
        pool_refs = template.references(entry.get("ProviderName"))
        providers.append(
            _provider(
                template,
                "user pool",
                _short(template, entry.get("ProviderName"), "AWS::Cognito::UserPool"),
                _short(template, entry.get("ClientId"), "AWS::Cognito::UserPoolClient"),
                mapping,
                groups=_groups(template, pool_refs),
                tags=next((t for refs_, t in tags if refs_ and refs_ <= pool_refs), None),
                # A value the template does not fix reads as off: the riskier setting.
                token_check=flag(entry.get("ServerSideTokenCheck")),
                amr=(
                    template.text(entry.get("ProviderName")),
                    *(f"<{template.name_of(ref)}.ProviderName>" for ref in sorted(pool_refs)),
                    USER_POOL_AMR_EXAMPLE,
                ),
            )
        )
    for domain in fields(props.get("SupportedLoginProviders")):
        providers.append(
            _provider(
                template,
                "login provider",
                domain,
                None,
                _mapping_named(template, mappings, domain),
                tags=_tags_named(tags, domain),
                amr=(domain,),
            )
        )
    for arn in as_list(props.get("OpenIdConnectProviderARNs")):
        refs = template.references(arn)
        url = next((template.text(template.properties(r).get("Url")) for r in refs), None)
        name = url.removeprefix("https://") if url else template.text(arn)
        mapping = _mapping_named(template, mappings, name) or _mapping_refs(
            template, mappings, refs
        )
        providers.append(
            _provider(
                template,
                "OIDC",
                name,
                None,
                mapping,
                tags=_tags_named(tags, name),
                amr=(name, template.text(arn)),
            )
        )
    for arn in as_list(props.get("SamlProviderARNs")):
        refs = template.references(arn)
        names = [template.properties(r).get("Name") for r in sorted(refs)]
        name = names[0] if names and isinstance(names[0], str) else template.text(arn)
        providers.append(
            _provider(
                template,
                "SAML",
                name,
                None,
                _mapping_refs(template, mappings, refs)
                or _mapping_named(template, mappings, template.text(arn)),
                tags=next((t for refs_, t in tags if refs_ and refs_ == refs), None),
                amr=(template.text(arn), SAML_AMR_EXAMPLE),
            )
        )
    # A value the template does not fix reads as on: the riskier setting.
    classic = flag(props.get("AllowClassicFlow"), unknown=True)
    guest = flag(props.get("AllowUnauthenticatedIdentities"), unknown=True)
    developer = props.get("DeveloperProviderName")
    developer_name = template.text(developer) if developer else None
    return Pool(
        key=template.name_of(pool_id),
        logical_id=pool_id,
        classic_flow=classic,
        guest=guest,
        default_role=default_role,
        guest_role=guest_role,
        developer_provider=developer_name,
        providers=providers,
        identities=_identities(
            providers, default_role, guest_role if guest else None, developer_name
        ),
    )


def _short(template: Template, value: Json, resource_type: str) -> str:
    """A user pool or client by its construct path, else the resolved value."""
    for logical_id in sorted(template.references(value)):
        if template.type_of(logical_id) == resource_type:
            return template.name_of(logical_id)
    return template.text(value)


def _attachment(template: Template, pool_id: str) -> dict[str, Json]:
    for attachment_id in template.of_type("AWS::Cognito::IdentityPoolRoleAttachment"):
        props = template.properties(attachment_id)
        if pool_id in template.references(props.get("IdentityPoolId")):
            return props
    return {}


def _principal_tags(
    template: Template, pool_id: str
) -> list[tuple[set[str], tuple[str, dict[str, str], bool]]]:
    """(references of the provider name, (provider name, tag -> claim, UseDefaults))."""
    found = []
    for tag_id in template.of_type("AWS::Cognito::IdentityPoolPrincipalTag"):
        props = template.properties(tag_id)
        if pool_id in template.references(props.get("IdentityPoolId")):
            provider = props.get("IdentityProviderName")
            found.append(
                (
                    template.references(provider),
                    (
                        template.text(provider),
                        {
                            k: template.text(v)
                            for k, v in fields(props.get("PrincipalTags")).items()
                        },
                        flag(props.get("UseDefaults")),
                    ),
                )
            )
    return found


def _tags_named(
    tags: list[tuple[set[str], tuple[str, dict[str, str], bool]]], name: str
) -> tuple[str, dict[str, str], bool] | None:
    return next((t for refs, t in tags if not refs and t[0] == name), None)


def _mapping_named(template: Template, mappings: list[Json], name: str) -> Json:
    return next((m for m in mappings if template.text(m.get("IdentityProvider")) == name), None)


def _mapping_refs(template: Template, mappings: list[Json], refs: set[str]) -> Json:
    return next(
        (m for m in mappings if refs and template.references(m.get("IdentityProvider")) == refs),
        None,
    )


def _groups(template: Template, pool_refs: set[str]) -> list[GroupPath]:
    groups = []
    for group_id in template.of_type("AWS::Cognito::UserPoolGroup"):
        props = template.properties(group_id)
        if template.references(props.get("UserPoolId")) & pool_refs:
            precedence = props.get("Precedence")
            groups.append(
                GroupPath(
                    group=template.text(props.get("GroupName", template.name_of(group_id))),
                    precedence=precedence if isinstance(precedence, int) else None,
                    role=role_key_for_arn(template, props.get("RoleArn")),
                )
            )
    # Cognito ranks groups by precedence, lowest first; a group without one ranks last.
    return sorted(groups, key=lambda g: (g.precedence is None, g.precedence or 0, g.group))


def _provider(
    template: Template,
    kind: str,
    name: str,
    client: str | None,
    mapping: Json,
    *,
    groups: list[GroupPath] | None = None,
    tags: tuple[str, dict[str, str], bool] | None = None,
    token_check: bool | None = None,
    amr: tuple[str, ...] = (),
) -> Provider:
    mapping = mapping or {}
    mapping_type = str(mapping.get("Type", "none"))
    rules = [
        RulePath(
            order=index,
            claim=template.text(rule.get("Claim")),
            match_type=template.text(rule.get("MatchType")),
            value=template.text(rule.get("Value")),
            role=role_key_for_arn(template, rule.get("RoleARN")),
        )
        for index, rule in enumerate(
            objects(fields(mapping.get("RulesConfiguration")).get("Rules")), start=1
        )
    ]
    groups = groups if mapping_type == "Token" else []
    by_precedence: dict[int, list[str]] = {}
    for group in groups or []:
        if group.precedence is not None:
            by_precedence.setdefault(group.precedence, []).append(group.group)
    allowed = allowed_claims(name) if kind == "login provider" else None
    return Provider(
        kind=kind,
        name=name,
        client=client,
        server_side_token_check=token_check,
        mapping=mapping_type,
        ambiguous=template.text(mapping.get("AmbiguousRoleResolution")) if mapping else None,
        groups=groups or [],
        ties=[names for names in by_precedence.values() if len(names) > 1],
        rules=rules,
        allowed_claims=sorted(allowed) if allowed is not None else None,
        principal_tags=tags[1] if tags else {},
        tags_use_defaults=tags[2] if tags else False,
        amr=amr,
    )


def _identities(
    providers: list[Provider],
    default_role: str | None,
    guest_role: str | None,
    developer: str | None,
) -> list[Identity]:
    found = []
    for provider in providers:
        tags = provider.principal_tags
        if not tags and provider.tags_use_defaults:
            # UseDefaults: Cognito maps its default claims to the tags (username and client id).
            tags = {"username": "(default mapping)", "client": "(default mapping)"}
        ambiguous = default_role if provider.ambiguous == "AuthenticatedRole" else None
        if provider.mapping == "Token":
            for group in provider.groups:
                found.append(
                    Identity(
                        f"{provider.label} / group {group.group}",
                        group.role,
                        f"token: preferred role (precedence {group.precedence}) "
                        "or CustomRoleArn among the user's group roles",
                        tags,
                    )
                )
            found.append(
                Identity(f"{provider.label} / no group", default_role, "token without roles", tags)
            )
            found.append(
                Identity(
                    f"{provider.label} / several roles, no preferred role",
                    ambiguous,
                    f"ambiguous: {provider.ambiguous}",
                    tags,
                )
            )
        elif provider.mapping == "Rules":
            for rule in provider.rules:
                found.append(
                    Identity(
                        f"{provider.label} / rule {rule.claim} {rule.match_type} {rule.value!r}",
                        rule.role,
                        f"rule {rule.order} (first match wins; CustomRoleArn may pick another)",
                        tags,
                    )
                )
            found.append(
                Identity(
                    f"{provider.label} / no rule matches",
                    ambiguous,
                    f"ambiguous: {provider.ambiguous}",
                    tags,
                )
            )
        else:
            found.append(Identity(provider.label, default_role, "no role mapping", tags))
    if developer:
        found.append(
            Identity(
                f"developer provider {developer}",
                default_role,
                "developer-authenticated identities get the default role; "
                "their principal tags come from the backend",
                {"(set by the backend)": "GetOpenIdTokenForDeveloperIdentity PrincipalTags"},
            )
        )
    if guest_role:
        found.append(Identity("guest (unauthenticated)", guest_role, "guest access on"))
    return found
