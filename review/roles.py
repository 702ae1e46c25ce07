"""Roles: trust conditions, whether they take session tags, and their effective permissions.

Permissions come from everything the template attaches to a role: its inline ``Policies``,
``AWS::IAM::Policy`` and ``AWS::IAM::ManagedPolicy`` resources that list it in ``Roles``,
``AWS::IAM::RolePolicy`` resources naming it in ``RoleName``, managed policies of the template
named in its ``ManagedPolicyArns``, and S3 bucket policy statements whose principal is the role.
Managed policies from outside the template (AWS managed ones) are listed by ARN: their contents
are not in the template. A ``PermissionsBoundary`` is kept as its (resolved) ARN.

``NotAction``, ``NotResource`` and ``NotPrincipal`` are kept apart from ``Action``,
``Resource`` and ``Principal``: an Allow with ``NotAction`` grants every action but those.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from facts.cloudformation import Json
from facts.cognito import COGNITO_IDENTITY
from facts.iam import as_list, glob_matches
from review.template import Template, objects

Conditions = dict[str, dict[str, list[str]]]


@dataclass(frozen=True)
class Statement:
    """One policy statement, resolved: who (for trust), what, where, under which conditions."""

    effect: str
    actions: list[str]
    resources: list[str]
    conditions: Conditions
    source: str
    principals: list[str] = field(default_factory=list)
    not_actions: list[str] = field(default_factory=list)
    not_resources: list[str] = field(default_factory=list)
    not_principals: list[str] = field(default_factory=list)

    @property
    def action_labels(self) -> list[str]:
        """What the statement's action part matches: its actions, or ``NotAction [...]``."""
        return _labels(self.actions, self.not_actions, "NotAction")

    @property
    def resource_labels(self) -> list[str]:
        return _labels(self.resources, self.not_resources, "NotResource")

    @property
    def principal_labels(self) -> list[str]:
        return _labels(self.principals, self.not_principals, "NotPrincipal")


def _labels(plain: list[str], negated: list[str], kind: str) -> list[str]:
    if negated:
        return [*plain, f"{kind} [{', '.join(negated)}]"]
    return plain


@dataclass(frozen=True)
class Role:
    key: str  # the construct path: stable across synths
    logical_id: str
    name: str  # RoleName if the template fixes one, else the key
    description: str
    trust: list[Statement]
    permissions: list[Statement]
    outside_policies: list[str]  # managed policy ARNs whose contents are not in the template
    permissions_boundary: str | None = None

    @property
    def identity_pool_role(self) -> bool:
        """Trusted by Cognito identity pools (web identity federation)."""
        return any(f"Federated:{COGNITO_IDENTITY}" in s.principals for s in self.trust)

    @property
    def tag_session(self) -> bool:
        """Its trust policy lets Cognito pass session (principal) tags."""
        return any(
            f"Federated:{COGNITO_IDENTITY}" in s.principals
            and s.effect == "Allow"
            and any(a in ("sts:TagSession", "sts:*", "*") for a in s.actions)
            for s in self.trust
        )


def conditions(template: Template, value: Json) -> Conditions:
    """A statement's ``Condition`` with every value a sorted list of resolved strings."""
    return {
        operator: {
            key: sorted(template.text(v) for v in as_list(values)) for key, values in keys.items()
        }
        if isinstance(keys, dict)
        else {"(not a map of keys)": [template.text(keys)]}
        for operator, keys in sorted(_operators(value).items())
    }


def _operators(value: Json) -> dict[str, Json]:
    """A ``Condition`` block; one that is not a map (an ``Fn::If``'s is one, since either
    branch may deploy) is kept whole as one unreadable operator, never dropped."""
    if isinstance(value, dict) and not any(key.startswith("Fn::") for key in value):
        return value
    return {"(unresolved condition)": {"(not a map of keys)": value}} if value else {}


def _principals(template: Template, principal: Json) -> list[str]:
    if principal in (None, {}):
        return []
    if not isinstance(principal, dict):
        return ["*"] if principal == "*" else [template.text(principal)]
    return [
        f"{kind}:{template.text(p)}"
        for kind, values in sorted(principal.items())
        for p in as_list(values)
    ]


