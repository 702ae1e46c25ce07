"""Operator tool for the developer-auth user store.

    python -m client.developer_users [--stack NAME | --table NAME] [--outputs FILE] COMMAND

Commands: ``add USERNAME [--tag key=value ...]``, ``set-password USERNAME``, ``disable``,
``enable``, ``unlock`` and ``list``. The table is found through the stack's ``UserTableName``
output (the stack: ``--stack``, else the one in the outputs file ``make deploy`` writes, else
``<appName>-<stage>`` from cdk.json's config), and tags are normalized with its
``DeveloperTagTransforms`` (the rules sign-in applies), so ``--tag`` needs the stack, not
``--table``. Passwords are read from a prompt, or from standard
input with ``--password-stdin``, never from the command line (where shell history and ``ps``
would keep them).

A user is a record with a ``userId``; records without one only count an unknown username's
failed sign-ins (and expire through TTL), so no command treats them as users.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import time
import uuid
from collections.abc import Sequence
from typing import Any

import boto3
from botocore.exceptions import ClientError

from client import outputs
from client.errors import ClientProblem
from infra.config import (
    CONTEXT_KEY,
    TENANT_TAG,
    ConfigError,
    cdk_json_context,
    parse_config,
)
from lambdas.developer_auth import passwords, tags


class UsageError(Exception):
    """A mistake the operator can fix; printed without a traceback."""


Transforms = dict[str, tuple[str, ...]]


def user_store_from_stack(stack: str, cloudformation: Any) -> tuple[str, Transforms]:
    """The user table's name and the tag transforms sign-in applies."""
    try:
        [description] = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    except ClientError as error:
        raise UsageError(f"stack {stack!r} not found: deploy it, or pass --table") from error
    outputs = {o["OutputKey"]: o["OutputValue"] for o in description.get("Outputs", [])}
    for key in ("UserTableName", "DeveloperTagTransforms"):
        if key not in outputs:
            raise UsageError(f"stack {stack!r} has no {key} output: deploy this version")
    return str(outputs["UserTableName"]), tags.parse_transforms(outputs["DeveloperTagTransforms"])


def stack_name(outputs_file: str | None) -> str:
    """The deployed stack: the one the outputs file names, else cdk.json's config's."""
    try:
        return outputs.load(outputs_file).stack_name
    except ClientProblem as problem:
        if outputs_file is not None or outputs.default_path().exists():
            raise UsageError(str(problem)) from None
    # No outputs file: the stack this checkout's config deploys (infra.config is standard
    # library only, like the client).

    try:
        return parse_config(cdk_json_context()[CONTEXT_KEY]).stack_name
    except ConfigError as error:
        raise UsageError(f"no outputs file, and cdk.json's {error}") from None


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("New password: ")
        if getpass.getpass("Again: ") != password:
            raise UsageError("the two passwords differ")
    # The rule sign-in and the client apply (facts/stack.py): any password stored here can be
    # sent to POST /login.
    problem = passwords.password_problem(password)
    if problem:
        raise UsageError(f"the password: {problem}")
    return password


def parse_tags(pairs: Sequence[str], transforms: Transforms | None) -> dict[str, str]:
    """key=value pairs, normalized and checked as sign-in will (tenant=ACME is stored as acme);
    what sign-in would refuse is refused here."""
    if pairs and transforms is None:
        raise UsageError("--tag needs the stack's tag rules: pass --stack, not --table")
    raw = {}
    for pair in pairs:
        key, separator, value = pair.partition("=")
        if not separator or not key or not value:
            raise UsageError(f"--tag {pair!r}: write it as key=value, for example tenant=acme")
        raw[key] = value
    try:
        normalized = tags.normalize(raw, transforms or {})
    except tags.TagError as error:
        raise UsageError(f"--tag {error}") from None
    tenant = normalized.get(TENANT_TAG)
    if tenant is not None and not tenant:
        raise UsageError(
            f"--tag {TENANT_TAG}=: an empty tenant reaches no tenant folder or items route; "
            "give it a value or leave the tag out"
        )
    if tenant is not None and "/" in tenant:
        # STS accepts "/" in a tag value, but the items API takes the tenant as one path segment
        # (docs/items-api.md), so such a tenant could never reach its items.
        raise UsageError(
            f"--tag {TENANT_TAG}={tenant}: a tenant holds no '/' (the items API takes it as one "
            "path segment); choose a name without it"
        )
    return normalized


def username(raw: str) -> str:
    if passwords.username_problem(raw):
        raise UsageError(f"{raw!r}: {passwords.USERNAME_RULE}")
    return raw.lower()


