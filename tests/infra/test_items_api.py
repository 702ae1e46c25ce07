"""The items API in the template: the table, the function, the REST API, its invoke permissions
and each role's routes, the tenant routes tested as attacks with IAM's evaluator."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match
from aws_cdk.assertions import Template as Assertions

from facts import iam
from infra.config import AppConfig, Preset
from tests.infra.test_sample_bucket import ACCOUNT, ME, REGION, is_allowed, role_of, role_policies
from tests.support.invariants import execute_api_violations
from tests.support.template import (
    Synth,
    Template,
    api_invoke_permission,
    resources,
    role_ids,
)

TAG = "${aws:PrincipalTag/tenant}"
ACME, GLOBEX = {"tenant": "acme"}, {"tenant": "globex"}
# The contract's routes, as API Gateway's resources spell them and as IAM matches them.
ROUTES = {
    ("GET", "/me"),
    ("GET", "/tenants/{tenant}/items"),
    ("PUT", "/tenants/{tenant}/items/{id}"),
    ("DELETE", "/tenants/{tenant}/items/{id}"),
}
READ = {"GET/me", f"GET/tenants/{TAG}/items"}
WRITE = READ | {f"PUT/tenants/{TAG}/items/*", f"DELETE/tenants/{TAG}/items/*"}
PRESET_ROUTES = {"viewer": READ, "editor": WRITE, "admin": WRITE}


def api_id(template: Template, stack_name: str) -> str:
    [logical_id] = Assertions.from_json(template).find_resources(
        "AWS::ApiGateway::RestApi", {"Properties": {"Name": f"{stack_name}-items"}}
    )
    return str(logical_id)


def stage_id(template: Template, api: str) -> str:
    [logical_id] = Assertions.from_json(template).find_resources(
        "AWS::ApiGateway::Stage", {"Properties": {"RestApiId": {"Ref": api}}}
    )
    return str(logical_id)


def function_id(template: Template) -> str:
    [logical_id] = Assertions.from_json(template).find_resources(
        "AWS::Lambda::Function",
        {"Properties": {"Environment": {"Variables": {"POWERTOOLS_SERVICE_NAME": "items"}}}},
    )
    return str(logical_id)


ITEMS_TABLE = {
    "Properties": {"KeySchema": Match.array_with([{"AttributeName": "tenant", "KeyType": "HASH"}])}
}


def table_id(template: Template) -> str:
    [logical_id] = Assertions.from_json(template).find_resources(
        "AWS::DynamoDB::Table", ITEMS_TABLE
    )
    return str(logical_id)


def methods(template: Template, api: str) -> dict[tuple[str, str], dict[str, Any]]:
    """(HTTP method, path) -> the method's properties, for every method of the API."""
    parts = {
        logical_id: (r["Properties"]["ParentId"], r["Properties"]["PathPart"])
        for logical_id, r in resources(template, "AWS::ApiGateway::Resource").items()
        if r["Properties"]["RestApiId"] == {"Ref": api}
    }

    def path(resource: dict[str, Any]) -> str:
        logical_id = resource.get("Ref")
        if logical_id not in parts:
            return ""
        parent, part = parts[logical_id]
        return f"{path(parent)}/{part}"

    return {
        (m["Properties"]["HttpMethod"], path(m["Properties"]["ResourceId"])): m["Properties"]
        for m in resources(template, "AWS::ApiGateway::Method").values()
        if m["Properties"]["RestApiId"] == {"Ref": api}
    }


def routes_of(template: Template, role: str) -> set[str]:
    """The ``<METHOD>/<path>`` an identity pool role may invoke on the stage ``v1``."""
    routes = set()
    for policy in template["Resources"][role]["Properties"].get("Policies", []):
        for statement in policy["PolicyDocument"]["Statement"]:
            if statement["Action"] != "execute-api:Invoke":
                continue
            for resource in iam.as_list(statement["Resource"]):
                *_, tail = resource["Fn::Join"][1]
                routes.add(tail.removeprefix("/v1/"))
    return routes


@pytest.fixture(scope="module")
def demo(synth: Synth) -> tuple[AppConfig, Template, str]:
    config, template = synth.demo.config, synth.demo.template
    return config, template, api_id(template, config.stack_name)


def test_the_table_is_keyed_by_tenant_and_id_recoverable_and_encrypted(synth: Synth) -> None:
    properties = {
        "KeySchema": [
            {"AttributeName": "tenant", "KeyType": "HASH"},
            {"AttributeName": "id", "KeyType": "RANGE"},
        ],
        "BillingMode": "PAY_PER_REQUEST",
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "SSESpecification": {"SSEEnabled": True},
    }
    for stack, deletion, protected in (
        (synth.demo, "Delete", False),
        (synth.variant, "Retain", True),
    ):
        assertions = Assertions.from_json(stack.template)
        assert len(assertions.find_resources("AWS::DynamoDB::Table", ITEMS_TABLE)) == 1
        assertions.has_resource(
            "AWS::DynamoDB::Table",
            {
                "Properties": Match.object_like(
                    {**properties, "DeletionProtectionEnabled": protected}
                ),
                "DeletionPolicy": deletion,
            },
        )