def statements(template: Template, document: Json, source: str) -> list[Statement]:
    found = []
    if isinstance(document, str):  # a policy document given as JSON text
        try:
            document = json.loads(document)
        except ValueError:
            document = None
    for raw in (raw for doc in objects(document) for raw in objects(doc.get("Statement"))):
        found.append(
            Statement(
                effect=str(raw.get("Effect", "Allow")),
                actions=sorted(template.text(a) for a in as_list(raw.get("Action"))),
                resources=sorted(template.text(r) for r in as_list(raw.get("Resource"))),
                conditions=conditions(template, raw.get("Condition")),
                source=source,
                principals=_principals(template, raw.get("Principal")),
                not_actions=sorted(template.text(a) for a in as_list(raw.get("NotAction"))),
                not_resources=sorted(template.text(r) for r in as_list(raw.get("NotResource"))),
                not_principals=_principals(template, raw.get("NotPrincipal")),
            )
        )
    return found


def roles(template: Template) -> dict[str, Role]:
    """Every ``AWS::IAM::Role`` of the template, by key."""
    found = {}
    for logical_id, resource in template.of_type("AWS::IAM::Role").items():
        props = resource.get("Properties", {})
        key = template.name_of(logical_id)
        permissions = [
            statement
            for policy in objects(props.get("Policies"))
            for statement in statements(
                template,
                policy.get("PolicyDocument"),
                f"inline policy {template.text(policy.get('PolicyName', '?'))}",
            )
        ]
        permissions += _attached_policies(template, logical_id)
        permissions += _role_policies(template, logical_id, props)
        outside = []
        for arn in as_list(props.get("ManagedPolicyArns")):
            [*local] = template.references(arn) & set(template.of_type("AWS::IAM::ManagedPolicy"))
            if local:
                policy = template.properties(local[0])
                permissions += statements(
                    template,
                    policy.get("PolicyDocument"),
                    f"managed policy {template.name_of(local[0])}",
                )
            else:
                outside.append(template.text(arn))
        permissions += _bucket_policies(template, logical_id, props)
        role_name = props.get("RoleName")
        boundary = props.get("PermissionsBoundary")
        found[key] = Role(
            key=key,
            logical_id=logical_id,
            name=role_name if isinstance(role_name, str) else key,
            description=template.text(props.get("Description", "")),
            trust=statements(template, props.get("AssumeRolePolicyDocument"), "trust policy"),
            permissions=permissions,
            outside_policies=outside,
            permissions_boundary=template.text(boundary) if boundary else None,
        )
    return found


def role_key_for_arn(template: Template, value: Json) -> str | None:
    """The key of the template role an ARN value (``Fn::GetAtt [Role, Arn]``) names, if any."""
    for logical_id in template.references(value):
        if template.type_of(logical_id) == "AWS::IAM::Role":
            return template.name_of(logical_id)
    if isinstance(value, str):
        for logical_id, role in template.of_type("AWS::IAM::Role").items():
            name = role.get("Properties", {}).get("RoleName")
            if isinstance(name, str) and value.endswith(f":role/{name}"):
                return template.name_of(logical_id)
    return None


def _attached_policies(template: Template, role_id: str) -> list[Statement]:
    found = []
    for policy_type in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        for policy_id, policy in template.of_type(policy_type).items():
            props = policy.get("Properties", {})
            if role_id in template.references(props.get("Roles", [])):
                kind = "policy" if policy_type == "AWS::IAM::Policy" else "managed policy"
                found += statements(
                    template, props.get("PolicyDocument"), f"{kind} {template.name_of(policy_id)}"
                )
    return found


def _role_policies(template: Template, role_id: str, props: dict[str, Json]) -> list[Statement]:
    """``AWS::IAM::RolePolicy`` resources whose ``RoleName`` is this role (``Ref``) or its name."""
    role_name = props.get("RoleName")
    found = []
    for policy_id, policy in template.of_type("AWS::IAM::RolePolicy").items():
        policy_props = policy.get("Properties", {})
        target = policy_props.get("RoleName")
        if role_id in template.references(target) or (
            isinstance(role_name, str) and target == role_name
        ):
            found += statements(
                template,
                policy_props.get("PolicyDocument"),
                f"role policy {template.name_of(policy_id)}",
            )
    return found


