"""The items API: each tenant's items, served by ``lambdas/items`` behind ``AWS_IAM``.

Routes on the stage ``v1``, each a Lambda proxy method that only signed requests reach:

- ``GET /me``: who the caller is (identity id, provider, role);
- ``GET /tenants/{tenant}/items[?next=<token>][&limit=<1..100>]``: a page of the tenant's items;
- ``PUT /tenants/{tenant}/items/{id}``: write one, body ``{"text": "<1..1000 characters>"}``;
- ``DELETE /tenants/{tenant}/items/{id}``: delete one.

API Gateway hands the integration no session tags (``requestContext.identity`` has the
identity id, pool, provider and role session, not the principal tags), so the tenant travels
in the path and IAM judges the path against the caller's ``tenant`` tag: each role's
``execute-api:Invoke`` grant names ``tenants/${aws:PrincipalTag/tenant}/...``. A caller without
the tag matches no tenant route (IAM user guide, "Variables and tags": a policy variable whose
key is missing makes the statement not apply).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.acknowledgements import acknowledge, wildcard_resource_finding
from infra.config import TENANT_TAG, ItemsApiConfig, Preset
from infra.cors import SIGNED_HEADERS, add_gateway_responses, gateway_response_headers, preflight
from infra.grant import Grant
from infra.monitoring import ITEMS_SERVICE
from infra.python_function import PythonFunction
from infra.rest_api import STAGE, lambda_method, regional_rest_api
from infra.table import protected_table

ME = "/me"
ITEMS = "/tenants/{tenant}/items"
ITEM = f"{ITEMS}/{{id}}"
# The request body of PUT: the handler holds the same limit.
TEXT_MAX_LENGTH = 1000
# API Gateway waits 29 s at most. A call to the table takes milliseconds; the function's SDK
# gives up on a failing table after at most about 12 s (3 attempts, each within its connect and
# read timeouts, and the backoff between them) and answers 503: this leaves it room to answer
# (tests/lambdas/items/test_contract.py holds the handler's worst case below it).
TIMEOUT_SECONDS = 20
# The caller's own tenant, as IAM fills it in from the session tag.
OWN_ITEMS = f"/tenants/${{aws:PrincipalTag/{TENANT_TAG}}}/items"
Route = tuple[str, str]  # (HTTP method, path as IAM matches it)
READ_ROUTES: tuple[Route, ...] = (("GET", OWN_ITEMS),)
WRITE_ROUTES: tuple[Route, ...] = (("PUT", f"{OWN_ITEMS}/*"), ("DELETE", f"{OWN_ITEMS}/*"))
# What each preset may invoke on its tenant's items (admins as editors: the handler lets them
# delete any item of their tenant, by DELETE_ANY_ROLES).
PRESET_ROUTES: dict[Preset, tuple[Route, ...]] = {
    Preset.VIEWER: READ_ROUTES,
    Preset.EDITOR: READ_ROUTES + WRITE_ROUTES,
    Preset.ADMIN: READ_ROUTES + WRITE_ROUTES,
}
BAD_BODY = (
    f"The body must be a JSON object with one key, text: a string of 1 to {TEXT_MAX_LENGTH} "
    "characters. Send it as application/json."
)


class ItemsApi(Construct):
    """The items table, the function that serves it, and the REST API ``<stack>-items`` in
    front of it (docs/security.md).

    - The table: key ``tenant`` (partition) and ``id`` (sort); on demand, point-in-time
      recovery, encrypted, retained and protected from deletion outside the sandbox stage.
    - The API: ``AWS_IAM`` on every method; the PUT body checked against a JSON schema (text
      1..1000 characters, no other key) and path parameters required before the function runs;
      a body that fails answers 400 ``{"error", "field": "body"}`` like the handler's errors;
      stage throttling (``itemsApi.rateLimit`` / ``burstLimit``), JSON access logs with the
      caller's identity id, metrics and tracing.
    - The function may Query, PutItem and DeleteItem on this table (its writes are conditional:
      the conditions need no other action), nothing else. API Gateway may invoke it for each
      method and path on this stage of this API, in this account, and nothing else.
    - Who may call which route is the roles' business: :meth:`member_grant` and
      :meth:`identity_grant` give the ``execute-api:Invoke`` grants.

    Props:

    - ``settings``: throttling and the function's memory.
    - ``identity_pool_id``: the only pool whose identities the handler serves.
    - ``cors_origins``: the browser origins that may call the API (``infra/cors.py``): a
      preflight method per resource, the function's own answers and API Gateway's (the
      ``DEFAULT_4XX``/``DEFAULT_5XX`` gateway responses and the bad-body one). Default: none.
    - ``delete_any_role_names``: the roles (by their fixed names, so no reference and no cycle
      through the roles that name this API) whose callers may delete any item of their tenant:
      the admin preset's. Default: none.
    - ``metrics_namespace``: the namespace of the function's Powertools metrics.
    - ``deletion_protection``: the table's. Default: ``True``.
    - ``removal_policy``: the table's and the logs'. Default: ``RETAIN``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: ItemsApiConfig,
        identity_pool_id: str,
        metrics_namespace: str,
        delete_any_role_names: Sequence[str] = (),
        cors_origins: Sequence[str] = (),
        deletion_protection: bool = True,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        super().__init__(scope, construct_id)
        self.table = protected_table(
            self,
            "Table",
            partition_key="tenant",
            sort_key="id",
            aws_managed_key_reason=(
                "Encrypted with the AWS managed key; a customer key would add cost and a key "
                "policy to keep right, and only this stack's function reads the table."
            ),
            deletion_protection=deletion_protection,
            removal_policy=removal_policy,
        )
        handler = PythonFunction(
            self,
            "Handler",
            folder="items",
            description="Items API: the caller's identity, and their tenant's items",
            timeout=Duration.seconds(TIMEOUT_SECONDS),
            memory_size=settings.memory_size,
            removal_policy=removal_policy,
            no_concurrency_cap_reason=(
                "A concurrency cap would turn bursts into 5xx answers; the stage's throttling "
                "bounds the rate with 429s."
            ),
            environment={
                "ITEMS_TABLE": self.table.table_name,
                "IDENTITY_POOL_ID": identity_pool_id,
                "DELETE_ANY_ROLES": ",".join(delete_any_role_names),
                "CORS_ORIGINS": ",".join(cors_origins),
                "POWERTOOLS_SERVICE_NAME": ITEMS_SERVICE,
                "POWERTOOLS_METRICS_NAMESPACE": metrics_namespace,
            },
        )
        self.function = handler.function
        handler.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem"],
                resources=[self.table.table_arn],
            )
        )

        self.api = regional_rest_api(
            self,
            "Api",
            name=f"{Stack.of(self).stack_name}-items",
            description="Items of each tenant, for identity pool credentials (AWS_IAM)",
            rate_limit=settings.rate_limit,
            burst_limit=settings.burst_limit,
            removal_policy=removal_policy,
            no_cache_reason=(
                "Answers depend on the caller and change with every write; a cache would serve "
                "stale items, or one caller's answer to another."
            ),
            log_identity=True,
            default_method_options=apigateway.MethodOptions(
                authorization_type=apigateway.AuthorizationType.IAM
            ),
            default_cors_preflight_options=preflight(
                cors_origins, ["GET", "PUT", "DELETE"], SIGNED_HEADERS
            ),
        )
        add_gateway_responses(self.api, cors_origins)
        self.api.add_gateway_response(
            "BadRequestBody",
            type=apigateway.ResponseType.BAD_REQUEST_BODY,
            status_code="400",
            response_headers=gateway_response_headers(cors_origins) or None,
            templates={"application/json": json.dumps({"error": BAD_BODY, "field": "body"})},
        )
        item_body = self.api.add_model(
            "ItemBody",
            content_type="application/json",
            schema=apigateway.JsonSchema(
                schema=apigateway.JsonSchemaVersion.DRAFT4,
                type=apigateway.JsonSchemaType.OBJECT,
                required=["text"],
                additional_properties=False,
                properties={
                    "text": apigateway.JsonSchema(
                        type=apigateway.JsonSchemaType.STRING,
                        min_length=1,
                        max_length=TEXT_MAX_LENGTH,
                    )
                },
            ),
        )
        validator = self.api.add_request_validator(
            "Validator", validate_request_body=True, validate_request_parameters=True
        )
        me = self.api.root.add_resource("me")
        tenant = self.api.root.add_resource("tenants").add_resource("{tenant}")
        items = tenant.add_resource("items")
        item = items.add_resource("{id}")
        signed = (
            "Every method takes AWS_IAM (SigV4 with identity pool credentials): the caller's "
            "role grant names the routes and its tenant tag, which a user pool authorizer "
            "could not judge."
        )

        def method(
            resource: apigateway.Resource,
            http_method: str,
            parameters: Sequence[str],
            models: dict[str, apigateway.IModel] | None = None,
            optional_query: Sequence[str] = (),
        ) -> apigateway.Method:
            created = lambda_method(
                resource,
                http_method,
                self.function,
                request_validator=validator,
                request_parameters={
                    **{f"method.request.path.{name}": True for name in parameters},
                    **{f"method.request.querystring.{name}": False for name in optional_query},
                },
                request_models=models,
            )
            acknowledge(created, "AwsSolutions-COG4", signed)
            return created

        self.methods = {
            ("GET", ME): method(me, "GET", ()),
            # `next` and `limit`: the listing's page token and size (the function checks both).
            ("GET", ITEMS): method(items, "GET", ("tenant",), optional_query=("next", "limit")),
            ("PUT", ITEM): method(item, "PUT", ("tenant", "id"), {"application/json": item_body}),
            ("DELETE", ITEM): method(item, "DELETE", ("tenant", "id")),
        }
        acknowledge(
            self.api.deployment_stage,
            "AwsSolutions-APIG3",
            "API Gateway refuses unsigned requests and IAM refuses routes a role is not granted "
            "before the function runs; stage throttling bounds the rest. Add AWS WAF for "
            "production if it must filter by IP.",
        )

    def identity_grant(self) -> Grant:
        """The default authenticated role (users in no group, developer identities):
        ``GET /me`` only."""
        return self._grant([("GET", ME)])

    def member_grant(self, preset: Preset, *, tenant: bool) -> Grant:
        """A group's role: ``GET /me``, and, when a ``tenant`` tag reaches the role, its
        tenant's items as the preset says (viewer: read; editor and admin: also write and
        delete)."""
        return self._grant([("GET", ME), *(PRESET_ROUTES[preset] if tenant else ())])

    def _grant(self, routes: Sequence[Route]) -> Grant:
        resources = [self.api.arn_for_execute_api(method, path, STAGE) for method, path in routes]
        acknowledgements = tuple(
            (
                wildcard_resource_finding(self, resource),
                f"{method} {path} on this API's stage {STAGE}: the wildcard stands for the item "
                "id in the caller's own tenant; the API has no route below it.",
            )
            for (method, path), resource in zip(routes, resources, strict=True)
            if path.endswith("*")
        )
        statement = iam.PolicyStatement(actions=["execute-api:Invoke"], resources=resources)
        return Grant((statement,), acknowledgements)
