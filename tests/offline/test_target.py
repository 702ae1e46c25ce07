"""The e2e suite's remote target, proven against a stack it can only reach from outside:
`python -m offline serve` in another process, known by its outputs file, its endpoint and an
operator's credentials file, as a real deployment is known. The scenario table and a few attacks
run through it, and afterwards nothing the run created is left."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from client.developer_users import new_user
from lambdas.developer_auth import passwords
from offline.scenarios import run_scenario, table
from offline.seed import (
    DEVELOPER_USER,
    DEVELOPER_USERS,
    ITEM_TENANTS,
    MARK,
    OFFLINE_PASSWORD_COST,
    WRITTEN_PREFIXES,
    cast,
)
from offline.target import Capability, LocalTarget, RemoteTarget, remote_target
from tests.e2e import test_attacks, test_items, test_sts
from tests.support.template import Synth

STARTUP_SECONDS = 60
REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def served(synth: Synth, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`python -m offline serve` on the session's demo template, with no demo users; yields
    the outputs file once it is written (the stack is up)."""
    work = tmp_path_factory.mktemp("served")
    assembly = work / "cdk.out"
    assembly.mkdir()
    default = synth.demo.path.name
    for entry in Path(synth.outdir).iterdir():  # one stack: the demo template, its assets
        if entry.name == default or not entry.name.endswith(".template.json"):
            (assembly / entry.name).symlink_to(entry)
    outputs, credentials = work / "stack-outputs.json", work / "credentials"
    command = [sys.executable, "-m", "offline", "serve", "--no-demo-users"]
    command += ["--cdk-out", str(assembly), "--outputs", str(outputs)]
    command += ["--credentials", str(credentials)]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    log = (work / "serve.log").open("w")
    server = subprocess.Popen(
        command, cwd=REPOSITORY, env=environment, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not outputs.exists():
            assert server.poll() is None, (work / "serve.log").read_text()
            assert time.monotonic() < deadline, "offline serve did not start"
            time.sleep(0.1)
        yield outputs
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def remote(served: Path, monkeypatch_module: pytest.MonkeyPatch) -> Iterator[RemoteTarget]:
    """Only what a real run has: the endpoint, the outputs file and a credentials profile."""
    endpoint = _endpoint(served.parent / "serve.log")
    for key in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch_module.delenv(key)
    monkeypatch_module.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch_module.setenv("AWS_SHARED_CREDENTIALS_FILE", str(served.parent / "credentials"))
    monkeypatch_module.setenv("AWS_PROFILE", "offline")
    # The emulator does not remember TOTP codes: waiting for a fresh one (up to 30 s, as a real
    # run does) would only slow this test down.
    with remote_target(served, one_use_codes=False) as target:
        yield target


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def _endpoint(log: Path) -> str:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        for line in log.read_text().splitlines():
            if "export AWS_ENDPOINT_URL=" in line:
                return line.split("AWS_ENDPOINT_URL=")[1].split()[0]
        time.sleep(0.1)
    raise AssertionError(f"no endpoint in {log}")


def test_the_scenario_table_runs_against_a_served_stack(remote: RemoteTarget) -> None:
    rows = [run_scenario(scenario, remote) for scenario in table(remote.outputs.groups)]

    for row in rows:
        if row.scenario.without_hook:  # the one capability a remote stack lacks here
            assert Capability.HOOK_BYPASS.value in row.not_run
            continue
        assert row.not_run == ""
        assert row.deviations == [], row.scenario
        assert row.got == row.scenario.expectation(remote.outputs)


def test_attacks_run_against_a_served_stack(remote: RemoteTarget) -> None:
    seeded = remote.seeded
    test_attacks.test_a_tampered_token_is_refused(seeded)
    test_attacks.test_another_users_identity_id_is_refused(seeded)
    test_attacks.test_identity_pool_credentials_cannot_call_other_services(seeded, remote)
    test_sts.test_a_developer_token_cannot_assume_any_group_role(seeded)
    sessions = test_items.Sessions(seeded)
    test_items.test_an_unsigned_request_is_refused_and_the_signed_one_answers(seeded, sessions)
    test_items.test_a_tampered_request_is_refused(seeded, sessions)
    test_items.test_an_editor_cannot_overwrite_or_delete_anothers_item(seeded, sessions, remote)


def test_a_real_stacks_demo_developer_user_is_hashed_at_the_production_cost(
    remote: RemoteTarget,
) -> None:
    """Only an offline stack's own demo user gets the cheap hash (OFFLINE_PASSWORD_COST): a
    stack known from outside may be a real one, and its users table gets what the operator
    tool would write."""
    table = remote.operator.resource("dynamodb").Table(remote.outputs.user_table_name)
    seeded = remote.seeded.outputs
    stored = table.get_item(Key={"username": DEVELOPER_USER})["Item"]["passwordHash"]

    assert seeded == remote.outputs
    assert not passwords.needs_rehash(stored)
    assert passwords.needs_rehash(new_user("x", "y" * 8, {}, OFFLINE_PASSWORD_COST)["passwordHash"])


def marked_items(remote: RemoteTarget) -> list[str]:
    table = remote.operator.resource("dynamodb").Table(remote.outputs.items_table_name)
    found = []
    for tenant in ITEM_TENANTS:
        answer = table.query(
            KeyConditionExpression="tenant = :tenant",
            ExpressionAttributeValues={":tenant": tenant},
        )
        found += [item["id"] for item in answer["Items"] if item["id"].startswith(MARK)]
    return found


def test_clean_up_leaves_nothing_the_run_created(remote: RemoteTarget) -> None:
    assert remote.seeded.outputs == remote.outputs  # the users exist, whatever ran before
    assert marked_items(remote)  # the seed's item at least
    remote.close()

    idp = remote.operator.client("cognito-idp")
    users = idp.list_users(UserPoolId=remote.outputs.user_pool_id)["Users"]
    demo_users = {u.username for u in cast(remote.outputs.groups).users}
    assert {user["Username"] for user in users} & demo_users == set()
    groups = idp.list_groups(UserPoolId=remote.outputs.user_pool_id)["Groups"]
    assert {group["GroupName"] for group in groups} == {g.name for g in remote.outputs.groups}
    s3 = remote.operator.client("s3")
    for prefix in WRITTEN_PREFIXES:
        listed = s3.list_object_versions(Bucket=remote.outputs.bucket_name, Prefix=prefix)
        assert not [v for v in listed.get("Versions", []) if MARK in v["Key"]], prefix
    table = remote.operator.resource("dynamodb").Table(remote.outputs.user_table_name)
    for name in DEVELOPER_USERS:
        assert "Item" not in table.get_item(Key={"username": name}), name
    assert marked_items(remote) == []


def test_the_default_target_can_do_everything_so_make_test_skips_nothing() -> None:
    # tests/e2e reports a capability a remote target lacks as not run there (pytest.skip);
    # against the in-process stack, which `make test` uses, nothing may be skipped.
    assert LocalTarget.capabilities == frozenset(Capability)