def run(
    args: argparse.Namespace,
    table: Any,
    out: Any = sys.stdout,
    transforms: Transforms | None = None,
) -> None:
    name = username(args.username) if hasattr(args, "username") else ""
    exists = "attribute_exists(userId)"
    try:
        if args.command == "add":
            user_tags = parse_tags(args.tag, transforms)
            item = new_user(name, read_password(args.password_stdin), user_tags)
            # Replaces an unknown username's failure record, TTL attribute included.
            table.put_item(Item=item, ConditionExpression="attribute_not_exists(userId)")
            print(f"added {name} (user id {item['userId']})", file=out)
        elif args.command == "set-password":
            table.update_item(
                Key={"username": name},
                UpdateExpression="SET passwordHash = :hash, failedAttempts = :zero "
                "REMOVE lockedUntil, holds",
                ConditionExpression=exists,
                ExpressionAttributeValues={
                    ":hash": passwords.hash_password(read_password(args.password_stdin)),
                    ":zero": 0,
                },
            )
            print(f"password set for {name}", file=out)
        elif args.command in ("disable", "enable"):
            table.update_item(
                Key={"username": name},
                UpdateExpression="SET disabled = :disabled",
                ConditionExpression=exists,
                ExpressionAttributeValues={":disabled": args.command == "disable"},
            )
            print(f"{args.command}d {name}", file=out)
        elif args.command == "unlock":
            table.update_item(
                Key={"username": name},
                UpdateExpression="SET failedAttempts = :zero REMOVE lockedUntil, holds",
                ConditionExpression=exists,
                ExpressionAttributeValues={":zero": 0},
            )
            print(f"unlocked {name}", file=out)
        else:
            list_users(table, out)
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            state = "already exists" if args.command == "add" else "does not exist"
            raise UsageError(f"user {name!r} {state}") from None
        raise


def new_user(
    name: str,
    password: str,
    tags: dict[str, str],
    cost: passwords.ScryptParameters = passwords.CURRENT,
) -> dict[str, Any]:
    """A user table item: a server-side user id, the password's hash, no failures yet."""
    item: dict[str, Any] = {
        "username": name,
        "userId": str(uuid.uuid4()),
        "passwordHash": passwords.hash_password(password, cost),
        "failedAttempts": 0,
        "disabled": False,
    }
    if tags:
        item["principalTags"] = tags
    return item


def list_users(table: Any, out: Any) -> None:
    """Everything but the password hash."""
    now = time.time()
    scan: dict[str, Any] = {}
    print("username\tuser id\tdisabled\tfailed\tlocked\ttags", file=out)
    while True:
        page = table.scan(**scan)
        users = [item for item in page["Items"] if "userId" in item]
        for item in sorted(users, key=lambda i: i["username"]):
            locked = float(item.get("lockedUntil", 0)) > now and int(item.get("failedAttempts", 0))
            tags = ",".join(f"{k}={v}" for k, v in sorted(item.get("principalTags", {}).items()))
            print(
                f"{item['username']}\t{item['userId']}\t{bool(item.get('disabled'))}\t"
                f"{int(item.get('failedAttempts', 0))}\t{'yes' if locked else 'no'}\t{tags}",
                file=out,
            )
        if "LastEvaluatedKey" not in page:
            return
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m client.developer_users", description=__doc__)
    where = root.add_mutually_exclusive_group()
    where.add_argument(
        "--stack",
        help="stack name (default: the one in the outputs file, else cdk.json's <appName>-<stage>)",
    )
    where.add_argument("--table", help="the user table's name, instead of looking it up")
    root.add_argument(
        "--outputs",
        help=f"the stack outputs file (default: ${outputs.PATH_VARIABLE}, else "
        f"{outputs.DEFAULT_PATH})",
    )
    root.add_argument("--region", help="AWS region (default: your AWS configuration)")
    commands = root.add_subparsers(dest="command", required=True)
    for command in ("add", "set-password"):
        sub = commands.add_parser(command)
        sub.add_argument("username")
        sub.add_argument("--password-stdin", action="store_true", help="read it from stdin")
        if command == "add":
            sub.add_argument("--tag", action="append", default=[], help="principal tag key=value")
    for command in ("disable", "enable", "unlock"):
        commands.add_parser(command).add_argument("username")
    commands.add_parser("list")
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    session = boto3.Session(region_name=args.region)
    try:
        name, transforms = (
            (args.table, None)
            if args.table
            else user_store_from_stack(
                args.stack or stack_name(args.outputs), session.client("cloudformation")
            )
        )
        run(args, session.resource("dynamodb").Table(name), transforms=transforms)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