def test_the_outputs_name_the_stage_url_and_the_table(
    demo: tuple[AppConfig, Template, str],
) -> None:
    _, template, api = demo
    assertions = Assertions.from_json(template)
    assertions.has_output(
        "ItemsApiUrl",
        {
            "Value": {
                "Fn::Join": [
                    "",
                    [
                        "https://",
                        {"Ref": api},
                        ".execute-api.",
                        {"Ref": "AWS::Region"},
                        ".",
                        {"Ref": "AWS::URLSuffix"},
                        "/",
                        {"Ref": stage_id(template, api)},
                        "/",
                    ],
                ]
            }
        },
    )
    table = table_id(template)
    assertions.has_output("ItemsTableName", {"Value": {"Ref": table}})


def test_every_method_takes_aws_iam_and_the_routes_are_the_contracts(
    demo: tuple[AppConfig, Template, str],
) -> None:
    _, template, api = demo
    assertions = Assertions.from_json(template)
    every = assertions.find_resources(
        "AWS::ApiGateway::Method", {"Properties": {"RestApiId": {"Ref": api}}}
    )
    signed = assertions.find_resources(
        "AWS::ApiGateway::Method",
        {
            "Properties": {
                "RestApiId": {"Ref": api},
                "AuthorizationType": "AWS_IAM",
                "Integration": {
                    "Type": "AWS_PROXY",
                    "Uri": {
                        "Fn::Join": [
                            "",
                            Match.array_with([{"Fn::GetAtt": [function_id(template), "Arn"]}]),
                        ]
                    },
                },
            }
        },
    )
    assert set(signed) == set(every)
    assert set(methods(template, api)) == ROUTES


# Query strings a method takes, none required: the listing's page token.
OPTIONAL_QUERY = {("GET", "/tenants/{tenant}/items"): {"next"}}


def test_path_parameters_are_required_and_the_put_body_is_schema_checked(
    demo: tuple[AppConfig, Template, str],
) -> None:
    _, template, api = demo
    found = methods(template, api)
    for route, properties in found.items():
        names = {part[1:-1] for part in route[1].split("/") if part.startswith("{")}
        assert properties.get("RequestParameters", {}) == {
            **{f"method.request.path.{name}": True for name in names},
            **{f"method.request.querystring.{q}": False for q in OPTIONAL_QUERY.get(route, ())},
        }
        validator = template["Resources"][properties["RequestValidatorId"]["Ref"]]["Properties"]
        assert validator["ValidateRequestBody"] and validator["ValidateRequestParameters"]
    put = found["PUT", "/tenants/{tenant}/items/{id}"]
    model = template["Resources"][put["RequestModels"]["application/json"]["Ref"]]["Properties"]
    assert model["Schema"] == {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "object",
        "required": ["text"],
        "additionalProperties": False,
        "properties": {"text": {"type": "string", "minLength": 1, "maxLength": 1000}},
    }
    assert all("RequestModels" not in p for route, p in found.items() if route[0] != "PUT")


def test_a_body_the_schema_refuses_answers_in_the_handlers_error_shape(
    demo: tuple[AppConfig, Template, str],
) -> None:
    _, template, api = demo
    [response] = (
        Assertions.from_json(template)
        .find_resources(
            "AWS::ApiGateway::GatewayResponse", {"Properties": {"RestApiId": {"Ref": api}}}
        )
        .values()
    )
    properties = response["Properties"]
    assert (properties["ResponseType"], properties["StatusCode"]) == ("BAD_REQUEST_BODY", "400")
    body = json.loads(properties["ResponseTemplates"]["application/json"])
    assert body["field"] == "body"
    assert "text" in body["error"] and "1 to 1000 characters" in body["error"]


def test_each_method_has_exactly_one_invoke_permission_for_its_own_route(
    demo: tuple[AppConfig, Template, str],
) -> None:
    _, template, api = demo
    function = function_id(template)
    assertions = Assertions.from_json(template)
    permissions = assertions.find_resources(
        "AWS::Lambda::Permission",
        {"Properties": {"FunctionName": {"Fn::GetAtt": [function, "Arn"]}}},
    )
    assert len(permissions) == len(ROUTES)
    for method, path in ROUTES:
        # API Gateway's method ARN names path parameters by wildcards.
        arn_path = "/".join("*" if p.startswith("{") else p for p in path.split("/"))
        expected = api_invoke_permission(
            function, api, stage_id(template, api), f"{method}{arn_path}"
        )
        assertions.has_resource_properties("AWS::Lambda::Permission", Match.object_equals(expected))