def _bucket_policies(template: Template, role_id: str, props: dict[str, Json]) -> list[Statement]:
    """Bucket policy statements whose principal is this role (by reference or by name)."""
    role_name = props.get("RoleName")
    found = []
    for policy_id, policy in template.of_type("AWS::S3::BucketPolicy").items():
        document = policy.get("Properties", {}).get("PolicyDocument", {})
        for raw in objects(document.get("Statement")):
            principal = raw.get("Principal")
            if not isinstance(principal, dict):
                continue
            aws = principal.get("AWS")
            named = role_id in template.references(aws) or (
                isinstance(role_name, str)
                and any(
                    isinstance(p, str) and p.endswith(f":role/{role_name}") for p in as_list(aws)
                )
            )
            if named:
                found += statements(
                    template,
                    {"Statement": [raw]},
                    f"bucket policy {template.name_of(policy_id)}",
                )
    return found


def wildcard_actions(role: Role) -> list[str]:
    """Allowed actions with a wildcard (``*``, ``s3:*``, ``s3:Get*``), and every ``NotAction``
    or ``NotResource`` of an Allow (all actions but some, or on all resources but some)."""
    found = {a for s in role.permissions if s.effect == "Allow" for a in s.actions if "*" in a}
    for s in role.permissions:
        if s.effect == "Allow" and s.not_actions:
            found.add(f"NotAction [{', '.join(s.not_actions)}] (every other action)")
        if s.effect == "Allow" and s.not_resources:
            found.add(
                f"{', '.join(s.action_labels)} on NotResource [{', '.join(s.not_resources)}] "
                "(every other resource)"
            )
    return sorted(found)


INVOKE = "execute-api:Invoke"
# One field of an ARN as the review writes it: text, a ${pseudo parameter or policy variable},
# or a <Construct/Path> (which may hold '/').
_FIELD = r"(?:\$\{[^}]*\}|<[^>]*>|[^:/<$])*"
# API Gateway's execute-api ARN: arn:<partition>:execute-api:<region>:<account>:<api id>, then
# /<stage>/<HTTP method>/<resource path> (API Gateway developer guide, "Control access to a
# REST API with IAM permissions": resource format of permissions for executing an API).
_EXECUTE_API = re.compile(
    rf"^arn:{_FIELD}:execute-api:{_FIELD}:{_FIELD}:(?P<api>{_FIELD})(?:/(?P<rest>.*))?$"
)


@dataclass(frozen=True)
class ApiRoute:
    """What one ``execute-api:Invoke`` Allow lets a role call: the API, its stage, the HTTP
    method and the resource path, each as the grant names it (``*`` where it names any, policy
    variables such as ``${aws:PrincipalTag/tenant}`` kept), and the statement's conditions."""

    api: str
    stage: str
    method: str
    path: str
    conditions: Conditions

    @property
    def route(self) -> str:
        return f"{self.method} {self.path}"


def api_route(resource: str, conditions: Conditions) -> ApiRoute | None:
    """The route an execute-api resource names; ``*`` is every route of every API; None for a
    resource of another service."""
    if resource == "*":
        return ApiRoute("*", "*", "*", "*", conditions)
    match = _EXECUTE_API.match(resource)
    if match is None:
        return None
    parts = match["rest"].split("/", 2) if match["rest"] is not None else []
    # A trailing wildcard covers the parts after it: `<api>/v1/*` is every method and path of
    # stage v1; without one, a missing part matches nothing (it shows empty).
    last = match["api"]
    while len(parts) < 3:
        parts.append("*" if (parts[-1] if parts else last).endswith("*") else "")
    stage, method, path = parts
    path = path if path in ("", "*") else f"/{path}"
    return ApiRoute(match["api"], stage, method, path, conditions)


def api_routes(role: Role) -> list[ApiRoute]:
    """Every route the role's Allows of ``execute-api:Invoke`` (or an action pattern covering
    it) name, in the order of its statements."""
    return [
        route
        for statement in role.permissions
        if statement.effect == "Allow"
        and any(glob_matches(a, INVOKE, ignore_case=True) for a in statement.actions)
        for resource in statement.resources
        if (route := api_route(resource, statement.conditions)) is not None
    ]
