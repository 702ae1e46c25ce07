"""The demo users the offline run signs in as, one per situation the scenario table shows.

The cast follows the stack's groups (its ``Groups`` output): one user per group in precedence
order, then the situational users (several groups, no group, a precedence tie). They are
created the way an administrator would create them (the pool allows admin-created users only):
``AdminCreateUser`` with a permanent password, group membership; the first group's user, or
every user when the pool requires MFA, enrolls a TOTP authenticator as the user's app would.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import pyotp
from botocore.exceptions import ClientError

from client import aws, sign_in
from client.developer_users import new_user
from client.outputs import StackOutputs
from infra.config import TENANT_TAG
from lambdas.developer_auth.passwords import CURRENT, ScryptParameters

# Meets the pool's password policy (14+ characters, all four character classes).
DEMO_PASSWORD = "Offline-Demo-Passw0rd!"  # noqa: S105 (a published demo password, offline only)
# The demo developer user's hash on an offline stack: its password is published, so the hash
# guards nothing there, and at the production cost each of the run's sign-ins would spend about
# 0.1 s verifying it. A hash carries its parameters: the sign-in function verifies either. A
# real stack's (a remote target's) demo users keep the production cost.
OFFLINE_PASSWORD_COST = ScryptParameters(n=2**10)
DEVELOPER_USER = "dev.user"
DEVELOPER_TENANT = "acme"
# The tie: a group an administrator adds outside the template with the precedence of one of
# its groups (the config refuses duplicate precedence, so a tie can only come from outside).
TIED_SUFFIX = "-tied"
# Every object the runs create carries this mark in its name, so clean-up against a real
# bucket deletes exactly those (every version: the bucket is versioned).
MARK = "e2e-"
# What the scenarios read: a shared file, a file in some other identity's private folder, and
# one in each of two tenants' folders.
OTHER_IDENTITY = "us-east-1:00000000-0000-0000-0000-000000000000"
OTHER_TENANT = "globex"
SAMPLE_OBJECTS = (
    f"shared/{MARK}readme.txt",
    f"private/{OTHER_IDENTITY}/{MARK}note.txt",
    f"tenants/{DEVELOPER_TENANT}/{MARK}plan.txt",
    f"tenants/{OTHER_TENANT}/{MARK}plan.txt",
)
# Folders clean-up looks in for marked objects.
WRITTEN_PREFIXES = ("shared/", "private/", "protected/", "public/", "tenants/")
# The item of the tenant that some other identity owns (the scenarios try to delete it), and the
# tenants whose items the runs write (clean-up deletes the marked ones).
OTHERS_ITEM = f"{MARK}others-note"
ITEM_TENANTS = (DEVELOPER_TENANT, OTHER_TENANT)


@dataclass(frozen=True)
class DemoUser:
    username: str
    groups: tuple[str, ...]
    tenant: str | None = None  # custom:tenant as the administrator typed it
    totp: bool = False
    preset: str | None = None  # a group user's: its group's preset

    def tag(self, outputs: StackOutputs) -> str | None:
        """The tenant session tag the scenarios expect: none unless the stack maps the tenant
        tag (its ``PrincipalTags`` output); then every demo tenant's, " acme " in some spelling,
        which the hook's claim normalizes (docs/pre-token-hook.md)."""
        tagged = self.tenant is not None and TENANT_TAG in outputs.principal_tags
        return DEVELOPER_TENANT if tagged else None


class GroupLike(Protocol):
    """A group as the config and the stack's ``Groups`` output both describe it."""

    @property
    def name(self) -> str: ...
    @property
    def precedence(self) -> int: ...
    @property
    def preset(self) -> str: ...


@dataclass(frozen=True)
class Cast:
    """The demo users for a stack's groups, and the tie group the seed adds."""

    by_group: tuple[DemoUser, ...]  # one per group, in precedence order
    several: DemoUser | None  # in the last two groups (none with fewer than two)
    no_group: DemoUser
    tied: DemoUser
    tied_with: str  # the template group the tie group shares its precedence with

    @property
    def users(self) -> tuple[DemoUser, ...]:
        several = (self.several,) if self.several else ()
        return (*self.by_group, *several, self.no_group, self.tied)

    @property
    def tied_group(self) -> str:
        return self.tied_with + TIED_SUFFIX


