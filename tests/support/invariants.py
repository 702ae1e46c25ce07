"""The security invariants of docs/security.md as checks over a synthesized template.

Each check returns the list of violations, so a test can assert that the shipped template has
none and that a template loosened on purpose has exactly the expected one. The checks relate
resources to each other (roles to the groups and rules that reach them) and run over templates
tests loosen, so they read plain JSON rather than aws_cdk.assertions.
"""

from __future__ import annotations

import json
from typing import Any

from facts.cognito import AMR, AUD, COGNITO_IDENTITY
from facts.iam import as_list, glob_matches
from tests.support.template import Template, resources

WILDCARDS = ("*", "?")


def _arn_of(value: Any) -> str | None:
    """The logical id of a role named by ``Fn::GetAtt [id, Arn]``."""
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        logical_id, attribute = value["Fn::GetAtt"]
        return str(logical_id) if attribute == "Arn" else None
    return None


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def default_roles(template: Template) -> dict[str, str]:
    """Each identity pool's default roles: role logical id -> the only amr it may trust."""
    defaults = {}
    for attachment in resources(template, "AWS::Cognito::IdentityPoolRoleAttachment").values():
        for kind, arn in attachment["Properties"].get("Roles", {}).items():
            logical_id = _arn_of(arn)
            if logical_id is not None:
                defaults[logical_id] = kind
    return defaults


def providers_reaching(template: Template) -> dict[str, set[str]]:
    """Role logical id -> the providers (their amr names, as template JSON) that may hand it out:
    the user pool of a group that carries the role (token mapping), and each provider whose
    rules mapping names it."""
    reaching: dict[str, set[str]] = {}
    for group in resources(template, "AWS::Cognito::UserPoolGroup").values():
        logical_id = _arn_of(group["Properties"].get("RoleArn"))
        if logical_id is not None:
            pool = {"Fn::GetAtt": [group["Properties"]["UserPoolId"]["Ref"], "ProviderName"]}
            reaching.setdefault(logical_id, set()).add(_key(pool))
    for attachment in resources(template, "AWS::Cognito::IdentityPoolRoleAttachment").values():
        for mapping in attachment["Properties"].get("RoleMappings", {}).values():
            rules = mapping.get("RulesConfiguration", {}).get("Rules", [])
            for rule in rules:
                logical_id = _arn_of(rule["RoleARN"])
                if logical_id is not None:
                    reaching.setdefault(logical_id, set()).add(_key(mapping["IdentityProvider"]))
    return reaching


def trust_violations(template: Template) -> list[str]:
    """Every role Cognito Identity may assume pins ``aud`` to this template's identity pool and
    names in ``amr`` only who may have it (docs/security.md, "Trust"):

    - the pool's default authenticated role: ``authenticated``; its guest role:
      ``unauthenticated``;
    - any other role: only the providers that reach it (``providers_reaching``), by name, with
      no wildcard, so that no identity of another provider (a developer identity's token called
      straight into STS, in particular) satisfies the trust.

    Any other condition operator, key or value is a loosening.
    """
    pools = set(resources(template, "AWS::Cognito::IdentityPool"))
    defaults = default_roles(template)
    reaching = providers_reaching(template)
    violations = []
    for logical_id, role in resources(template, "AWS::IAM::Role").items():
        for statement in role["Properties"]["AssumeRolePolicyDocument"]["Statement"]:
            federated = as_list(statement.get("Principal", {}).get("Federated", []))
            if COGNITO_IDENTITY not in federated or statement.get("Effect") != "Allow":
                continue
            condition = statement.get("Condition", {})
            aud = condition.get("StringEquals", {}).get(AUD)
            amr = condition.get("ForAnyValue:StringLike", {}).get(AMR)
            if not (isinstance(aud, dict) and aud.get("Ref") in pools):
                violations.append(f"{logical_id}: aud is {aud!r}, not this identity pool")
            values = [] if amr is None else as_list(amr)
            if logical_id in defaults:
                if values != [defaults[logical_id]]:
                    violations.append(
                        f"{logical_id}: the pool's {defaults[logical_id]} role trusts amr "
                        f"{amr!r}, not {defaults[logical_id]!r}"
                    )
            elif not values:
                violations.append(f"{logical_id}: no amr condition, so any identity may assume it")
            else:
                allowed = reaching.get(logical_id, set())
                for value in values:
                    wild = isinstance(value, str) and any(w in value for w in WILDCARDS)
                    if wild or _key(value) not in allowed:
                        violations.append(
                            f"{logical_id}: amr {value!r} is not a provider that reaches this "
                            "role, so identities of other providers could assume it"
                        )
            extra = set(condition) - {"StringEquals", "ForAnyValue:StringLike"}
            extra |= set(condition.get("StringEquals", {})) - {AUD}
            extra |= set(condition.get("ForAnyValue:StringLike", {})) - {AMR}
            if extra:
                violations.append(f"{logical_id}: unexpected trust conditions {sorted(extra)}")
            actions = set(as_list(statement.get("Action", [])))
            if not actions <= {"sts:AssumeRoleWithWebIdentity", "sts:TagSession"}:
                violations.append(f"{logical_id}: trust allows {sorted(actions)}")
    return violations


