"""The operator tool against moto: every command, passwords never from argv."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from client import developer_users as tool
from infra.config import CONTEXT_KEY, cdk_json_context, parse_config
from lambdas.developer_auth import passwords
from tests.client.conftest import outputs_document

TABLE = "idpools-test-users"
PASSWORD = "operator-chosen passphrase"
TRANSFORMS = {"tenant": ("strip", "lower")}
# What sign-in leaves behind for a username that does not exist (lambdas/developer_auth).
UNKNOWN_RECORD = {"username": "ghost", "failedAttempts": 2, "lockedUntil": 4_000_000_000}


@pytest.fixture
def table() -> Iterator[Any]:
    with mock_aws():
        yield boto3.resource("dynamodb", region_name="eu-west-1").create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "username", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "username", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )


def run(table: Any, *argv: str, stdin: str = "", monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out = io.StringIO()
    tool.run(tool.parser().parse_args(["--stack", "s", *argv]), table, out, TRANSFORMS)
    return out.getvalue()


def test_add_hashes_the_password_and_generates_the_user_id(table, monkeypatch) -> None:
    output = run(table, "add", "Bob", "--password-stdin", "--tag", "tenant=acme",
                 stdin=PASSWORD + "\n", monkeypatch=monkeypatch)  # fmt: skip
    item = table.get_item(Key={"username": "bob"})["Item"]
    assert output == f"added bob (user id {item['userId']})\n"
    assert passwords.verify_password(PASSWORD, item["passwordHash"])
    assert PASSWORD not in json.dumps(item, default=str)
    assert item["principalTags"] == {"tenant": "acme"}
    assert item["disabled"] is False


def test_add_refuses_an_existing_username(table, monkeypatch) -> None:
    run(table, "add", "bob", "--password-stdin", stdin=PASSWORD, monkeypatch=monkeypatch)
    with pytest.raises(tool.UsageError, match="'bob' already exists"):
        run(table, "add", "BOB", "--password-stdin", stdin=PASSWORD, monkeypatch=monkeypatch)


def test_set_password_disable_enable_unlock_and_list(table, monkeypatch) -> None:
    run(table, "add", "bob", "--password-stdin", stdin=PASSWORD, monkeypatch=monkeypatch)
    table.update_item(
        Key={"username": "bob"},
        UpdateExpression="SET failedAttempts = :n, lockedUntil = :t, holds = :h",
        ExpressionAttributeValues={":n": 5, ":t": 4_000_000_000, ":h": {"4000000000:a1"}},
    )
    assert "\tyes\t" in run(table, "list", monkeypatch=monkeypatch)
    run(table, "unlock", "bob", monkeypatch=monkeypatch)
    item = table.get_item(Key={"username": "bob"})["Item"]
    assert item["failedAttempts"] == 0 and "lockedUntil" not in item and "holds" not in item
    run(table, "disable", "bob", monkeypatch=monkeypatch)
    assert table.get_item(Key={"username": "bob"})["Item"]["disabled"] is True
    run(table, "enable", "bob", monkeypatch=monkeypatch)
    assert table.get_item(Key={"username": "bob"})["Item"]["disabled"] is False
    run(table, "set-password", "bob", "--password-stdin", stdin="a brand new one",
        monkeypatch=monkeypatch)  # fmt: skip
    stored = table.get_item(Key={"username": "bob"})["Item"]["passwordHash"]
    assert passwords.verify_password("a brand new one", stored)
    listing = run(table, "list", monkeypatch=monkeypatch)
    assert listing.splitlines()[1].startswith("bob\t")
    assert stored not in listing and "scrypt" not in listing


def test_commands_on_unknown_users_fail_clearly(table, monkeypatch) -> None:
    for command in ("disable", "enable", "unlock"):
        with pytest.raises(tool.UsageError, match="'ghost' does not exist"):
            run(table, command, "ghost", monkeypatch=monkeypatch)
    assert table.scan()["Items"] == []


def test_a_failure_record_of_an_unknown_username_is_never_a_user(table, monkeypatch) -> None:
    table.put_item(Item={**UNKNOWN_RECORD, "expiresAt": 4_000_000_000})
    for command in ("disable", "enable", "unlock"):
        with pytest.raises(tool.UsageError, match="'ghost' does not exist"):
            run(table, command, "ghost", monkeypatch=monkeypatch)
    with pytest.raises(tool.UsageError, match="'ghost' does not exist"):
        run(table, "set-password", "ghost", "--password-stdin", stdin=PASSWORD,
            monkeypatch=monkeypatch)  # fmt: skip
    assert "ghost" not in run(table, "list", monkeypatch=monkeypatch)
    run(table, "add", "ghost", "--password-stdin", stdin=PASSWORD, monkeypatch=monkeypatch)
    item = table.get_item(Key={"username": "ghost"})["Item"]
    # Replaced whole: no count carried over, and no TTL attribute left to delete the user.
    assert set(item) == {"username", "userId", "passwordHash", "failedAttempts", "disabled"}
    assert item["failedAttempts"] == 0


def test_tags_are_stored_as_sign_in_will_pass_them(table, monkeypatch) -> None:
    run(table, "add", "bob", "--password-stdin", "--tag", "tenant= ACME", "--tag", "Team=Blue",
        stdin=PASSWORD, monkeypatch=monkeypatch)  # fmt: skip
    item = table.get_item(Key={"username": "bob"})["Item"]
    assert item["principalTags"] == {"tenant": "acme", "Team": "Blue"}


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        (["tenant=a*"], "IAM policy wildcard"),
        (["tenant=" + "x" * 257], "0 to 256 characters"),
        (["tenant=acme;drop"], "only letters, digits"),
        ([f"k{n}=v" for n in range(51)], "at most 50"),
        # STS would take these; the items API could not serve them.
        (["tenant=acme/east"], "one path segment"),
        (["tenant= "], "an empty tenant"),
    ],
    ids=["wildcard", "257 characters", "bad character", "51 tags", "slash", "empty tenant"],
)
def test_tags_sign_in_would_refuse_are_refused(table, monkeypatch, tags, message) -> None:
    argv = [arg for tag in tags for arg in ("--tag", tag)]
    with pytest.raises(tool.UsageError, match=message):
        run(table, "add", "bob", "--password-stdin", *argv, stdin=PASSWORD,
            monkeypatch=monkeypatch)  # fmt: skip
    assert table.scan()["Items"] == []


def test_a_tenant_the_items_api_serves_is_stored_as_given(table, monkeypatch) -> None:
    run(table, "add", "eve", "--password-stdin", "--tag", "tenant=Société 2",
        stdin=PASSWORD, monkeypatch=monkeypatch)  # fmt: skip
    item = table.get_item(Key={"username": "eve"})["Item"]
    assert item["principalTags"] == {"tenant": "société 2"}


def test_tags_need_the_stacks_rules() -> None:
    with pytest.raises(tool.UsageError, match="pass --stack"):
        tool.parse_tags(["tenant=acme"], None)
    assert tool.parse_tags([], None) == {}


def test_password_is_never_an_argument() -> None:
    with pytest.raises(SystemExit):
        tool.parser().parse_args(["add", "bob", "--password", PASSWORD])


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["add", "bob", "--password-stdin"], "short", "at least 8 characters"),
        # 129 characters, 258 bytes in UTF-8: the limit is in bytes, as the client sends it.
        (["add", "bob", "--password-stdin"], "\u00e9" * 129, "at most 256 bytes in UTF-8"),
        # What a terminal's undecodable bytes become on standard input (surrogateescape).
        (["add", "bob", "--password-stdin"], "pass\udcffword", "lone surrogate"),
        (["add", "x", "--password-stdin"], PASSWORD, "'x': 3-64 characters"),
        (["add", "bob\n", "--password-stdin"], PASSWORD, "'bob\\\\n': 3-64 characters"),
        (["add", "bob", "--password-stdin", "--tag", "tenant"], PASSWORD, "write it as key=value"),
    ],
)
def test_bad_input_is_a_usage_error(table, monkeypatch, argv, stdin, message) -> None:
    with pytest.raises(tool.UsageError, match=message):
        run(table, *argv, stdin=stdin, monkeypatch=monkeypatch)


def test_the_table_is_found_through_the_stack_outputs() -> None:
    with mock_aws():
        cloudformation = boto3.client("cloudformation", region_name="eu-west-1")
        cloudformation.create_stack(
            StackName="idpools-sandbox",
            TemplateBody=json.dumps(
                {
                    "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
                    "Outputs": {
                        "UserTableName": {"Value": TABLE},
                        "DeveloperTagTransforms": {"Value": '{"tenant": ["strip", "lower"]}'},
                    },
                }
            ),
        )
        assert tool.user_store_from_stack("idpools-sandbox", cloudformation) == (
            TABLE,
            TRANSFORMS,
        )
        with pytest.raises(tool.UsageError, match="stack 'nope' not found"):
            tool.user_store_from_stack("nope", cloudformation)


def test_the_stack_comes_from_the_outputs_file(tmp_path, monkeypatch) -> None:
    outputs_file = tmp_path / "stack-outputs.json"
    outputs_file.write_text(json.dumps(outputs_document()))
    monkeypatch.setenv("IDPOOLS_OUTPUTS", str(outputs_file))

    assert tool.stack_name(None) == "idpools-test"


def test_without_an_outputs_file_the_stack_is_cdk_jsons(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("IDPOOLS_OUTPUTS", raising=False)
    monkeypatch.chdir(tmp_path)  # no stack-outputs.json here

    assert tool.stack_name(None) == parse_config(cdk_json_context()[CONTEXT_KEY]).stack_name


def test_a_named_outputs_file_that_is_missing_is_a_usage_error(tmp_path) -> None:
    with pytest.raises(tool.UsageError, match="not found"):
        tool.stack_name(str(tmp_path / "nope.json"))