def cast(groups: Sequence[GroupLike]) -> Cast:
    ranked = sorted(groups, key=lambda group: group.precedence)
    # Every group user is a tenant; the second spells it " ACME ", which the hook normalizes.
    by_group = tuple(
        DemoUser(
            f"{group.name}@example.com",
            (group.name,),
            tenant=" ACME " if index == 1 else DEVELOPER_TENANT,
            totp=index == 0,
            preset=group.preset,
        )
        for index, group in enumerate(ranked)
    )
    names = [group.name for group in ranked]
    # The tie is with the second group (the only one, if alone), whose role differs from the
    # tie group's (the last group's, _tied_role): the tie is real when the hook is bypassed.
    tied_with = names[min(1, len(names) - 1)]
    return Cast(
        by_group=by_group,
        several=DemoUser("several-groups@example.com", tuple(names[-2:]))
        if len(names) > 1
        else None,
        no_group=DemoUser("no-group@example.com", ()),
        tied=DemoUser("tied@example.com", (tied_with, tied_with + TIED_SUFFIX)),
        tied_with=tied_with,
    )


# Developer users the suite creates (the brute-force target) or guesses at (the unknown one,
# whose failure record the sign-in writes); clean-up deletes their records.
BRUTE_TARGET = "brute.target"
UNKNOWN_DEVELOPER = "nobody.here"
DEVELOPER_USERS = (DEVELOPER_USER, BRUTE_TARGET, UNKNOWN_DEVELOPER)


@dataclass
class Seeded:
    outputs: StackOutputs
    cast: Cast
    totp_secrets: dict[str, str] = field(default_factory=dict)
    # Use each TOTP code once, waiting for the next one rather than replaying it: RFC 6238
    # (section 5.2) tells verifiers to refuse a code already accepted, and a real pool may.
    # The emulator does not remember codes, so its in-process runs need not wait.
    one_use_codes: bool = False
    _used: dict[str, str] = field(default_factory=dict)

    def sign_in(
        self, username: str, password: str = DEMO_PASSWORD, outputs: StackOutputs | None = None
    ) -> sign_in.Tokens:
        """The user's sign-in as its app makes it: with a TOTP code if it has an authenticator."""
        totp = (lambda: self.totp_code(username)) if username in self.totp_secrets else None
        return sign_in.sign_in(outputs or self.outputs, username, password, totp)

    def totp_code(self, username: str) -> str:
        totp = pyotp.TOTP(self.totp_secrets[username])
        code = totp.now()
        while self.one_use_codes and code == self._used.get(username):
            time.sleep(1)
            code = totp.now()
        self._used[username] = code
        return code


def seed(
    outputs: StackOutputs,
    session: Any,
    one_use_codes: bool = False,
    password_cost: ScryptParameters = CURRENT,
) -> Seeded:
    """Create the demo users with ``session`` (the operator's, pointed at the endpoint); the
    developer user's password hashed at ``password_cost``."""
    idp = session.client("cognito-idp")
    pool = outputs.user_pool_id
    players = cast(outputs.groups)
    # MfaConfiguration ON (required): every user sets up TOTP at its first sign-in (API
    # reference, RespondToAuthChallenge: MFA_SETUP), so every demo user enrolls.
    mfa_required = idp.describe_user_pool(UserPoolId=pool)["UserPool"]["MfaConfiguration"] == "ON"
    tied_with = idp.get_group(UserPoolId=pool, GroupName=players.tied_with)["Group"]
    idp.create_group(
        UserPoolId=pool,
        GroupName=players.tied_group,
        Precedence=tied_with["Precedence"],
        RoleArn=_tied_role(outputs, players),
        Description=f"Added outside the template, tied with {players.tied_with}",
    )
    seeded = Seeded(outputs, players, one_use_codes=one_use_codes)
    for user in players.users:
        attributes = [
            {"Name": "email", "Value": user.username},
            {"Name": "email_verified", "Value": "true"},
        ]
        if user.tenant is not None:
            attributes.append({"Name": "custom:tenant", "Value": user.tenant})
        idp.admin_create_user(
            UserPoolId=pool,
            Username=user.username,
            UserAttributes=attributes,
            MessageAction="SUPPRESS",
        )
        idp.admin_set_user_password(
            UserPoolId=pool, Username=user.username, Password=DEMO_PASSWORD, Permanent=True
        )
        for group in user.groups:
            idp.admin_add_user_to_group(UserPoolId=pool, Username=user.username, GroupName=group)
        if user.totp or mfa_required:
            _enroll_totp(seeded, user.username)
    s3 = session.client("s3")
    for key in SAMPLE_OBJECTS:
        s3.put_object(Bucket=outputs.bucket_name, Key=key, Body=b"e2e sample")
    table = session.resource("dynamodb").Table(outputs.user_table_name)
    table.put_item(
        Item=new_user(DEVELOPER_USER, DEMO_PASSWORD, {TENANT_TAG: DEVELOPER_TENANT}, password_cost),
        ConditionExpression="attribute_not_exists(username)",
    )
    put_others_item(outputs, session)
    return seeded


