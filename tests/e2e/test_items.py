"""Attacks on the items API, each beside the same request from an identity the protection
allows: unsigned and tampered requests, expired credentials, identity headers a client forges,
a role without the write routes deleting, a group's user overwriting or deleting another's item,
one tenant reaching another's items, a caller without a tenant, a developer identity on the items
routes, and bad input. Judged from what a client sees: the status and who answered (API
Gateway's IAM refusal, or the function's).

Every attack runs whatever groups the target has (at least one): the users it needs are ones
the seed always creates (a user per group, the no-group user, the tied user, the developer
user), and a test that needs a group of some preset takes each group as it comes, expecting
what its preset allows."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.httpsession import URLLib3Session

from client import credentials, items
from client.credentials import IdentitySession
from infra.config import Preset
from offline.probe import ALLOWED, DENIED, NOT_OWNER, api_answer
from offline.seed import (
    DEMO_PASSWORD,
    DEVELOPER_TENANT,
    DEVELOPER_USER,
    MARK,
    OTHER_IDENTITY,
    OTHER_TENANT,
    DemoUser,
    Seeded,
)
from offline.target import Capability, Target
from tests.e2e.conftest import collected_groups, needs

OWN = f"tenants/{DEVELOPER_TENANT}/items"
OTHERS = f"tenants/{OTHER_TENANT}/items"
NOTE = {"text": "an e2e note"}
# The presets whose roles may PUT and DELETE in their own tenant (infra/items_api.py).
WRITERS = (Preset.EDITOR, Preset.ADMIN)
GROUPS = [group.name for group in collected_groups()]


def new_item() -> str:
    return f"{MARK}{uuid.uuid4().hex[:16]}"


class Sessions:
    """One signed-in session per demo user, made on first use (sign-ins are the slow part)."""

    def __init__(self, seeded: Seeded) -> None:
        self.seeded = seeded
        self._made: dict[str, IdentitySession] = {}

    def of(self, user: DemoUser) -> IdentitySession:
        if user.username not in self._made:
            tokens = self.seeded.sign_in(user.username)
            self._made[user.username] = credentials.enhanced(self.seeded.outputs, tokens)
        return self._made[user.username]

    def developer(self) -> IdentitySession:
        if DEVELOPER_USER not in self._made:
            outputs = self.seeded.outputs
            self._made[DEVELOPER_USER] = credentials.developer(
                outputs, DEVELOPER_USER, DEMO_PASSWORD
            )
        return self._made[DEVELOPER_USER]


def tagged(seeded: Seeded, user: DemoUser) -> bool:
    """Whether the user's session carries the acme tenant tag: only when the stack's user pool
    maps the tenant tag (its PrincipalTags output); without it IAM refuses every tenant route."""
    return user.tag(seeded.outputs) == DEVELOPER_TENANT


def writes(seeded: Seeded, user: DemoUser) -> bool:
    """Whether the user's role may PUT and DELETE in its (tagged) tenant."""
    return user.preset in WRITERS and tagged(seeded, user)


def own_tenant(seeded: Seeded, user: DemoUser) -> str:
    """What listing the acme items answers the user: allowed with the tenant tag."""
    return ALLOWED if tagged(seeded, user) else DENIED


def group_user(seeded: Seeded, group: str) -> DemoUser:
    """The user of ``group`` (with custom:tenant)."""
    [user] = [user for user in seeded.cast.by_group if user.groups == (group,)]
    return user


def a_writer_if_any(seeded: Seeded) -> DemoUser:
    """The first group's user whose role writes, or with no such group the first group's."""
    users = seeded.cast.by_group
    return next((user for user in users if writes(seeded, user)), users[0])


def put_as_function_would(target: Target, seeded: Seeded, item: str, owner: str, text: str):
    """Write an item straight to the table, with the contract's attributes."""
    table = target.operator.resource("dynamodb").Table(seeded.outputs.items_table_name)
    table.put_item(Item={"tenant": DEVELOPER_TENANT, "id": item, "owner": owner, "text": text,
                         "updatedAt": "2026-01-01T00:00:00.000Z"})  # fmt: skip
    return table


@pytest.fixture(scope="module")
def sessions(seeded: Seeded) -> Sessions:
    return Sessions(seeded)


def call(session: IdentitySession, seeded: Seeded, method: str, path: str, data: Any = None):
    return items.call(session, seeded.outputs, method, path, data)


def send(
    seeded: Seeded,
    method: str,
    path: str,
    *,
    session: IdentitySession | None = None,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    body_after_signing: bytes | None = None,
) -> items.Answer:
    """A request to the items API as an attacker shapes it: unsigned, or signed with the
    session's credentials and then changed, or with headers of their choosing."""
    url = items.url_of(seeded.outputs, path)
    request = AWSRequest(method=method, url=url, data=body, headers=headers or {})
    if session is not None:
        frozen = session.session.get_credentials().get_frozen_credentials()
        SigV4Auth(frozen, "execute-api", seeded.outputs.region).add_auth(request)
    if body_after_signing is not None:
        request.data = body_after_signing
    response = URLLib3Session().send(request.prepare())
    return items.Answer(response.status_code, json.loads(response.content or b"null"))


