"""`make deploy`, `make diff` and `make destroy` stop with one line, never a traceback, when the
region or working credentials are missing, and `make destroy` refuses a protected stage."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from client import api_gateway_logging, preflight
from infra.config import CDK_JSON
from tests.support.configs import demo_raw

ROOT = CDK_JSON.parent
REGION = "eu-west-1"
MOTO_ACCOUNT = "123456789012"


def empty_aws_environment(home: Path, **extra: str) -> dict[str, str]:
    """No AWS variable, no ~/.aws, no instance metadata: a machine without AWS set up."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(
        HOME=str(home),
        AWS_CONFIG_FILE=str(home / "no-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "no-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        **extra,
    )
    return env


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({}, "error: no AWS region: set AWS_REGION"),
        ({"AWS_REGION": REGION}, "error: no AWS credentials: set AWS_PROFILE"),
    ],
)
def test_without_aws_set_up_the_deploy_stops_with_one_line(
    tmp_path: Path, extra: dict[str, str], expected: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "client.preflight", "deploy"],
        cwd=ROOT,
        env=empty_aws_environment(tmp_path, **extra),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(expected), done.stderr


@pytest.fixture
def no_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in list(os.environ):
        if key.startswith("AWS_"):
            monkeypatch.delenv(key)
    for key, value in empty_aws_environment(tmp_path).items():
        if key.startswith("AWS_") or key == "HOME":
            monkeypatch.setenv(key, value)


@pytest.mark.usefixtures("no_aws")
@pytest.mark.parametrize("stage", ["prod", "production", "staging"])
def test_destroy_refuses_a_protected_stage_before_asking_aws(
    stage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert preflight.main(["destroy", "--stage", stage]) == 1
    error = capsys.readouterr().err
    assert error.startswith(f"error: stage {stage!r} is protected")
    assert "add the stage to disposableStages" in error and error.count("\n") == 1


@pytest.mark.usefixtures("no_aws")
def test_destroy_lets_a_disposable_stage_through_to_the_credentials(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert preflight.main(["destroy", "--stage", "dev-alice"]) == 1
    assert capsys.readouterr().err.startswith("error: no AWS region")


@pytest.mark.usefixtures("no_aws")
def test_a_config_error_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({**demo_raw(), "mfa": "SOMETIMES"}))
    assert preflight.main(["diff", "--config", str(config)]) == 1
    error = capsys.readouterr().err
    assert error.startswith("error: configuration error: config.mfa: unknown value 'SOMETIMES'")
    assert preflight.main(["diff", "--config", str(tmp_path / "missing.json")]) == 1
    assert capsys.readouterr().err.startswith(
        f"error: configuration error: config: CONFIG '{tmp_path / 'missing.json'}' does not exist"
    )


@pytest.mark.usefixtures("no_aws")
@pytest.mark.parametrize("argv", [[], ["--create"], ["--region", REGION]])
def test_the_logging_setting_tool_also_stops_with_one_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert api_gateway_logging.main(argv) == 1
    error = capsys.readouterr().err
    assert error.startswith("error: ") and error.count("\n") == 1, error


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, no_aws: None) -> Iterator[None]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield


def write_config(tmp_path: Path, **keys: str) -> str:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**demo_raw(), "region": REGION, **keys}))
    return str(path)


@pytest.mark.usefixtures("aws")
def test_credentials_for_another_account_than_the_config_pins_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, account="210987654321")
    assert preflight.main(["diff", "--config", config]) == 1
    assert capsys.readouterr().err.startswith(
        f"error: the credentials are for account {MOTO_ACCOUNT}, and the config pins 210987654321"
    )
    assert preflight.main(["diff", "--config", write_config(tmp_path, account=MOTO_ACCOUNT)]) == 0


@pytest.mark.usefixtures("aws")
def test_deploy_needs_api_gateways_logging_role(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path)
    assert preflight.main(["deploy", "--config", config]) == 1
    error = capsys.readouterr().err
    assert "has no CloudWatch Logs role" in error and error.strip().endswith(
        "make api-gateway-logging"
    )
    assert preflight.main(["diff", "--config", config]) == 0
    patch = [{"op": "replace", "path": "/cloudwatchRoleArn", "value": "arn:aws:iam::1:role/x"}]
    boto3.client("apigateway", region_name=REGION).update_account(patchOperations=patch)
    assert preflight.main(["deploy", "--config", config]) == 0


def recipe(target: str) -> list[str]:
    makefile = (ROOT / "Makefile").read_text()
    body = re.search(rf"^{target}:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert body is not None, target
    return [line.strip().lstrip("@") for line in body.group(1).splitlines()]


@pytest.mark.parametrize("target", ["deploy", "diff", "destroy"])
def test_each_aws_target_runs_the_preflight_first(target: str) -> None:
    commands = [line for line in recipe(target) if not line.startswith("#")]
    assert commands[0] == f"$(PREFLIGHT) {target}"
    # The pinned CLI's diff compares every stack when named none; it ignores --all.
    assert not any("diff --all" in command for command in commands)