def lambda_permission_violations(template: Template) -> list[str]:
    """Invariant 5: a service principal may invoke a function only from one exact source."""
    violations = []
    for logical_id, permission in resources(template, "AWS::Lambda::Permission").items():
        properties = permission["Properties"]
        if not str(properties.get("Principal", "")).endswith(".amazonaws.com"):
            continue
        source_arn = properties.get("SourceArn")
        if source_arn is None:
            violations.append(f"{logical_id}: no SourceArn")
        elif "/*/*" in repr(source_arn):
            violations.append(f"{logical_id}: SourceArn {source_arn!r} has a /*/* wildcard")
        if "SourceAccount" not in properties:
            violations.append(f"{logical_id}: no SourceAccount")
    return violations


def _role_statements(template: Template) -> list[tuple[str, dict[str, Any]]]:
    """(role logical id, statement) for every statement of a role's inline policies and of the
    ``AWS::IAM::Policy`` resources attached to it."""
    found = []
    for logical_id, role in resources(template, "AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            found += [(logical_id, s) for s in as_list(policy["PolicyDocument"]["Statement"])]
    for policy in resources(template, "AWS::IAM::Policy").values():
        for role in as_list(policy["Properties"].get("Roles", [])):
            statements = as_list(policy["Properties"]["PolicyDocument"]["Statement"])
            found += [(role.get("Ref", repr(role)), s) for s in statements]
    return found


def execute_api_violations(template: Template) -> list[str]:
    """No role may invoke an API outside this stack or on any stage: every ``Allow`` that
    covers ``execute-api:Invoke`` (by ``Action``, or by a ``NotAction`` that does not exclude
    it) names one of this template's REST APIs (a ``Ref``), then a stage without a wildcard, as
    ``arn:...:<api>/<stage>/<method>/<path>``. A ``NotResource`` reaches every API it does not
    name, so it never passes."""
    apis = set(resources(template, "AWS::ApiGateway::RestApi"))
    stages = set(resources(template, "AWS::ApiGateway::Stage"))
    violations = []
    for role, statement in _role_statements(template):
        if statement.get("Effect") != "Allow" or not _covers_invoke(statement):
            continue
        if "NotResource" in statement:
            violations.append(
                f"{role}: execute-api:Invoke on NotResource {statement['NotResource']!r}: "
                "it reaches every API it does not name"
            )
        for resource in as_list(statement.get("Resource", [])):
            parts = resource["Fn::Join"][1] if isinstance(resource, dict) else [resource]
            at = [i for i, p in enumerate(parts) if isinstance(p, dict) and p.get("Ref") in apis]
            rest = parts[at[0] + 1 :] if at else []
            if not at:
                problem = "it names no API of this stack, so it reaches any API or another one"
            elif rest and isinstance(rest[0], dict) and rest[0].get("Ref") in stages:
                problem = ""
            elif not rest or not isinstance(rest[0], str) or not rest[0].startswith("/"):
                problem = "no stage follows the API"
            else:
                stage = rest[0].split("/")[1]
                wild = not stage or any(w in stage for w in WILDCARDS)
                problem = f"stage {stage!r} reaches any stage" if wild else ""
            if problem:
                violations.append(f"{role}: execute-api:Invoke on {resource!r}: {problem}")
    return violations


def _covers_invoke(statement: dict[str, Any]) -> bool:
    """The statement's actions take in ``execute-api:Invoke``: an ``Action`` that matches it,
    or a ``NotAction`` that does not (``NotAction`` allows every action it does not list)."""
    key = "NotAction" if "NotAction" in statement else "Action"
    listed = as_list(statement.get(key, []))
    named = any(glob_matches(a, "execute-api:Invoke", ignore_case=True) for a in listed)
    return named != (key == "NotAction")
