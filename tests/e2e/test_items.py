"""Attacks on the items API, each beside the same request from an identity the protection
allows: unsigned and tampered requests, expired credentials, identity headers a client forges,
a viewer deleting, an editor overwriting another's item, one tenant reaching another's items, a
caller without a tenant, a developer identity on the items routes, and bad input. Judged from
what a client sees: the status and who answered (API Gateway's IAM refusal, or the function's)."""

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
from offline.probe import ALLOWED, DENIED, NOT_OWNER, api_answer
from offline.seed import (
    DEMO_PASSWORD,
    DEVELOPER_TENANT,
    DEVELOPER_USER,
    MARK,
    OTHER_TENANT,
    DemoUser,
    Seeded,
)
from offline.target import Capability, Target
from tests.e2e.conftest import needs

OWN = f"tenants/{DEVELOPER_TENANT}/items"
OTHERS = f"tenants/{OTHER_TENANT}/items"
NOTE = {"text": "an e2e note"}
# The presets whose roles may PUT and DELETE in their tenant (the items API's contract).
WRITERS = ("editor", "admin")


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

    def with_preset(self, *presets: str) -> IdentitySession:
        return self.of(user_with(self.seeded, *presets))

    def member(self) -> IdentitySession:
        """A tenant-tagged group user, whatever the groups: every preset reads its tenant."""
        return self.of(self.seeded.cast.by_group[-1])

    def writer(self) -> IdentitySession:
        return self.with_preset(*WRITERS)

    def reader(self) -> IdentitySession:
        """A role with no write grant: the viewer preset's, or with no viewer group the default
        role's (which has no tenant route at all)."""
        viewers = [user for user in self.seeded.cast.by_group if user.preset == "viewer"]
        return self.of(viewers[0] if viewers else self.seeded.cast.no_group)

    def no_group(self) -> IdentitySession:
        """The default authenticated role: ``GET /me`` and no tenant route."""
        return self.of(self.seeded.cast.no_group)

    def developer(self) -> IdentitySession:
        if DEVELOPER_USER not in self._made:
            outputs = self.seeded.outputs
            self._made[DEVELOPER_USER] = credentials.developer(
                outputs, DEVELOPER_USER, DEMO_PASSWORD
            )
        return self._made[DEVELOPER_USER]


def user_with(seeded: Seeded, *presets: str) -> DemoUser:
    """The (tenant-tagged) user of the first group with one of ``presets``."""
    found = [user for user in seeded.cast.by_group if user.preset in presets]
    if not found:
        pytest.skip(f"the target has no group with the preset {' or '.join(presets)}")
    return found[0]


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
    assert call(sessions.no_group(), seeded, "GET", "me").status == 200


def test_a_tampered_request_is_refused(seeded, sessions) -> None:
    editor = sessions.writer()
    path = f"{OWN}/{new_item()}"
    mine, forged = json.dumps({"text": "mine"}).encode(), json.dumps({"text": "forged"}).encode()

    tampered = send(seeded, "PUT", path, session=editor, body=mine, body_after_signing=forged)
    intact = send(seeded, "PUT", path, session=editor, body=mine)

    assert tampered.status == 403
    assert tampered.body["message"].startswith(
        "The request signature we calculated does not match the signature you provided."
    )
    assert (intact.status, intact.body["text"]) == (200, "mine")


def test_expired_credentials_are_refused(seeded: Seeded, target: Target) -> None:
    needs(target, Capability.CLOCK)  # credentials live an hour: only a clock helps
    user = seeded.cast.no_group
    session = credentials.enhanced(seeded.outputs, seeded.sign_in(user.username))
    assert call(session, seeded, "GET", "me").status == 200

    with target.clock_advanced(2 * 60 * 60):
        expired = call(session, seeded, "GET", "me")

    # No AWS page quotes API Gateway's wording for expired credentials: the status, and that
    # API Gateway answered (the function never ran).
    assert expired.status == 403
    assert "error" not in expired.body


def test_identity_headers_a_client_sends_are_ignored(seeded, sessions) -> None:
    viewer, victim = sessions.no_group(), sessions.member()
    victims_me = call(victim, seeded, "GET", "me").body
    forged = {
        "X-Amz-Cognito-Identity-Id": victims_me["identityId"],
        "Cognito-Identity-Id": victims_me["identityId"],
        "X-Amzn-Cognito-Identity-Pool-Id": victims_me["identityPoolId"],
        "X-Amz-User-Arn": f"arn:aws:sts::000000000000:assumed-role/{victims_me['role']}/x",
    }

    answer = send(seeded, "GET", "me", session=viewer, headers=forged)

    assert answer.status == 200
    assert answer.body["identityId"] == viewer.identity_id != victims_me["identityId"]
    assert answer.body["role"] != victims_me["role"]


