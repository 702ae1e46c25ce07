"""The items API in the template: the table, the function, the REST API, its invoke permissions
and each role's routes, the tenant routes tested as attacks with IAM's evaluator.

The resources are read with ``aws_cdk.assertions``; each role's routes and the attacks stay on
plain JSON: they are answers computed over the roles' policies (``facts.iam`` evaluates them as
IAM would, and the invariants loosen them on purpose)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Capture, Match

from facts import iam
from infra.config import AppConfig, Preset
from infra.monitoring import ITEMS_SERVICE
from tests.infra.test_sample_bucket import ACCOUNT, ME, REGION, is_allowed, role_of, role_policies
from tests.support.invariants import execute_api_violations
from tests.support.template import (
    Synth,
    Synthesized,
    Template,
    api_invoke_permission,
    rest_api_id,
    role_ids,
    service_function,
    stage_id_of,
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
# Query strings a method takes, none required: the listing's page token and page size.
OPTIONAL_QUERY = {("GET", "/tenants/{tenant}/items"): {"next", "limit"}}
READ = {"GET/me", f"GET/tenants/{TAG}/items"}
WRITE = READ | {f"PUT/tenants/{TAG}/items/*", f"DELETE/tenants/{TAG}/items/*"}
PRESET_ROUTES = {"viewer": READ, "editor": WRITE, "admin": WRITE}


def api_id(stack: Synthesized) -> str:
    return rest_api_id(stack, "items")


def stage_id(stack: Synthesized) -> str:
    return stage_id_of(stack, api_id(stack))


ITEMS_FUNCTION = service_function(ITEMS_SERVICE)


def function_id(stack: Synthesized) -> str:
    return stack.assertions.get_resource_id("AWS::Lambda::Function", {"Properties": ITEMS_FUNCTION})


ITEMS_KEY = {"KeySchema": Match.array_with([{"AttributeName": "tenant", "KeyType": "HASH"}])}


def table_id(stack: Synthesized) -> str:
    return stack.assertions.get_resource_id("AWS::DynamoDB::Table", {"Properties": ITEMS_KEY})


def resource_id(stack: Synthesized, path: str) -> str:
    """The logical id of the API's resource for ``path`` (``/tenants/{tenant}/items``), found
    part by part from the API's root."""
    api = api_id(stack)
    parent: dict[str, Any] = {"Fn::GetAtt": [api, "RootResourceId"]}
    found = ""
    for part in path.strip("/").split("/"):
        found = stack.assertions.get_resource_id(
            "AWS::ApiGateway::Resource",
            {"Properties": {"RestApiId": {"Ref": api}, "ParentId": parent, "PathPart": part}},
        )
        parent = {"Ref": found}
    return found