def test_an_unsigned_request_is_refused_and_the_signed_one_answers(seeded, sessions) -> None:
    unsigned = send(seeded, "GET", "me")

    assert (unsigned.status, unsigned.body) == (403, {"message": "Missing Authentication Token"})
    assert call(sessions.of(seeded.cast.no_group), seeded, "GET", "me").status == 200


def test_a_tampered_request_is_refused(seeded, sessions) -> None:
    user = a_writer_if_any(seeded)
    signer = sessions.of(user)
    path = f"{OWN}/{new_item()}"
    mine, forged = json.dumps({"text": "mine"}).encode(), json.dumps({"text": "forged"}).encode()

    tampered = send(seeded, "PUT", path, session=signer, body=mine, body_after_signing=forged)
    intact = send(seeded, "PUT", path, session=signer, body=mine)

    assert tampered.status == 403
    assert tampered.body["message"].startswith(
        "The request signature we calculated does not match the signature you provided."
    )
    # The intact request passes the signature check: a writer's is served; without a writing
    # group (or tenant tag), IAM then refuses the route (not the signature).
    if writes(seeded, user):
        assert (intact.status, intact.body["text"]) == (200, "mine")
    else:
        assert api_answer(intact) == DENIED


def test_expired_credentials_are_refused(seeded: Seeded, target: Target) -> None:
    needs(target, Capability.CLOCK)  # credentials live an hour: only a clock helps
    tokens = seeded.sign_in(seeded.cast.no_group.username)
    session = credentials.enhanced(seeded.outputs, tokens)
    assert call(session, seeded, "GET", "me").status == 200

    with target.clock_advanced(2 * 60 * 60):
        expired = call(session, seeded, "GET", "me")

    # No AWS page quotes API Gateway's wording for expired credentials: the status, and that
    # API Gateway answered (the function never ran).
    assert expired.status == 403
    assert "error" not in expired.body


def test_identity_headers_a_client_sends_are_ignored(seeded, sessions) -> None:
    """The no-group user (default role) claims a group user's identity and role."""
    attacker, victim = sessions.of(seeded.cast.no_group), sessions.of(seeded.cast.by_group[0])
    victims_me = call(victim, seeded, "GET", "me").body
    forged = {
        "X-Amz-Cognito-Identity-Id": victims_me["identityId"],
        "Cognito-Identity-Id": victims_me["identityId"],
        "X-Amzn-Cognito-Identity-Pool-Id": victims_me["identityPoolId"],
        "X-Amz-User-Arn": f"arn:aws:sts::000000000000:assumed-role/{victims_me['role']}/x",
    }

    answer = send(seeded, "GET", "me", session=attacker, headers=forged)

    assert answer.status == 200
    assert answer.body["identityId"] == attacker.identity_id != victims_me["identityId"]
    assert answer.body["role"] != victims_me["role"]


def test_a_viewer_cannot_delete_even_its_own_item(seeded, sessions, target: Target) -> None:
    """IAM refuses, not ownership: the caller owns the item (written as the function would).
    The caller is a viewer group's user, or without one the developer user: tagged with the
    tenant too, on the default role."""
    viewers = [user for user in seeded.cast.by_group if user.preset == Preset.VIEWER]
    reader = sessions.of(viewers[0]) if viewers else sessions.developer()
    own = new_item()
    put_as_function_would(target, seeded, own, reader.identity_id, "the reader's")

    assert api_answer(call(reader, seeded, "DELETE", f"{OWN}/{own}")) == DENIED
    assert api_answer(call(reader, seeded, "PUT", f"{OWN}/{new_item()}", NOTE)) == DENIED
    listing = own_tenant(seeded, viewers[0]) if viewers else DENIED
    assert api_answer(call(reader, seeded, "GET", OWN)) == listing
    # The same requests from a role with the write routes pass (when the target has one).
    writer = a_writer_if_any(seeded)
    if writes(seeded, writer):
        session, theirs = sessions.of(writer), new_item()
        assert call(session, seeded, "PUT", f"{OWN}/{theirs}", NOTE).status == 200
        assert call(session, seeded, "DELETE", f"{OWN}/{theirs}").body == {"deleted": theirs}