def test_the_stage_is_throttled_by_config_logged_with_the_identity_and_traced(
    synth: Synth,
) -> None:
    for stack in (synth.demo, synth.variant):
        settings = stack.config.items_api
        template = stack.template
        api = api_id(template, stack.config.stack_name)
        Assertions.from_json(template).has_resource_properties(
            "AWS::ApiGateway::Stage",
            {
                "RestApiId": {"Ref": api},
                "StageName": "v1",
                "TracingEnabled": True,
                "MethodSettings": [
                    Match.object_like(
                        {
                            "MetricsEnabled": True,
                            "ThrottlingRateLimit": settings.rate_limit,
                            "ThrottlingBurstLimit": settings.burst_limit,
                        }
                    )
                ],
                "AccessLogSetting": {
                    "DestinationArn": Match.any_value(),
                    # JSON lines with who called and how it ended; never a body.
                    "Format": Match.serialized_json(
                        Match.object_like(
                            {
                                "cognitoIdentityId": "$context.identity.cognitoIdentityId",
                                "status": "$context.status",
                                "resourcePath": "$context.resourcePath",
                                "requestBody": Match.absent(),
                            }
                        )
                    ),
                },
            },
        )
    assert synth.variant.config.items_api != synth.demo.config.items_api


@pytest.mark.parametrize("stack", ["demo", "forked"])
def test_the_function_gets_the_contracts_environment(synth: Synth, stack: str) -> None:
    config, template = getattr(synth, stack).config, getattr(synth, stack).template
    table = table_id(template)
    [pool] = resources(template, "AWS::Cognito::IdentityPool")
    admins = [config.group_role_name(g.name) for g in config.groups if g.preset is Preset.ADMIN]
    assert admins
    Assertions.from_json(template).has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "app.handler",
            "MemorySize": config.items_api.memory_size,
            "Environment": {
                "Variables": {
                    "ITEMS_TABLE": {"Ref": table},
                    "IDENTITY_POOL_ID": {"Ref": pool},
                    # Role names, not references: the roles name the API, so a Ref would loop.
                    "DELETE_ANY_ROLES": ",".join(admins),
                    "POWERTOOLS_SERVICE_NAME": "items",
                    "POWERTOOLS_METRICS_NAMESPACE": config.stack_name,
                }
            },
        },
    )


def test_the_function_may_only_query_put_and_delete_on_its_table(
    demo: tuple[AppConfig, Template, str],
) -> None:
    _, template, _ = demo
    function = template["Resources"][function_id(template)]
    role = function["Properties"]["Role"]["Fn::GetAtt"][0]
    table = table_id(template)
    statements = [
        statement
        for policy in resources(template, "AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert statements == [
        {
            "Action": ["dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:Query"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [table, "Arn"]},
        }
    ]


@pytest.mark.parametrize("stack", ["demo", "forked"])
def test_each_groups_role_gets_its_presets_routes(synth: Synth, stack: str) -> None:
    config, template = getattr(synth, stack).config, getattr(synth, stack).template
    table = role_ids(template)
    for group in config.groups:
        role = table[group.name]
        assert routes_of(template, role) == PRESET_ROUTES[str(group.preset)], group.name


def test_the_default_role_gets_get_me_only_and_guests_nothing(synth: Synth) -> None:
    for stack in (synth.demo, synth.variant, synth.forked):
        template = stack.template
        assert routes_of(template, role_of(template, "default")) == {"GET/me"}
        assert routes_of(template, role_of(template, "guest")) == set()
    # Guests may be on (the variant and the forked config turn them on): still nothing.
    assert synth.variant.config.guest_access and synth.forked.config.guest_access


def test_without_a_tenant_tag_on_the_roles_no_role_gets_a_tenant_route(synth: Synth) -> None:
    config, template = synth.variant.config, synth.variant.template
    assert config.principal_tags == ()
    table = role_ids(template)
    for group in config.groups:
        assert routes_of(template, table[group.name]) == {"GET/me"}


# Attacks: requests judged by facts.iam against the role's policies, as IAM would ----------------


def invoke(api: str, method: str, path: str) -> str:
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api.lower()}/v1/{method}{path}"


def may(policies: list[dict[str, Any]], resource: str, tags: dict[str, str]) -> bool:
    return is_allowed(policies, "execute-api:Invoke", resource, identity_id=ME, principal_tags=tags)


