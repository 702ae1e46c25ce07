"""The scenario table: each demo user through a credential flow, the role the identity pool
chose (or the exact refusal), and what the credentials may do in the sample bucket and the items
API.

Every row states what it expects; a run with any deviation exits non-zero.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import TextIO

from client import credentials, items, whoami
from client.credentials import IdentitySession
from client.errors import ClientProblem
from client.outputs import StackOutputs
from infra.config import TENANT_TAG
from offline import probe
from offline.seed import (
    DEMO_PASSWORD,
    DEVELOPER_TENANT,
    DEVELOPER_USER,
    MARK,
    OTHER_TENANT,
    OTHERS_ITEM,
    SAMPLE_OBJECTS,
    GroupLike,
    Seeded,
    cast,
    put_others_item,
)
from offline.target import Missing, Target

WRONG_PASSWORD = "Wrong-Passw0rd-123!"  # noqa: S105 (meets the policy; not the user's)
ALLOWED, DENIED, NOT_OWNER = probe.ALLOWED, probe.DENIED, probe.NOT_OWNER
SHARED, OTHERS, OWN_TENANT, OTHER_TENANTS = SAMPLE_OBJECTS
CHECKS = (
    probe.Check("read shared/", "s3:GetObject", SHARED),
    probe.Check("write shared/", "s3:PutObject", f"shared/{MARK}probe.txt"),
    probe.Check("read another's private/", "s3:GetObject", OTHERS),
    probe.Check("write own private/", "s3:PutObject", "private/{identity}/" + f"{MARK}note.txt"),
    probe.Check(f"read tenants/{DEVELOPER_TENANT}/", "s3:GetObject", OWN_TENANT),
    probe.Check(f"read tenants/{OTHER_TENANT}/", "s3:GetObject", OTHER_TENANTS),
)


@dataclass(frozen=True)
class IfTagged:
    """``value`` when the session carries the tenant tag (DEVELOPER_TENANT, every demo tenant's),
    else denied: a grant on ``${aws:PrincipalTag/tenant}`` applies only with the tag."""

    value: str


@dataclass(frozen=True)
class IfMapped:
    """``value`` when the stack's user pool maps the tenant tag (its ``PrincipalTags`` output),
    else denied: the group roles get their tenant grants only then (infra/group_roles.py)."""

    value: str


# The tenant folder of the session's own tenant tag: S3 shows the tag reaching IAM.
TAGGED = IfTagged(ALLOWED)
# An expected answer: a probe's answer, or one that depends on the session's tenant tag or on
# the stack's tag map.
Expected = str | IfTagged | IfMapped
# Expected S3 answers, in CHECKS order, for a group role by its preset (the README's table):
# admins write every folder but other identities' private ones, and read every tenant's (a
# grant made only where the user pool maps the tenant tag, tag or no tag on the session).
EVERY_TENANT = IfMapped(ALLOWED)
S3_BY_PRESET: dict[str, tuple[Expected, ...]] = {
    "admin": (ALLOWED, ALLOWED, DENIED, ALLOWED, EVERY_TENANT, EVERY_TENANT),
    "editor": (ALLOWED, ALLOWED, DENIED, ALLOWED, TAGGED, DENIED),
    "viewer": (ALLOWED, DENIED, DENIED, ALLOWED, TAGGED, DENIED),
}
# ...and for the identity pool's own roles.
DEFAULT, GUEST = "default", "guest"
S3_BY_POOL_ROLE: dict[str, tuple[Expected, ...]] = {
    DEFAULT: (DENIED, DENIED, DENIED, ALLOWED, TAGGED, DENIED),
    GUEST: (DENIED, DENIED, DENIED, DENIED, DENIED, DENIED),  # guests read public/ only
}


@dataclass(frozen=True)
class ApiCheck:
    label: str
    method: str
    path: str  # "{item}": an item id of the session's own, new for each row
    data: dict[str, str] | None = None


ME = "GET /me"
API_CHECKS = (
    ApiCheck(ME, "GET", "me"),
    ApiCheck(f"list {DEVELOPER_TENANT} items", "GET", f"tenants/{DEVELOPER_TENANT}/items"),
    ApiCheck(f"list {OTHER_TENANT} items", "GET", f"tenants/{OTHER_TENANT}/items"),
    ApiCheck(
        f"put own {DEVELOPER_TENANT} item",
        "PUT",
        f"tenants/{DEVELOPER_TENANT}/items/{{item}}",
        {"text": "a scenario's note"},
    ),
    ApiCheck(
        f"delete another's {DEVELOPER_TENANT} item",
        "DELETE",
        f"tenants/{DEVELOPER_TENANT}/items/{OTHERS_ITEM}",
    ),
)
# Expected answers of the items API, in API_CHECKS order, by preset (the items API's contract:
# IAM grants each preset its routes on the caller's own tenant; the function lets only the
# admin-preset roles delete another identity's item), and for the pool's own roles (the default
# role: GET /me only; guests: nothing).
API_BY_PRESET: dict[str, tuple[Expected, ...]] = {
    "admin": (ALLOWED, TAGGED, DENIED, TAGGED, TAGGED),
    "editor": (ALLOWED, TAGGED, DENIED, TAGGED, IfTagged(NOT_OWNER)),
    "viewer": (ALLOWED, TAGGED, DENIED, DENIED, DENIED),
}
API_BY_POOL_ROLE: dict[str, tuple[Expected, ...]] = {
    DEFAULT: (ALLOWED, DENIED, DENIED, DENIED, DENIED),
    GUEST: (DENIED, DENIED, DENIED, DENIED, DENIED),
}
NOT_RUN = "not run"


@dataclass(frozen=True)
class Scenario:
    user: str
    flow: str
    # A role label (a group's name, default, guest) or an AWS error code; given the stack's
    # outputs where they decide it.
    expected: str | Callable[[StackOutputs], str]
    start: Callable[[Seeded], IdentitySession]
    # The tenant tag the session should carry; given the stack's outputs where they decide it
    # (a user pool user's tag exists only if the stack maps it).
    tag: str | Callable[[StackOutputs], str | None] | None = None
    without_hook: bool = False  # sign in with Cognito's own group claims (see TokenIssuer)
    refusal: str = ""  # for an expected error: a phrase its message must hold (the exact reason)

    def expectation(self, outputs: StackOutputs) -> str:
        return self.expected if isinstance(self.expected, str) else self.expected(outputs)

    def session_tag(self, outputs: StackOutputs) -> str | None:
        return self.tag(outputs) if callable(self.tag) else self.tag

    @property
    def key(self) -> tuple[str, str]:
        return self.user, self.flow


@dataclass
class Row:
    scenario: Scenario
    got: str
    s3: dict[str, str] = field(default_factory=dict)
    api: dict[str, str] = field(default_factory=dict)
    deviations: list[str] = field(default_factory=list)
    not_run: str = ""  # why, when the target lacks what the scenario needs
    totp: bool = False  # the sign-in answered a TOTP challenge

    @property
    def flow(self) -> str:
        """The flow as the table prints it: TOTP shown where the sign-in answered it."""
        flow = self.scenario.flow
        return flow.replace("enhanced", "enhanced + TOTP", 1) if self.totp else flow


def _enhanced(
    user: str, password: str = DEMO_PASSWORD, group_role: str | None = None
) -> Callable[[Seeded], IdentitySession]:
    def start(seeded: Seeded) -> IdentitySession:
        tokens = seeded.sign_in(user, password)
        custom = seeded.outputs.group_role_arn(group_role) if group_role else None
        return credentials.enhanced(seeded.outputs, tokens, custom_role_arn=custom)

    return start


def _basic(user: str) -> Callable[[Seeded], IdentitySession]:
    def start(seeded: Seeded) -> IdentitySession:
        return credentials.basic(seeded.outputs, seeded.sign_in(user))

    return start


def _developer(password: str = DEMO_PASSWORD) -> Callable[[Seeded], IdentitySession]:
    return lambda seeded: credentials.developer(seeded.outputs, DEVELOPER_USER, password)


def table(groups: Sequence[GroupLike]) -> tuple[Scenario, ...]:
    """The scenarios for a stack's groups: each group's user, then the situations."""
    players = cast(groups)
    last = players.by_group[-1].username
    rows = [
        Scenario(
            last,
            "enhanced, wrong password",
            "NotAuthorizedException",
            _enhanced(last, password=WRONG_PASSWORD),
            refusal="wrong username or password",  # the client's words for it
        )
    ]
    rows += [
        Scenario(user.username, "enhanced", user.groups[0], _enhanced(user.username), user.tag)
        for user in players.by_group
    ]
    if players.several is not None:
        several = players.several.username
        better, worse = players.several.groups
        rows += [
            Scenario(several, "enhanced", better, _enhanced(several)),
            Scenario(
                several,
                f"enhanced, CustomRoleArn {worse}",
                worse,
                _enhanced(several, group_role=worse),
            ),
        ]
        outside = [user.groups[0] for user in players.by_group[:-2]]
        if outside:
            rows.append(
                Scenario(
                    several,
                    f"enhanced, CustomRoleArn {outside[0]}",
                    "NotAuthorizedException",
                    # No public source words this refusal: the code alone is checked.
                    _enhanced(several, group_role=outside[0]),
                )
            )
    tied = players.tied.username
    rows += [
        Scenario(
            players.no_group.username, "enhanced", DEFAULT, _enhanced(players.no_group.username)
        ),
        Scenario(tied, "enhanced", players.tied_with, _enhanced(tied)),
        Scenario(
            tied,
            "enhanced, hook bypassed",
            "NotAuthorizedException",
            _enhanced(tied),
            without_hook=True,
            # The wording users report from the service (aws-amplify/amplify-js#3621).
            refusal="The ambiguous role mapping rules for: ",
        ),
        Scenario(
            last,
            "basic (classic)",
            "InvalidParameterException",
            _basic(last),
            refusal="basic (classic) flow",
        ),
        Scenario(
            "(guest)",
            "guest",
            lambda outputs: GUEST if outputs.guest_access else "NotAuthorizedException",
            lambda s: credentials.guest(s.outputs),
            refusal="refuses guests",
        ),
        Scenario(DEVELOPER_USER, "developer", DEFAULT, _developer(), DEVELOPER_TENANT),
    ]
    return tuple(rows)


def run(target: Target, out: TextIO) -> list[Row]:
    rows = [run_scenario(scenario, target) for scenario in table(target.outputs.groups)]
    _print(rows, out)
    return rows


def run_scenario(scenario: Scenario, target: Target) -> Row:
    """The scenario through the client, judged only by what AWS answers: the role from STS
    GetCallerIdentity, what the credentials may do from S3's and the items API's answers."""
    seeded = target.seeded
    expected = scenario.expectation(seeded.outputs)
    try:
        with target.hook_bypassed(scenario.user) if scenario.without_hook else nullcontext():
            session = scenario.start(seeded)
    except Missing as missing:
        return Row(scenario, NOT_RUN, not_run=str(missing))
    except ClientProblem as problem:
        row = Row(scenario, problem.code or "error")
        if row.got != expected or scenario.refusal not in str(problem):
            reason = f" ({scenario.refusal})" if scenario.refusal else ""
            row.deviations.append(f"expected {expected}{reason}, got {problem}")
        return row
    totp = scenario.user in seeded.totp_secrets
    caller = session.session.client("sts").get_caller_identity()["Arn"]
    row = Row(scenario, role_label(seeded.outputs, caller, scenario), totp=totp)
    if row.got != expected:
        row.deviations.append(f"expected role {expected}, got {row.got}")
    s3_answers = expected_answers(seeded.outputs, row.got, S3_BY_PRESET, S3_BY_POOL_ROLE)
    api_answers = expected_answers(seeded.outputs, row.got, API_BY_PRESET, API_BY_POOL_ROLE)
    if s3_answers is None or api_answers is None:
        # An unexpected role (recorded above): its answers mean nothing.
        if any(group.name == row.got for group in seeded.outputs.groups):
            row.deviations.append(
                f"no expected answers for group {row.got}'s preset: add the preset to "
                "S3_BY_PRESET and API_BY_PRESET (offline/scenarios.py)"
            )
        return row
    _probe_bucket(row, session, seeded, s3_answers)
    _probe_api(row, session, target, caller, api_answers)
    return row


def resolved(answer: Expected, outputs: StackOutputs, tag: str | None) -> str:
    """The answer expected of a session carrying the tenant tag ``tag`` (None: no tag)."""
    if isinstance(answer, IfTagged):
        return answer.value if tag == DEVELOPER_TENANT else DENIED
    if isinstance(answer, IfMapped):
        return answer.value if TENANT_TAG in outputs.principal_tags else DENIED
    return answer


def _probe_bucket(
    row: Row, session: IdentitySession, seeded: Seeded, answers: tuple[Expected, ...]
) -> None:
    s3 = session.session.client("s3")
    for check, answer in zip(CHECKS, answers, strict=True):
        expected = resolved(answer, seeded.outputs, row.scenario.session_tag(seeded.outputs))
        key = check.key.format(identity=session.identity_id)
        asked = probe.Check(check.label, check.action, key)
        row.s3[check.label] = probe.probe(s3, seeded.outputs.bucket_name, asked)
        if row.s3[check.label] != expected:
            row.deviations.append(f"{check.label}: expected {expected}, got {row.s3[check.label]}")


def _probe_api(
    row: Row,
    session: IdentitySession,
    target: Target,
    caller: str,
    answers: tuple[Expected, ...],
) -> None:
    """Each items API check signed with the session's credentials. The other identity's item is
    written again before the delete is tried (an admin's delete succeeds); what GET /me says of
    the caller must be what STS says."""
    outputs = target.outputs
    item = f"{MARK}{uuid.uuid4().hex[:16]}"
    for check, answer in zip(API_CHECKS, answers, strict=True):
        expected = resolved(answer, outputs, row.scenario.session_tag(outputs))
        if check.path.endswith(OTHERS_ITEM):
            put_others_item(outputs, target.operator)
        path = check.path.format(item=item)
        reply = items.call(session, outputs, check.method, path, check.data)
        row.api[check.label] = probe.api_answer(reply)
        if row.api[check.label] != expected:
            row.deviations.append(f"{check.label}: expected {expected}, got {row.api[check.label]}")
        if check.label == ME and reply.ok:
            row.deviations += _me_deviations(reply.body, session, outputs, caller)


def _me_deviations(
    me: dict[str, str], session: IdentitySession, outputs: StackOutputs, caller: str
) -> list[str]:
    """GET /me names the identity, its pool and the role of the signing credentials."""
    said = (me.get("identityId"), me.get("identityPoolId"), me.get("role"))
    role_name = caller.partition(":assumed-role/")[2].split("/")[0]
    truth = (session.identity_id, outputs.identity_pool_id, role_name)
    return [] if said == truth else [f"{ME} says {said}, the credentials are {truth}"]


def expected_answers(
    outputs: StackOutputs,
    role: str,
    by_preset: Mapping[str, tuple[Expected, ...]],
    by_pool_role: Mapping[str, tuple[Expected, ...]],
) -> tuple[Expected, ...] | None:
    """What the role's credentials may do, by the group's preset or the pool role; None for a
    role nobody expects (an error, or a preset the table does not know)."""
    preset = next((group.preset for group in outputs.groups if group.name == role), None)
    if preset is not None:
        return by_preset.get(preset)
    return by_pool_role.get(role)


def role_label(outputs: StackOutputs, caller: str, scenario: Scenario) -> str:
    """The group, ``default`` or ``guest`` of the role STS says the credentials act as."""
    role_arn, group = whoami.role_of(caller, outputs)
    if group is not None:
        return group
    if role_arn == outputs.authenticated_role_arn:
        return DEFAULT
    # The stack's outputs name no guest role; the guest flow's role is the guest role.
    return GUEST if scenario.flow == GUEST else str(role_arn)


def _print(rows: Sequence[Row], out: TextIO) -> None:
    header = [
        "user",
        "flow",
        "role or error",
        *(check.label for check in CHECKS),
        *(check.label for check in API_CHECKS),
        "ok",
    ]
    lines = [header]
    for row in rows:
        lines.append(
            [
                row.scenario.user,
                row.flow,
                row.got,
                *(row.s3.get(check.label, "-") for check in CHECKS),
                *(row.api.get(check.label, "-") for check in API_CHECKS),
                "not run" if row.not_run else "yes" if not row.deviations else "NO",
            ]
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for index, line in enumerate(lines):
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)), file=out
        )
        if index == 0:
            print("  ".join("-" * width for width in widths), file=out)
    for row in rows:
        if row.not_run:
            print(f"NOT RUN {row.scenario.user} / {row.scenario.flow}: {row.not_run}", file=out)
        for deviation in row.deviations:
            print(f"DEVIATION {row.scenario.user} / {row.scenario.flow}: {deviation}", file=out)