def test_an_editor_cannot_overwrite_or_delete_anothers_item(seeded, sessions, target) -> None:
    """Each group's user against an item another identity owns: a writer's overwrite, and an
    editor's delete, are refused for ownership; a viewer's by IAM (admins delete: below)."""
    for user in seeded.cast.by_group:
        session, item = sessions.of(user), new_item()
        table = put_as_function_would(target, seeded, item, OTHER_IDENTITY, "another's")

        overwrite = call(session, seeded, "PUT", f"{OWN}/{item}", {"text": "mine now"})
        if writes(seeded, user):
            assert (api_answer(overwrite), overwrite.body["field"]) == (NOT_OWNER, "id"), user
        else:
            assert api_answer(overwrite) == DENIED, user
        if user.preset != Preset.ADMIN:
            delete = call(session, seeded, "DELETE", f"{OWN}/{item}")
            assert api_answer(delete) == (NOT_OWNER if writes(seeded, user) else DENIED), user
        kept = table.get_item(Key={"tenant": DEVELOPER_TENANT, "id": item})["Item"]
        assert (kept["text"], kept["owner"]) == ("another's", OTHER_IDENTITY), user
        if writes(seeded, user):  # ownership refused it: the same requests on its own item pass
            own = new_item()
            assert call(session, seeded, "PUT", f"{OWN}/{own}", NOTE).status == 200
            assert call(session, seeded, "DELETE", f"{OWN}/{own}").body == {"deleted": own}


def test_an_admin_deletes_any_item_of_its_tenant(seeded, sessions, target) -> None:
    """Each group's user deletes an item another identity owns: only admins' roles
    (DELETE_ANY_ROLES) may, in their tagged tenant; the others are refused and the item stays."""
    for user in seeded.cast.by_group:
        session, item = sessions.of(user), new_item()
        table = put_as_function_would(target, seeded, item, OTHER_IDENTITY, "another's")

        delete = call(session, seeded, "DELETE", f"{OWN}/{item}")

        if user.preset == Preset.ADMIN and tagged(seeded, user):
            assert delete.body == {"deleted": item}, user
            assert call(session, seeded, "DELETE", f"{OWN}/{item}").status == 404, user
        else:
            assert api_answer(delete) == (NOT_OWNER if writes(seeded, user) else DENIED), user
            assert "Item" in table.get_item(Key={"tenant": DEVELOPER_TENANT, "id": item}), user


@pytest.mark.parametrize("group", GROUPS)
def test_one_tenant_cannot_reach_another_tenants_items(seeded, sessions, group: str) -> None:
    user = group_user(seeded, group)
    session = sessions.of(user)

    assert api_answer(call(session, seeded, "GET", OTHERS)) == DENIED
    assert api_answer(call(session, seeded, "GET", OWN)) == own_tenant(seeded, user)
    if user.preset in WRITERS:
        assert api_answer(call(session, seeded, "PUT", f"{OTHERS}/{new_item()}", NOTE)) == DENIED
        own = api_answer(call(session, seeded, "PUT", f"{OWN}/{new_item()}", NOTE))
        assert own == own_tenant(seeded, user)


def test_a_caller_without_a_tenant_tag_reaches_no_tenant(seeded, sessions) -> None:
    """The tied user gets its first group's role (the hook settles the tie) but has no
    custom:tenant; that group's own user has the same role and the tag (if the stack maps it)."""
    cast = seeded.cast
    with_tenant = group_user(seeded, cast.tied_with)
    untagged, tenant = sessions.of(cast.tied), sessions.of(with_tenant)

    me = call(untagged, seeded, "GET", "me")
    assert me.status == 200
    assert me.body["role"] == call(tenant, seeded, "GET", "me").body["role"]
    assert api_answer(call(untagged, seeded, "GET", OWN)) == DENIED
    assert api_answer(call(tenant, seeded, "GET", OWN)) == own_tenant(seeded, with_tenant)


def test_a_developer_identity_reaches_get_me_only(seeded, sessions) -> None:
    first = seeded.cast.by_group[0]
    developer, group_session = sessions.developer(), sessions.of(first)

    me = call(developer, seeded, "GET", "me")
    listing = call(developer, seeded, "GET", OWN)
    write = call(developer, seeded, "PUT", f"{OWN}/{new_item()}", NOTE)

    assert me.status == 200
    assert seeded.outputs.developer_provider_name in me.body["authenticationProvider"]
    assert me.body["role"] == seeded.outputs.authenticated_role_arn.rsplit("/", 1)[1]
    assert (api_answer(listing), api_answer(write)) == (DENIED, DENIED)
    # The same tenant, a grant (when the stack maps the tenant tag for user pool users).
    assert api_answer(call(group_session, seeded, "GET", OWN)) == own_tenant(seeded, first)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (f"{OWN}/{MARK}bad-body", b"{not json", "body"),
        (f"{OWN}/{MARK}{'x' * 64}", json.dumps(NOTE).encode(), "id"),
    ],
)
def test_bad_input_is_a_4xx_naming_the_field(seeded, sessions, path, body, field) -> None:
    """Cases both API Gateway's request validation (a deployment) and the function (offline,
    where the validator is not emulated) answer alike. Without a writing group IAM refuses the
    route first: still a 4xx."""
    user = a_writer_if_any(seeded)
    answer = send(seeded, "PUT", path, session=sessions.of(user), body=body)

    assert 400 <= answer.status < 500
    if writes(seeded, user):
        assert answer.body["field"] == field
    else:
        assert api_answer(answer) == DENIED