def put_others_item(outputs: StackOutputs, session: Any) -> None:
    """(Again) the tenant's item another identity owns, as the items API would have stored it
    (the contract's attributes)."""
    table = session.resource("dynamodb").Table(outputs.items_table_name)
    table.put_item(
        Item={
            "tenant": DEVELOPER_TENANT,
            "id": OTHERS_ITEM,
            "owner": OTHER_IDENTITY,
            "text": "another identity's note",
            "updatedAt": "2026-01-01T00:00:00.000Z",
        }
    )


def _tied_role(outputs: StackOutputs, players: Cast) -> str:
    """A role other than the tied group's, so the tie is ambiguous: the last group's, or with
    only one group the default authenticated role."""
    last = sorted(outputs.groups, key=lambda group: group.precedence)[-1]
    return outputs.authenticated_role_arn if last.name == players.tied_with else last.role_arn


def unseed(outputs: StackOutputs, session: Any) -> None:
    """Delete what ``seed`` and the suite created, as far as it exists: safe to call twice and
    after a partial seed (a real run's clean-up, interrupted or not)."""
    idp = session.client("cognito-idp")
    pool = outputs.user_pool_id
    players = cast(outputs.groups)
    for user in players.users:
        _unless_missing(lambda u=user: idp.admin_delete_user(UserPoolId=pool, Username=u.username))
    _unless_missing(lambda: idp.delete_group(UserPoolId=pool, GroupName=players.tied_group))
    s3 = session.client("s3")
    for prefix in WRITTEN_PREFIXES:
        pages = s3.get_paginator("list_object_versions").paginate(
            Bucket=outputs.bucket_name, Prefix=prefix
        )
        for page in pages:
            for version in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
                if version["Key"].rsplit("/", 1)[-1].startswith(MARK):
                    s3.delete_object(
                        Bucket=outputs.bucket_name,
                        Key=version["Key"],
                        VersionId=version["VersionId"],
                    )
    table = session.resource("dynamodb").Table(outputs.user_table_name)
    for name in DEVELOPER_USERS:
        table.delete_item(Key={"username": name})
    dynamodb = session.client("dynamodb")
    for tenant in ITEM_TENANTS:
        pages = dynamodb.get_paginator("query").paginate(
            TableName=outputs.items_table_name,
            KeyConditionExpression="tenant = :tenant",
            ExpressionAttributeValues={":tenant": {"S": tenant}},
        )
        for page in pages:
            for item in page["Items"]:
                if item["id"]["S"].startswith(MARK):
                    key = {"tenant": item["tenant"], "id": item["id"]}
                    dynamodb.delete_item(TableName=outputs.items_table_name, Key=key)


def _unless_missing(call: Any) -> None:
    try:
        call()
    except ClientError as error:
        if error.response["Error"]["Code"] not in (
            "UserNotFoundException",
            "ResourceNotFoundException",
        ):
            raise


def _enroll_totp(seeded: Seeded, username: str) -> None:
    """What the user's app does: associate an authenticator, prove a code, prefer TOTP. With MFA
    required, Cognito asks for this at sign-in (MFA_SETUP) and the client answers it."""

    def set_up(secret: str) -> str:
        seeded.totp_secrets[username] = secret
        return seeded.totp_code(username)

    tokens = sign_in.sign_in(seeded.outputs, username, DEMO_PASSWORD, mfa_setup=set_up)
    idp = aws.unsigned_client("cognito-idp", seeded.outputs.region)
    if username not in seeded.totp_secrets:  # MFA optional: enrolled with the user's token
        answer = idp.associate_software_token(AccessToken=tokens.access_token)
        idp.verify_software_token(
            AccessToken=tokens.access_token, UserCode=set_up(answer["SecretCode"])
        )
    idp.set_user_mfa_preference(
        AccessToken=tokens.access_token,
        SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
    )


def describe(seeded: Seeded) -> list[dict[str, Any]]:
    """The demo users as `make offline-serve` lists them."""
    users: list[dict[str, Any]] = [
        {
            "username": user.username,
            "groups": list(user.groups),
            "flow": "enhanced",
            "totpSecret": seeded.totp_secrets.get(user.username),
        }
        for user in seeded.cast.users
    ]
    users.append({"username": DEVELOPER_USER, "groups": [], "flow": "developer"})
    return users
