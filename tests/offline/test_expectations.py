"""The scenario table's tenant expectations follow the stack's PrincipalTags output: a user pool
user carries the tenant tag only where the user pool maps it, a developer identity always (its
sign-in gives it), and the admins' every-tenant folder is granted only where the tag is mapped."""

from __future__ import annotations

import pytest

from client import outputs as stack_outputs
from client.outputs import StackOutputs
from offline.scenarios import ALLOWED, DENIED, EVERY_TENANT, TAGGED, resolved, table
from offline.seed import DEVELOPER_TENANT, DEVELOPER_USER, cast
from tests.client.conftest import outputs_document

MAPPED = stack_outputs.parse(outputs_document())
UNMAPPED = stack_outputs.parse(outputs_document(PrincipalTags="{}"))


def tags(outputs: StackOutputs) -> dict[str, str | None]:
    return {
        scenario.user: scenario.session_tag(outputs)
        for scenario in table(outputs.groups)
        if scenario.flow in ("enhanced", "developer")
    }


def test_user_pool_users_are_tagged_only_where_the_tenant_tag_is_mapped() -> None:
    mapped, unmapped = tags(MAPPED), tags(UNMAPPED)
    group_users = [user.username for user in cast(MAPPED.groups).by_group]

    assert [mapped[user] for user in group_users] == [DEVELOPER_TENANT] * len(group_users)
    assert [unmapped[user] for user in group_users] == [None] * len(group_users)
    assert mapped[DEVELOPER_USER] == unmapped[DEVELOPER_USER] == DEVELOPER_TENANT


@pytest.mark.parametrize(
    ("outputs", "tag", "own_tenant", "every_tenant"),
    [
        (MAPPED, DEVELOPER_TENANT, ALLOWED, ALLOWED),
        (MAPPED, None, DENIED, ALLOWED),  # the admin grant needs no tag on the session
        (UNMAPPED, DEVELOPER_TENANT, ALLOWED, DENIED),  # a developer identity's tag
        (UNMAPPED, None, DENIED, DENIED),
    ],
)
def test_tenant_answers_depend_on_the_tag_and_the_map(
    outputs: StackOutputs, tag: str | None, own_tenant: str, every_tenant: str
) -> None:
    assert resolved(TAGGED, outputs, tag) == own_tenant
    assert resolved(EVERY_TENANT, outputs, tag) == every_tenant
    assert resolved(ALLOWED, outputs, None) == ALLOWED
