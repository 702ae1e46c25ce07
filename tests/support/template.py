"""Reading synthesized CloudFormation templates in tests.

Tests state what a template holds with ``aws_cdk.assertions`` (``Synthesized.assertions``: a
``Template`` built once per process from the session's synthesis) and ``Match``/``Capture``.
Plain JSON (``Synthesized.template``) stays for answers computed over many resources: the
invariants (tests/support/invariants.py), IAM evaluation with ``facts.iam``, the review.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import aws_cdk.assertions

from facts import cloudformation
from infra.config import AppConfig

Template = dict[str, Any]


@dataclass(frozen=True)
class Synthesized:
    """One config's stack in the session's synthesis."""

    config: AppConfig
    path: Path  # its template file
    template: Template

    @cached_property
    def assertions(self) -> aws_cdk.assertions.Template:
        """The template for ``aws_cdk.assertions``, built on first use (about 0.1 s). Building it
        refuses a template with a dependency cycle (Ref, GetAtt, Sub, DependsOn)."""
        return aws_cdk.assertions.Template.from_json(self.template)


@dataclass(frozen=True)
class Synth:
    """The session's one synthesis, one stack per config (tests/conftest.py)."""

    outdir: Path
    demo: Synthesized
    variant: Synthesized
    providers: Synthesized
    forked: Synthesized
    configured: Synthesized  # cdk.json's


def resources(template: Template, resource_type: str) -> dict[str, dict[str, Any]]:
    """Logical id -> resource, for every resource of ``resource_type`` (plain JSON)."""
    return {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == resource_type
    }


def rest_api_id(stack: Synthesized, api: str) -> str:
    """The logical id of the stack's REST API ``<stack name>-<api>`` (``login``, ``items``)."""
    name = f"{stack.config.stack_name}-{api}"
    return stack.assertions.get_resource_id(
        "AWS::ApiGateway::RestApi", {"Properties": {"Name": name}}
    )


def stage_id_of(stack: Synthesized, api_id: str) -> str:
    """The logical id of the REST API's one stage."""
    api = {"RestApiId": {"Ref": api_id}}
    return stack.assertions.get_resource_id("AWS::ApiGateway::Stage", {"Properties": api})


def role_ids(template: Template) -> dict[str, str]:
    """Group name -> the logical id of the role its UserPoolGroup carries."""
    return {
        group["Properties"]["GroupName"]: group["Properties"]["RoleArn"]["Fn::GetAtt"][0]
        for group in resources(template, "AWS::Cognito::UserPoolGroup").values()
    }


def service_function(service: str, **variables: Any) -> dict[str, Any]:
    """The properties pattern of the function of a Powertools service (POWERTOOLS_SERVICE_NAME),
    with these environment variables too."""
    return {"Environment": {"Variables": {"POWERTOOLS_SERVICE_NAME": service, **variables}}}


def pool_role(template: aws_cdk.assertions.Template, kind: str) -> str:
    """The logical id of the identity pool's ``authenticated`` or ``unauthenticated`` role."""
    role = aws_cdk.assertions.Capture()
    template.has_resource_properties(
        "AWS::Cognito::IdentityPoolRoleAttachment", {"Roles": {kind: {"Fn::GetAtt": [role, "Arn"]}}}
    )
    return role.as_string()


# The service principal that invokes user pool triggers, written out here rather than imported,
# so a wrong constant in infra/ cannot agree with itself.
COGNITO_IDP = "cognito-idp.amazonaws.com"


def invoke_permission(function_id: str, principal: str, source_arn: Any) -> dict[str, Any]:
    """The properties of a permission letting ``principal`` invoke the function for
    ``source_arn`` only, in this account."""
    return {
        "Action": "lambda:InvokeFunction",
        "FunctionName": {"Fn::GetAtt": [function_id, "Arn"]},
        "Principal": principal,
        "SourceAccount": {"Ref": "AWS::AccountId"},
        "SourceArn": source_arn,
    }


def api_invoke_permission(
    function_id: str, api_id: str, stage_id: str, route: str
) -> dict[str, Any]:
    """The permission a method's Lambda proxy integration should have: API Gateway invokes the
    function for ``route`` (``<METHOD>/<path>``, path parameters as ``*``) on this stage of this
    API, in this account."""
    arn = ["arn:", {"Ref": "AWS::Partition"}, ":execute-api:", {"Ref": "AWS::Region"}, ":"]
    arn += [{"Ref": "AWS::AccountId"}, ":", {"Ref": api_id}, "/", {"Ref": stage_id}, f"/{route}"]
    return invoke_permission(function_id, "apigateway.amazonaws.com", {"Fn::Join": ["", arn]})


def has_only_permission(template: aws_cdk.assertions.Template, properties: dict[str, Any]) -> None:
    """The function in ``properties`` has exactly this one resource-based permission."""
    function = {"FunctionName": properties["FunctionName"]}
    template.resource_properties_count_is("AWS::Lambda::Permission", function, 1)
    template.has_resource_properties(
        "AWS::Lambda::Permission", aws_cdk.assertions.Match.object_equals(properties)
    )


class _Names:
    """Renders ``Ref``/``Fn::GetAtt`` from a map of ``Ref`` names and ``Id.Attr``; anything
    unknown raises, so a test never compares against half-resolved data."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def ref(self, name: str) -> str:
        return self.names[name]

    def attribute(self, logical_id: str, attribute: str) -> str:
        return self.names[f"{logical_id}.{attribute}"]

    def unknown(self, function: str, argument: Any) -> Any:
        raise KeyError(f"{function} is not resolved in tests")


def resolve(value: Any, names: dict[str, str]) -> Any:
    """Resolve intrinsic functions to strings; ``names`` maps ``Ref``/``Id.Attr``."""
    return cloudformation.resolve(value, _Names(names))
