"""``python -m client whoami`` against moto, and every mistake as one line with exit status 2."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from client.__main__ import enroll, main
from client.whoami import role_of
from tests.client.conftest import PASSWORD


def whoami(stack, tmp_path, *argv: str) -> int:
    return main(["whoami", "--outputs", str(stack.write(tmp_path / "o.json")), *argv])


def test_whoami_json_shows_identity_role_expiry_and_caller(stack, tmp_path, capsys) -> None:
    stack.add_user("alice", "admins")
    assert whoami(stack, tmp_path, "--flow", "basic", "--username", "alice",
                  "--password", PASSWORD, "--json") == 0  # fmt: skip
    shown = json.loads(capsys.readouterr().out)
    assert shown["flow"] == "basic"
    assert shown["identityId"].startswith("eu-west-1:")
    assert shown["role"] == stack.outputs.authenticated_role_arn
    assert shown["group"] is None
    assert ":assumed-role/idpools-test-authenticated/" in shown["callerArn"]
    assert datetime.fromisoformat(shown["expiration"]).tzinfo is not None


def test_whoami_text_prompts_for_the_password(stack, tmp_path, capsys, monkeypatch) -> None:
    stack.add_user("alice", "admins")
    prompts = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: prompts.append(prompt) or PASSWORD)
    assert whoami(stack, tmp_path, "--username", "alice") == 0
    assert prompts == ["Password for alice: "]
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == ["flow", "identity", "role", "expires", "caller"]
    assert lines[0].split()[-1] == "enhanced"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--username", "nobody", "--password", "x"], "error: sign-in of 'nobody' refused"),
        ([], "error: --username is required for --flow enhanced"),
        (["--stack", "other"], "error: "),
    ],
)
def test_mistakes_are_one_line_and_exit_2(stack, tmp_path, capsys, argv, message) -> None:
    assert whoami(stack, tmp_path, *argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1


def test_a_missing_outputs_file_exits_2_naming_the_fix(tmp_path, capsys) -> None:
    assert main(["config", "--outputs", str(tmp_path / "none.json")]) == 2
    assert "--outputs / $IDPOOLS_OUTPUTS" in capsys.readouterr().err


def test_the_role_comes_from_the_assumed_role_arn(stack) -> None:
    editors = stack.outputs.groups[1]
    caller = f"arn:aws:sts::123456789012:assumed-role/{editors.role_arn.split('/')[-1]}/s"
    assert role_of(caller, stack.outputs) == (editors.role_arn, "editors")
    other = "arn:aws-cn:sts::210987654321:assumed-role/elsewhere/s"
    assert role_of(other, stack.outputs) == ("arn:aws-cn:iam::210987654321:role/elsewhere", None)
    assert role_of("arn:aws:iam::123456789012:user/moto", stack.outputs) == (None, None)


def test_mfa_setup_shows_the_secret_once_and_asks_for_a_code(stack, capsys, monkeypatch) -> None:
    monkeypatch.setattr("builtins.input", lambda prompt: " 123456 ")

    code = enroll("alice@example.com", "SECRETBASE32", stack.outputs)

    shown = capsys.readouterr().err
    assert code == "123456"
    assert shown.count("SECRETBASE32") == 2  # the secret, and inside the otpauth URI
    assert "otpauth://totp/idpools-test%3Aalice%40example.com?secret=SECRETBASE32" in shown
