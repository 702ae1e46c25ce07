"""API routes in the review: each role's ``execute-api:Invoke`` grants as method and path (the
tenant's policy variable kept), and the permission diff on them."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from review.diff import diff
from review.render import to_json, to_markdown
from review.report import Review, StackReview
from review.roles import api_route, api_routes
from tests.infra.test_items_api import PRESET_ROUTES as INFRA_PRESET_ROUTES
from tests.infra.test_items_api import TAG
from tests.review.conftest import review_of
from tests.support.template import Synth, role_ids

# The preset table has one home, the infra test's; the review writes "<METHOD> <path>".
PRESET_ROUTES = {
    preset: {route.replace("/", " /", 1) for route in routes}
    for preset, routes in INFRA_PRESET_ROUTES.items()
}
Body = dict[str, Any]


def routes(review: StackReview, role_name: str) -> set[str]:
    [role] = [r for r in review.roles.values() if r.name == role_name]
    found = api_routes(role)
    assert all(r.api.startswith("<ItemsApi") and r.stage == "v1" for r in found)
    return {r.route for r in found}


def test_each_role_shows_its_presets_routes_with_the_tenant_variable(
    synth: Synth, default_review: StackReview
) -> None:
    config = synth.demo.config
    for group in config.groups:
        role_name = config.group_role_name(group.name)
        assert routes(default_review, role_name) == PRESET_ROUTES[str(group.preset)], group.name
    assert routes(default_review, config.default_role_name) == {"GET /me"}
    markdown = to_markdown(Review([default_review]))
    assert f"`GET /tenants/{TAG}/items`" in markdown
    assert "- API routes (`execute-api:Invoke`): none" in markdown  # the guest role, the functions
    roles = json.loads(to_json(Review([default_review])))["stacks"][0]["roles"]
    [viewer] = [r for r in roles.values() if r["name"].endswith(f"-{config.groups[-1].name}")]
    assert {r["route"] for r in viewer["api_routes"]} == PRESET_ROUTES[
        str(config.groups[-1].preset)
    ]


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        (
            f"arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:"
            f"<ItemsApi/Api>/v1/PUT/tenants/{TAG}/items/*",
            ("<ItemsApi/Api>", "v1", "PUT", f"/tenants/{TAG}/items/*"),
        ),
        ("arn:aws:execute-api:eu-west-1:111122223333:abc/v1/*", ("abc", "v1", "*", "*")),
        ("arn:aws:execute-api:eu-west-1:111122223333:abc/*/GET/me", ("abc", "*", "GET", "/me")),
        ("arn:aws:execute-api:*:*:*", ("*", "*", "*", "*")),
        ("*", ("*", "*", "*", "*")),
        # Without a trailing wildcard a missing part matches nothing: it shows empty.
        ("arn:aws:execute-api:eu-west-1:111122223333:abc/v1/GET", ("abc", "v1", "GET", "")),
    ],
)
def test_an_execute_api_resource_reads_as_its_route(
    resource: str, expected: tuple[str, str, str, str]
) -> None:
    route = api_route(resource, {})
    assert route is not None
    assert (route.api, route.stage, route.method, route.path) == expected
    assert api_route("arn:aws:s3:::bucket/*", {}) is None


# The permission diff: a route added or widened on a role widens -----------------------------


def role_of_preset(synth: Synth, body: Body, preset: str) -> Body:
    config = synth.demo.config
    group = next(g for g in config.groups if str(g.preset) == preset)
    logical_id = role_ids(body)[group.name]
    role: Body = body["Resources"][logical_id]
    return role


def invoke_statement(role: Body) -> Body:
    [policy] = role["Properties"]["Policies"]
    [statement] = [
        s for s in policy["PolicyDocument"]["Statement"] if s["Action"] == "execute-api:Invoke"
    ]
    return statement


def route_arn(like: Body, route: str) -> Body:
    """An execute-api ARN of the same API and stage as ``like``, for ``<METHOD>/<path>``."""
    parts = [*like["Fn::Join"][1][:-1], f"/v1/{route}"]
    return {"Fn::Join": ["", parts]}


def add_route(route: str) -> Callable[[Body], None]:
    def apply(statement: Body) -> None:
        statement["Resource"].append(route_arn(statement["Resource"][0], route))

    return apply


def rewrite(old: str, new: str) -> Callable[[Body], None]:
    def apply(statement: Body) -> None:
        statement["Resource"] = json.loads(json.dumps(statement["Resource"]).replace(old, new))

    return apply


@pytest.mark.parametrize(
    ("edit", "shown"),
    [
        # A route the preset does not grant.
        (add_route(f"DELETE/tenants/{TAG}/items/*"), f"route DELETE /tenants/{TAG}/items/*"),
        # The tenant variable widened to any tenant.
        (rewrite(f"{TAG}/items", "*/items"), "route GET /tenants/*/items"),
        # Any method on a route.
        (
            rewrite(f"/v1/GET/tenants/{TAG}/items", f"/v1/*/tenants/{TAG}/items"),
            f"route * /tenants/{TAG}/items",
        ),
        # Any stage of the API.
        (rewrite("/v1/GET/me", "/*/GET/me"), "route GET /me of "),
    ],
)
def test_adding_or_widening_a_route_widens_and_the_reverse_narrows(
    synth: Synth, edit: Callable[[Body], None], shown: str
) -> None:
    old = synth.demo.template
    new = copy.deepcopy(old)
    edit(invoke_statement(role_of_preset(synth, new, "viewer")))
    widened = diff(Review([review_of(old)]), Review([review_of(new)]))
    assert widened.widens
    [stack] = widened.stacks
    lines = [c.what for c in stack.changes if c.widens]
    assert len(lines) == 1 and lines[0].startswith("+ Allow execute-api:Invoke on ")
    assert shown in lines[0]
    narrowed = diff(Review([review_of(new)]), Review([review_of(old)]))
    assert not narrowed.widens
    assert narrowed.stacks[0].changes


def test_an_unchanged_route_table_is_no_change(synth: Synth, default_review: StackReview) -> None:
    result = diff(Review([default_review]), Review([review_of(synth.demo.template)]))
    assert [c.what for c in result.stacks[0].changes] == []