def method(stack: Synthesized, http_method: str, path: str, **properties: Any) -> dict[str, Any]:
    """The properties pattern of the route's method, with these properties too."""
    return {
        "RestApiId": {"Ref": api_id(stack)},
        "HttpMethod": http_method,
        "ResourceId": {"Ref": resource_id(stack, path)},
        **properties,
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
    return synth.demo.config, synth.demo.template, api_id(synth.demo)


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
        stack.assertions.resource_properties_count_is("AWS::DynamoDB::Table", ITEMS_KEY, 1)
        stack.assertions.has_resource(
            "AWS::DynamoDB::Table",
            {
                "Properties": Match.object_like(
                    {**properties, "DeletionProtectionEnabled": protected}
                ),
                "DeletionPolicy": deletion,
            },
        )


def test_the_outputs_name_the_stage_url_and_the_table(synth: Synth) -> None:
    stack = synth.demo
    stack.assertions.has_output(
        "ItemsApiUrl",
        {
            "Value": {
                "Fn::Join": [
                    "",
                    [
                        "https://",
                        {"Ref": api_id(stack)},
                        ".execute-api.",
                        {"Ref": "AWS::Region"},
                        ".",
                        {"Ref": "AWS::URLSuffix"},
                        "/",
                        {"Ref": stage_id(stack)},
                        "/",
                    ],
                ]
            }
        },
    )
    stack.assertions.has_output("ItemsTableName", {"Value": {"Ref": table_id(stack)}})


def test_every_method_takes_aws_iam_and_the_routes_are_the_contracts(synth: Synth) -> None:
    stack = synth.demo
    api = {"RestApiId": {"Ref": api_id(stack)}}
    signed = {
        **api,
        "AuthorizationType": "AWS_IAM",
        "Integration": {
            "Type": "AWS_PROXY",
            "Uri": {
                "Fn::Join": [
                    "",
                    Match.array_with([{"Fn::GetAtt": [function_id(stack), "Arn"]}]),
                ]
            },
        },
    }
    # As many methods as routes, each signed and proxied to the function, one per route; the
    # CORS preflights (tests/infra/test_cors.py) are the only others, and invoke nothing.
    proxied = {**api, "Integration": {"Type": "AWS_PROXY"}}
    stack.assertions.resource_properties_count_is("AWS::ApiGateway::Method", proxied, len(ROUTES))
    stack.assertions.resource_properties_count_is("AWS::ApiGateway::Method", signed, len(ROUTES))
    preflights = {**api, "HttpMethod": "OPTIONS", "Integration": {"Type": "MOCK"}}
    others = stack.template["Resources"].values()
    methods = [r for r in others if r["Type"] == "AWS::ApiGateway::Method"]
    items_methods = [m for m in methods if m["Properties"]["RestApiId"] == api["RestApiId"]]
    mock = stack.assertions.find_resources("AWS::ApiGateway::Method", {"Properties": preflights})
    assert len(items_methods) == len(ROUTES) + len(mock)
    for http_method, path in ROUTES:
        stack.assertions.has_resource_properties(
            "AWS::ApiGateway::Method", method(stack, http_method, path, **signed)
        )


def test_path_parameters_are_required_and_the_put_body_is_schema_checked(synth: Synth) -> None:
    stack = synth.demo
    validates = {"RestApiId": {"Ref": api_id(stack)}}
    validates |= {"ValidateRequestBody": True, "ValidateRequestParameters": True}
    validator = stack.assertions.get_resource_id(
        "AWS::ApiGateway::RequestValidator", {"Properties": validates}
    )
    model = Capture()
    for http_method, path in ROUTES:
        names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
        parameters = {f"method.request.path.{name}": True for name in names}
        optional = OPTIONAL_QUERY.get((http_method, path), set())
        parameters |= {f"method.request.querystring.{name}": False for name in optional}
        models = {"application/json": {"Ref": model}} if http_method == "PUT" else Match.absent()
        expected = method(
            stack,
            http_method,
            path,
            RequestParameters=Match.object_equals(parameters),
            RequestValidatorId={"Ref": validator},
            RequestModels=models,
        )
        stack.assertions.has_resource_properties("AWS::ApiGateway::Method", expected)
    stack.assertions.has_resource_properties(
        "AWS::ApiGateway::Model",
        {
            "RestApiId": {"Ref": api_id(stack)},
            "Schema": Match.object_equals(
                {
                    "$schema": "http://json-schema.org/draft-04/schema#",
                    "type": "object",
                    "required": ["text"],
                    "additionalProperties": False,
                    "properties": {"text": {"type": "string", "minLength": 1, "maxLength": 1000}},
                }
            ),
        },
    )
    schema = {"Properties": {"Schema": {"properties": {"text": Match.any_value()}}}}
    assert model.as_string() == stack.assertions.get_resource_id("AWS::ApiGateway::Model", schema)


def test_a_body_the_schema_refuses_answers_in_the_handlers_error_shape(synth: Synth) -> None:
    stack = synth.demo
    api = {"RestApiId": {"Ref": api_id(stack)}}
    template = Capture()
    bad_body = {**api, "ResponseType": "BAD_REQUEST_BODY"}
    stack.assertions.resource_properties_count_is("AWS::ApiGateway::GatewayResponse", bad_body, 1)
    stack.assertions.has_resource_properties(
        "AWS::ApiGateway::GatewayResponse",
        {
            **api,
            "ResponseType": "BAD_REQUEST_BODY",
            "StatusCode": "400",
            "ResponseTemplates": {"application/json": template},
        },
    )
    body = json.loads(template.as_string())
    assert body["field"] == "body"
    assert "text" in body["error"] and "1 to 1000 characters" in body["error"]


def test_each_method_has_exactly_one_invoke_permission_for_its_own_route(synth: Synth) -> None:
    stack = synth.demo
    function, api, stage = function_id(stack), api_id(stack), stage_id(stack)
    stack.assertions.resource_properties_count_is(
        "AWS::Lambda::Permission",
        {"FunctionName": {"Fn::GetAtt": [function, "Arn"]}},
        len(ROUTES),
    )
    for http_method, path in ROUTES:
        # API Gateway's method ARN names path parameters by wildcards.
        arn_path = "/".join("*" if p.startswith("{") else p for p in path.split("/"))
        expected = api_invoke_permission(function, api, stage, f"{http_method}{arn_path}")
        stack.assertions.has_resource_properties(
            "AWS::Lambda::Permission", Match.object_equals(expected)
        )


def test_the_stage_is_throttled_by_config_logged_with_the_identity_and_traced(
    synth: Synth,
) -> None:
    for stack in (synth.demo, synth.variant):
        settings = stack.config.items_api
        stack.assertions.has_resource_properties(
            "AWS::ApiGateway::Stage",
            {
                "RestApiId": {"Ref": api_id(stack)},
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
    synthesized: Synthesized = getattr(synth, stack)
    config, assertions = synthesized.config, synthesized.assertions
    pool = assertions.get_resource_id("AWS::Cognito::IdentityPool")
    admins = [config.group_role_name(g.name) for g in config.groups if g.preset is Preset.ADMIN]
    assert admins
    assertions.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "app.handler",
            "MemorySize": config.items_api.memory_size,
            "Environment": {
                "Variables": {
                    "ITEMS_TABLE": {"Ref": table_id(synthesized)},
                    "IDENTITY_POOL_ID": {"Ref": pool},
                    # Role names, not references: the roles name the API, so a Ref would loop.
                    "DELETE_ANY_ROLES": ",".join(admins),
                    "POWERTOOLS_SERVICE_NAME": ITEMS_SERVICE,
                    "POWERTOOLS_METRICS_NAMESPACE": config.stack_name,
                }
            },
        },
    )


def test_the_function_may_only_query_put_and_delete_on_its_table(synth: Synth) -> None:
    stack = synth.demo
    role = Capture()
    stack.assertions.has_resource_properties(
        "AWS::Lambda::Function", {**ITEMS_FUNCTION, "Role": {"Fn::GetAtt": [role, "Arn"]}}
    )
    attached = {"Roles": Match.array_with([{"Ref": role.as_string()}])}
    stack.assertions.resource_properties_count_is("AWS::IAM::Policy", attached, 1)
    stack.assertions.has_resource_properties(
        "AWS::IAM::Policy",
        {
            **attached,
            "PolicyDocument": {
                "Statement": [
                    Match.object_equals(
                        {
                            "Action": ["dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:Query"],
                            "Effect": "Allow",
                            "Resource": {"Fn::GetAtt": [table_id(stack), "Arn"]},
                        }
                    )
                ]
            },
        },
    )


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


@pytest.mark.parametrize(
    ("statement", "violation"),
    [
        # NotAction allows every action it does not list: execute-api:Invoke on any API.
        ({"NotAction": "s3:*", "Resource": "*"}, "no API of this stack"),
        ({"NotAction": ["s3:*", "sts:*"], "Resource": "*"}, "no API of this stack"),
        # NotResource allows every resource it does not list: any other API.
        (
            {"Action": "execute-api:Invoke", "NotResource": "arn:aws:execute-api:*:*:abc/*"},
            "every API it does not name",
        ),
        ({"NotAction": "s3:*", "NotResource": "arn:aws:s3:::b/*"}, "every API it does not name"),
        # A NotAction that leaves execute-api out grants no invoke: nothing to report.
        ({"NotAction": "execute-api:*", "Resource": "*"}, None),
        ({"NotAction": ["s3:*", "execute-api:Invoke"], "NotResource": "*"}, None),
    ],
)
def test_a_not_action_or_not_resource_grant_of_execute_api_is_caught(
    demo: tuple[AppConfig, Template, str], statement: dict[str, Any], violation: str | None
) -> None:
    _, template, _ = demo
    changed = json.loads(json.dumps(template))
    role = role_of(changed, "default")
    [policy] = changed["Resources"][role]["Properties"]["Policies"]
    policy["PolicyDocument"]["Statement"].append({"Effect": "Allow", **statement})
    found = execute_api_violations(changed)
    if violation is None:
        assert found == []
    else:
        [one] = found
        assert one.startswith(f"{role}: ") and violation in one
