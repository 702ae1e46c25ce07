"""The demo users the offline run signs in as, one per situation the scenario table shows.

They are created the way an administrator would create them (the pool allows admin-created
users only): ``AdminCreateUser`` with a permanent password, group membership, and for the
administrator a TOTP authenticator enrolled through the user's own token.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pyotp
from botocore.exceptions import ClientError

from client import aws, sign_in
from client.developer_users import new_user
from client.outputs import StackOutputs

# Meets the pool's password policy (14+ characters, all four character classes).
DEMO_PASSWORD = "Offline-Demo-Passw0rd!"  # noqa: S105 (a published demo password, offline only)
DEVELOPER_USER = "dev.user"
DEVELOPER_TENANT = "acme"
# A group an administrator adds outside the template with the same precedence as editors:
# the template's config refuses duplicate precedence, so a tie can only come from outside.
TIED_GROUP = "editors-tied"
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


@dataclass(frozen=True)
class DemoUser:
    username: str
    groups: tuple[str, ...]
    tenant: str | None = None  # custom:tenant as the administrator typed it
    totp: bool = False

    @property
    def tag(self) -> str | None:
        """The session tag the scenarios expect: every demo tenant is " acme " in some
        spelling, which the hook's claim normalizes (docs/pre-token-hook.md)."""
        return DEVELOPER_TENANT if self.tenant is not None else None


DEMO_USERS = (
    DemoUser("admin@example.com", ("admins",), tenant="acme", totp=True),
    DemoUser("editor@example.com", ("editors",), tenant=" ACME "),  # the hook normalizes it
    DemoUser("viewer@example.com", ("viewers",), tenant="acme"),
    DemoUser("editor-viewer@example.com", ("editors", "viewers")),
    DemoUser("no-group@example.com", ()),
    DemoUser("tied@example.com", ("editors", TIED_GROUP)),
)
# Developer users the suite creates (the brute-force target) or guesses at (the unknown one,
# whose failure record the sign-in writes); clean-up deletes their records.
BRUTE_TARGET = "brute.target"
UNKNOWN_DEVELOPER = "nobody.here"
DEVELOPER_USERS = (DEVELOPER_USER, BRUTE_TARGET, UNKNOWN_DEVELOPER)


@dataclass
class Seeded:
    outputs: StackOutputs
    totp_secrets: dict[str, str] = field(default_factory=dict)
    # Use each TOTP code once, waiting for the next one rather than replaying it: RFC 6238
    # (section 5.2) tells verifiers to refuse a code already accepted, and a real pool may.
    # The emulator does not remember codes, so its in-process runs need not wait.
    one_use_codes: bool = False
    _used: dict[str, str] = field(default_factory=dict)

    def totp_code(self, username: str) -> str:
        totp = pyotp.TOTP(self.totp_secrets[username])
        code = totp.now()
        while self.one_use_codes and code == self._used.get(username):
            time.sleep(1)
            code = totp.now()
        self._used[username] = code
        return code


def seed(outputs: StackOutputs, session: Any, one_use_codes: bool = False) -> Seeded:
    """Create the demo users with ``session`` (the operator's, pointed at the endpoint)."""
    idp = session.client("cognito-idp")
    pool = outputs.user_pool_id
    editors = idp.get_group(UserPoolId=pool, GroupName="editors")["Group"]
    viewers_role = outputs.group_role_arn("viewers")
    idp.create_group(
        UserPoolId=pool,
        GroupName=TIED_GROUP,
        Precedence=editors["Precedence"],
        RoleArn=viewers_role,
        Description="Added outside the template, tied with editors",
    )
    seeded = Seeded(outputs, one_use_codes=one_use_codes)
    for user in DEMO_USERS:
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
        if user.totp:
            _enroll_totp(seeded, user.username)
    s3 = session.client("s3")
    for key in SAMPLE_OBJECTS:
        s3.put_object(Bucket=outputs.bucket_name, Key=key, Body=b"e2e sample")
    table = session.resource("dynamodb").Table(outputs.user_table_name)
    table.put_item(
        Item=new_user(DEVELOPER_USER, DEMO_PASSWORD, {"tenant": DEVELOPER_TENANT}),
        ConditionExpression="attribute_not_exists(username)",
    )
    return seeded


def unseed(outputs: StackOutputs, session: Any) -> None:
    """Delete what ``seed`` and the suite created, as far as it exists: safe to call twice and
    after a partial seed (a real run's clean-up, interrupted or not)."""
    idp = session.client("cognito-idp")
    pool = outputs.user_pool_id
    for user in DEMO_USERS:
        _unless_missing(lambda u=user: idp.admin_delete_user(UserPoolId=pool, Username=u.username))
    _unless_missing(lambda: idp.delete_group(UserPoolId=pool, GroupName=TIED_GROUP))
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
    """What the user's app does: associate an authenticator, prove a code, prefer TOTP."""
    tokens = sign_in.sign_in(seeded.outputs, username, DEMO_PASSWORD)
    idp = aws.unsigned_client("cognito-idp", seeded.outputs.region)
    answer = idp.associate_software_token(AccessToken=tokens.access_token)
    seeded.totp_secrets[username] = answer["SecretCode"]
    idp.verify_software_token(AccessToken=tokens.access_token, UserCode=seeded.totp_code(username))
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
        for user in DEMO_USERS
    ]
    users.append({"username": DEVELOPER_USER, "groups": [], "flow": "developer"})
    return users