def test_a_viewer_cannot_delete_even_its_own_item(seeded, sessions, target: Target) -> None:
    """IAM refuses, not ownership: the viewer owns the item (written as the function would)."""
    viewer, editor = sessions.reader(), sessions.writer()
    viewers, editors = new_item(), new_item()
    table = target.operator.resource("dynamodb").Table(seeded.outputs.items_table_name)
    written = "2026-01-01T00:00:00.000Z"
    table.put_item(Item={"tenant": DEVELOPER_TENANT, "id": viewers, "owner": viewer.identity_id,
                         "text": "the viewer's", "updatedAt": written})  # fmt: skip
    assert call(editor, seeded, "PUT", f"{OWN}/{editors}", NOTE).status == 200

    assert api_answer(call(viewer, seeded, "DELETE", f"{OWN}/{viewers}")) == DENIED
    assert api_answer(call(viewer, seeded, "PUT", f"{OWN}/{new_item()}", NOTE)) == DENIED
    assert call(editor, seeded, "DELETE", f"{OWN}/{editors}").body == {"deleted": editors}


def test_an_editor_cannot_overwrite_or_delete_anothers_item(seeded, sessions) -> None:
    owner, editor = sessions.with_preset("admin"), sessions.with_preset("editor")
    item = new_item()
    assert call(owner, seeded, "PUT", f"{OWN}/{item}", {"text": "the owner's"}).status == 200

    overwrite = call(editor, seeded, "PUT", f"{OWN}/{item}", {"text": "the editor's"})
    delete = call(editor, seeded, "DELETE", f"{OWN}/{item}")

    assert (api_answer(overwrite), overwrite.body["field"]) == (NOT_OWNER, "id")
    assert api_answer(delete) == NOT_OWNER
    [kept] = [i for i in call(editor, seeded, "GET", OWN).body["items"] if i["id"] == item]
    assert (kept["text"], kept["owner"]) == ("the owner's", owner.identity_id)
    assert call(owner, seeded, "PUT", f"{OWN}/{item}", {"text": "again"}).status == 200


def test_an_admin_deletes_any_item_of_its_tenant(seeded, sessions) -> None:
    admin, editor = sessions.with_preset("admin"), sessions.with_preset("editor")
    item = new_item()
    assert call(editor, seeded, "PUT", f"{OWN}/{item}", NOTE).status == 200

    assert call(admin, seeded, "DELETE", f"{OWN}/{item}").body == {"deleted": item}
    assert call(admin, seeded, "DELETE", f"{OWN}/{item}").status == 404


def test_one_tenant_cannot_reach_another_tenants_items(seeded, sessions) -> None:
    viewer, editor = sessions.member(), sessions.writer()

    assert api_answer(call(viewer, seeded, "GET", OTHERS)) == DENIED
    assert api_answer(call(editor, seeded, "PUT", f"{OTHERS}/{new_item()}", NOTE)) == DENIED
    assert api_answer(call(viewer, seeded, "GET", OWN)) == ALLOWED
    assert api_answer(call(editor, seeded, "PUT", f"{OWN}/{new_item()}", NOTE)) == ALLOWED


def test_a_caller_without_a_tenant_tag_reaches_no_tenant(seeded, sessions) -> None:
    """The tied user gets a group's role (every preset reads its tenant) but has no
    custom:tenant; it exists whatever the groups."""
    untagged, tagged = sessions.of(seeded.cast.tied), sessions.member()

    assert call(untagged, seeded, "GET", "me").status == 200
    assert api_answer(call(untagged, seeded, "GET", OWN)) == DENIED
    assert api_answer(call(tagged, seeded, "GET", OWN)) == ALLOWED


def test_a_developer_identity_reaches_get_me_only(seeded, sessions) -> None:
    developer, tagged = sessions.developer(), sessions.member()

    me = call(developer, seeded, "GET", "me")
    listing = call(developer, seeded, "GET", OWN)
    write = call(developer, seeded, "PUT", f"{OWN}/{new_item()}", NOTE)

    assert me.status == 200
    assert seeded.outputs.developer_provider_name in me.body["authenticationProvider"]
    assert me.body["role"] == seeded.outputs.authenticated_role_arn.rsplit("/", 1)[1]
    assert (api_answer(listing), api_answer(write)) == (DENIED, DENIED)
    assert api_answer(call(tagged, seeded, "GET", OWN)) == ALLOWED  # the same tenant, a grant


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (f"{OWN}/{MARK}bad-body", b"{not json", "body"),
        (f"{OWN}/{MARK}{'x' * 64}", json.dumps(NOTE).encode(), "id"),
    ],
)
def test_bad_input_is_a_4xx_naming_the_field(seeded, sessions, path, body, field) -> None:
    """Cases both API Gateway's request validation (a deployment) and the function (offline,
    where the validator is not emulated) answer alike."""
    answer = send(seeded, "PUT", path, session=sessions.writer(), body=body)

    assert 400 <= answer.status < 500
    assert answer.body["field"] == field