def without_the_tenant_variable(policies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same policies with the tag variable replaced by a wildcard: no tenant protection."""
    loosened: list[dict[str, Any]] = json.loads(json.dumps(policies).replace(TAG, "*"))
    return loosened


def role_with_preset(config: AppConfig, template: Template, preset: Preset) -> list[dict[str, Any]]:
    group = next(g for g in config.groups if g.preset is preset)
    return role_policies(template, role_ids(template)[group.name])


def test_a_viewer_cannot_delete_or_write_what_an_editor_can(
    demo: tuple[AppConfig, Template, str],
) -> None:
    config, template, api = demo
    viewer = role_with_preset(config, template, Preset.VIEWER)
    editor = role_with_preset(config, template, Preset.EDITOR)
    for method in ("DELETE", "PUT"):
        request = invoke(api, method, "/tenants/acme/items/item-1")
        assert not may(viewer, request, ACME), method
        # The same request in the same tenant is a route the API serves: an editor's passes.
        assert may(editor, request, ACME), method
    assert may(viewer, invoke(api, "GET", "/tenants/acme/items"), ACME)


@pytest.mark.parametrize("preset", list(Preset))
def test_a_caller_of_one_tenant_cannot_reach_anothers_routes(
    demo: tuple[AppConfig, Template, str], preset: Preset
) -> None:
    config, template, api = demo
    policies = role_with_preset(config, template, preset)
    own = invoke(api, "GET", "/tenants/acme/items")
    others = [
        invoke(api, "GET", "/tenants/globex/items"),
        # A tenant whose name starts like mine is another tenant.
        invoke(api, "GET", "/tenants/acmeco/items"),
    ]
    assert may(policies, own, ACME)
    for request in others:
        assert not may(policies, request, ACME), request
        # Without the tag variable (a wildcard in its place) the attack would succeed.
        assert may(without_the_tenant_variable(policies), request, ACME), request
    assert not may(policies, own, GLOBEX)


def test_a_caller_without_a_tenant_tag_gets_no_items_route(
    demo: tuple[AppConfig, Template, str],
) -> None:
    config, template, api = demo
    for preset in Preset:
        policies = role_with_preset(config, template, preset)
        assert may(policies, invoke(api, "GET", "/me"), {})
        for method, path in (("GET", "/tenants/acme/items"), ("PUT", "/tenants/acme/items/x")):
            request = invoke(api, method, path)
            if preset is Preset.VIEWER and method == "PUT":
                continue  # a viewer never writes, tag or not (above)
            # A missing key makes the statement not apply (IAM: "Variables and tags")...
            assert not may(policies, request, {}), (preset, method)
            # ...where a wildcard in the variable's place would have let the caller in.
            assert may(without_the_tenant_variable(policies), request, {}), (preset, method)


def test_the_default_role_reaches_get_me_and_no_items(
    demo: tuple[AppConfig, Template, str],
) -> None:
    _, template, api = demo
    policies = role_policies(template, role_of(template, "default"))
    assert may(policies, invoke(api, "GET", "/me"), ACME)
    for method, path in (("GET", "/tenants/acme/items"), ("PUT", "/tenants/acme/items/x")):
        assert not may(policies, invoke(api, method, path), ACME), method
    # Another API of the account (the login API's id, say) is not this API.
    assert not may(policies, invoke("someotherapi", "GET", "/me"), ACME)


def test_no_role_grants_execute_api_beyond_this_apis_stage(synth: Synth) -> None:
    for stack in (synth.demo, synth.variant, synth.forked, synth.providers):
        assert execute_api_violations(stack.template) == []


@pytest.mark.parametrize(
    ("loosen", "violation"),
    [
        (lambda arn: "*", "no API of this stack"),
        (lambda arn: {"Fn::Join": ["", [*arn["Fn::Join"][1][:-1], "/*/GET/me"]]}, "any stage"),
        (
            lambda arn: {"Fn::Join": ["", [*arn["Fn::Join"][1][:-2], "*", "/v1/GET/me"]]},
            "no API of this stack",
        ),
        (
            lambda arn: "arn:aws:execute-api:eu-west-1:111122223333:abc/v1/GET/me",
            "no API of this stack",
        ),
    ],
)
def test_a_loosened_execute_api_grant_is_caught(
    demo: tuple[AppConfig, Template, str], loosen: Any, violation: str
) -> None:
    _, template, _ = demo
    changed = json.loads(json.dumps(template))
    role = role_of(changed, "default")
    [policy] = changed["Resources"][role]["Properties"]["Policies"]
    [statement] = [s for s in policy["PolicyDocument"]["Statement"] if "execute-api" in s["Action"]]
    statement["Resource"] = loosen(statement["Resource"])
    [found] = execute_api_violations(changed)
    assert found.startswith(f"{role}: ") and violation in found
