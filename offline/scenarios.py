"""The scenario table: each demo user through a credential flow, the role the identity pool
chose (or the exact refusal), and what the credentials may do in the sample bucket.

Every row states what it expects; a run with any deviation exits non-zero.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TextIO

from client import credentials, sign_in
from client.credentials import IdentitySession
from client.errors import ClientProblem
from client.outputs import StackOutputs
from offline import probe
from offline.seed import DEMO_PASSWORD, DEVELOPER_USER, OTHER_IDENTITY, Seeded
from offline.stack import ACCOUNT, OfflineStack

WRONG_PASSWORD = "Wrong-Passw0rd-123!"  # noqa: S105 (meets the policy; not the user's)
ALLOWED, DENIED, UNEVALUATED = probe.ALLOWED, probe.DENIED, probe.NOT_EVALUATED
CHECKS = (
    probe.Check("read shared/", "s3:GetObject", "shared/readme.txt"),
    probe.Check("write shared/", "s3:PutObject", "shared/probe.txt"),
    probe.Check("read another's private/", "s3:GetObject", f"private/{OTHER_IDENTITY}/note.txt"),
    probe.Check("write own private/", "s3:PutObject", "private/{identity}/note.txt"),
)
# Expected S3 answers per role, in CHECKS order. Admins write every folder but other
# identities' private ones.
S3_BY_ROLE = {
    "admins": (ALLOWED, ALLOWED, DENIED, UNEVALUATED),
    "editors": (ALLOWED, ALLOWED, DENIED, UNEVALUATED),
    "viewers": (ALLOWED, DENIED, DENIED, UNEVALUATED),
    "default": (DENIED, DENIED, DENIED, UNEVALUATED),
    "guest": (DENIED, DENIED, DENIED, DENIED),  # guests read the public folder only
}


@dataclass(frozen=True)
class Scenario:
    user: str
    flow: str
    # A role label (admins, editors, viewers, default, guest) or an AWS error code; given the
    # stack's outputs where the config decides it.
    expected: str | Callable[[StackOutputs], str]
    start: Callable[[Seeded], IdentitySession]
    without_hook: bool = False  # sign in with Cognito's own group claims (see TokenIssuer)
    refusal: str = ""  # for an expected error: a phrase its message must hold (the exact reason)

    def expectation(self, outputs: StackOutputs) -> str:
        return self.expected if isinstance(self.expected, str) else self.expected(outputs)


@dataclass
class Row:
    scenario: Scenario
    got: str
    s3: dict[str, str] = field(default_factory=dict)
    deviations: list[str] = field(default_factory=list)


def _enhanced(
    user: str, password: str = DEMO_PASSWORD, group_role: str | None = None
) -> Callable[[Seeded], IdentitySession]:
    def start(seeded: Seeded) -> IdentitySession:
        totp = (lambda: seeded.totp_code(user)) if user in seeded.totp_secrets else None
        tokens = sign_in.sign_in(seeded.outputs, user, password, totp)
        custom = seeded.outputs.group_role_arn(group_role) if group_role else None
        return credentials.enhanced(seeded.outputs, tokens, custom_role_arn=custom)

    return start


def _basic(user: str) -> Callable[[Seeded], IdentitySession]:
    def start(seeded: Seeded) -> IdentitySession:
        tokens = sign_in.sign_in(seeded.outputs, user, DEMO_PASSWORD)
        return credentials.basic(seeded.outputs, tokens)

    return start


def _developer(password: str = DEMO_PASSWORD) -> Callable[[Seeded], IdentitySession]:
    return lambda seeded: credentials.developer(seeded.outputs, DEVELOPER_USER, password)


SCENARIOS: Sequence[Scenario] = (
    Scenario(
        "viewer@example.com",
        "enhanced, wrong password",
        "NotAuthorizedException",
        _enhanced("viewer@example.com", password=WRONG_PASSWORD),
        refusal="wrong username or password",  # the client's words for it
    ),
    Scenario("admin@example.com", "enhanced + TOTP", "admins", _enhanced("admin@example.com")),
    Scenario("editor@example.com", "enhanced", "editors", _enhanced("editor@example.com")),
    Scenario("viewer@example.com", "enhanced", "viewers", _enhanced("viewer@example.com")),
    Scenario(
        "editor-viewer@example.com", "enhanced", "editors", _enhanced("editor-viewer@example.com")
    ),
    Scenario(
        "editor-viewer@example.com",
        "enhanced, CustomRoleArn viewers",
        "viewers",
        _enhanced("editor-viewer@example.com", group_role="viewers"),
    ),
    Scenario(
        "editor-viewer@example.com",
        "enhanced, CustomRoleArn admins",
        "NotAuthorizedException",
        # No public source words this refusal: the code alone is checked.
        _enhanced("editor-viewer@example.com", group_role="admins"),
    ),
    Scenario("no-group@example.com", "enhanced", "default", _enhanced("no-group@example.com")),
    Scenario("tied@example.com", "enhanced", "editors", _enhanced("tied@example.com")),
    Scenario(
        "tied@example.com",
        "enhanced, hook bypassed",
        "NotAuthorizedException",
        _enhanced("tied@example.com"),
        without_hook=True,
        # The wording users report from the service (aws-amplify/amplify-js#3621).
        refusal="The ambiguous role mapping rules for: ",
    ),
    Scenario(
        "viewer@example.com",
        "basic (classic)",
        "InvalidParameterException",
        _basic("viewer@example.com"),
        refusal="basic (classic) flow",
    ),
    Scenario(
        "(guest)",
        "guest",
        lambda outputs: "guest" if outputs.guest_access else "NotAuthorizedException",
        lambda s: credentials.guest(s.outputs),
        refusal="refuses guests",
    ),
    Scenario(DEVELOPER_USER, "developer", "default", _developer()),
)


def run(seeded: Seeded, stack: OfflineStack, out: TextIO) -> list[Row]:
    rows = [run_scenario(scenario, seeded, stack) for scenario in SCENARIOS]
    _print(rows, out)
    return rows


def run_scenario(scenario: Scenario, seeded: Seeded, stack: OfflineStack) -> Row:
    identity = stack.identity
    if scenario.without_hook:
        stack.tokens.hook_bypassed.add(scenario.user)
    expected = scenario.expectation(seeded.outputs)
    try:
        session = scenario.start(seeded)
    except ClientProblem as problem:
        row = Row(scenario, problem.code or "error")
        if row.got != expected or scenario.refusal not in str(problem):
            reason = f" ({scenario.refusal})" if scenario.refusal else ""
            row.deviations.append(f"expected {expected}{reason}, got {problem}")
        return row
    finally:
        stack.tokens.hook_bypassed.discard(scenario.user)
    frozen = session.session.get_credentials().get_frozen_credentials()
    issued = identity.issued[frozen.access_key]
    guest_roles = {pool.roles.get("unauthenticated") for pool in identity.pools.values()}
    label = (
        "guest" if issued.role_arn in guest_roles else role_label(seeded.outputs, issued.role_arn)
    )
    row = Row(scenario, label)
    if row.got != expected:
        row.deviations.append(f"expected role {expected}, got {row.got}")
    s3 = session.session.client("s3")
    policies = probe.role_policies(ACCOUNT, issued.role_arn)
    variables = {
        "cognito-identity.amazonaws.com:sub": issued.identity_id,
        **{f"aws:PrincipalTag/{k}": v for k, v in issued.session_tags.items()},
    }
    if row.got not in S3_BY_ROLE:
        return row  # an unexpected role: the deviation is recorded, its S3 answers mean nothing
    for check, expected in zip(CHECKS, S3_BY_ROLE[row.got], strict=True):
        check = probe.Check(
            check.label, check.action, check.key.format(identity=issued.identity_id)
        )
        row.s3[check.label] = probe.probe(
            s3, seeded.outputs.bucket_name, check, policies, variables
        )
        if row.s3[check.label] != expected:
            row.deviations.append(f"{check.label}: expected {expected}, got {row.s3[check.label]}")
    return row


def role_label(outputs: StackOutputs, role_arn: str) -> str:
    for group in outputs.groups:
        if group.role_arn == role_arn:
            return group.name
    return "default" if role_arn == outputs.authenticated_role_arn else role_arn


def _print(rows: Sequence[Row], out: TextIO) -> None:
    header = ["user", "flow", "role or error", *(check.label for check in CHECKS), "ok"]
    lines = [header]
    for row in rows:
        lines.append(
            [
                row.scenario.user,
                row.scenario.flow,
                row.got,
                *(row.s3.get(check.label, "-") for check in CHECKS),
                "yes" if not row.deviations else "NO",
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
        for deviation in row.deviations:
            print(f"DEVIATION {row.scenario.user} / {row.scenario.flow}: {deviation}", file=out)
