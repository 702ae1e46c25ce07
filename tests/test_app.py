"""The entry point as the CDK CLI runs it: config errors, cdk-nag, outputs, the gates."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from aws_cdk import App
from aws_cdk.assertions import Capture, Template

from app import add_stacks, build_app, context_config
from client import outputs as client_outputs
from infra import acknowledgements as acknowledgements_module
from infra.config import CDK_JSON, ConfigError, cdk_json_context, parse_config
from tests.support.configs import CONFIG_FILE_VARIABLE, configured_raw, demo_raw
from tests.support.session_synth import FORKERS_RESOURCE
from tests.support.template import Synth, resolve, role_ids

ROOT = CDK_JSON.parent


def run_app(context: dict, outdir: Path) -> subprocess.CompletedProcess[str]:
    """`python app.py` with the context passed the way the CDK CLI passes it."""
    env = {**os.environ, "CDK_CONTEXT_JSON": json.dumps(context), "CDK_OUTDIR": str(outdir)}
    return subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def config_error(context: dict) -> str:
    """The error ``app.main`` exits with for ``context``, found in this process (no interpreter
    and jsii runtime to start): the test below shows the CLI prints it and exits 1."""
    with pytest.raises(ConfigError) as raised:
        add_stacks(App(context=context), [parse_config(context_config(App(context=context)))])
    return f"Configuration error: {raised.value}"


def test_config_mistake_fails_the_synth_with_a_message(tmp_path: Path) -> None:
    context = {**cdk_json_context(), "config": demo_raw()}
    context["config"]["groups"][2]["preset"] = "owner"
    result = run_app(context, tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "Configuration error: config.groups[2].preset: "
        "unknown value 'owner'. Use one of admin, editor, viewer"
    )
    assert "Traceback" not in result.stderr
    assert not list(tmp_path.glob("*.template.json"))


def test_cdk_nag_reports_nothing_unacknowledged(synth: Synth) -> None:
    report = json.loads((synth.outdir / "validation-report.json").read_text())
    assert report["pluginReports"] == []


def acknowledgements(outdir: Path, stacks: list[str]) -> dict[tuple[str, str], str]:
    """(construct path, finding) -> reason, as cdk-nag 3 records them in ``stacks``' metadata."""
    found = {}
    for metadata_file in (outdir / f"{stack}.metadata.json" for stack in stacks):
        for path, entries in json.loads(metadata_file.read_text()).items():
            for entry in entries:
                if entry["type"] == "aws:cdk:acknowledged-rules":
                    for finding, reason in entry["data"].items():
                        found[(path.lstrip("/"), finding.split("::", 1)[1])] = reason
    return found


def findings(outdir: Path) -> set[tuple[str, str]]:
    report = json.loads((outdir / "validation-report.json").read_text())
    return {
        (construct["constructPath"], violation["ruleName"])
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
        for construct in violation["violatingConstructs"]
    }


@pytest.fixture(scope="module")
def unacknowledged_findings(synth: Synth, tmp_path_factory: pytest.TempPathFactory) -> set:
    """What cdk-nag reports for the demo, the variant and the providers' stacks with every
    acknowledgement switched off (the configs that between them switch every option on)."""
    outdir = tmp_path_factory.mktemp("cdk.out.noack")

    class Silenced:
        @staticmethod
        def of(_construct: object) -> Silenced:
            return Silenced()

        def acknowledge(self, *_rules: object) -> None:
            pass

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(acknowledgements_module, "Validations", Silenced)
        configs = [synth.demo.config, synth.variant.config, synth.providers.config]
        context = {**cdk_json_context(), "twitterConsumerSecret": "test-only-twitter-secret"}
        app = build_app(context, str(outdir), configs)
        # Unacknowledged error findings fail the synthesis: the gate works.
        with pytest.raises(RuntimeError, match="AwsSolutions-IAM5"):
            app.synth()
    return findings(outdir)


def test_every_acknowledgement_matches_a_real_finding_and_has_a_reason(
    synth: Synth, unacknowledged_findings: set
) -> None:
    stacks = [synth.demo.path, synth.variant.path, synth.providers.path]
    acknowledged = acknowledgements(
        synth.outdir, [path.name.removesuffix(".template.json") for path in stacks]
    )
    assert acknowledged
    for (path, finding), reason in acknowledged.items():
        # An acknowledgement covers its construct and the constructs inside it.
        assert any(
            rule == finding and (found == path or found.startswith(f"{path}/"))
            for found, rule in unacknowledged_findings
        ), f"stale acknowledgement {finding} on {path}"
        assert len(reason) >= 40, (path, finding, reason)
    # ...and nothing is acknowledged wholesale: every finding is named exactly.
    assert len(unacknowledged_findings) == len(acknowledged)


# What the clients read from the stack's outputs: the app client and the offline run
# (client/outputs.py) and the developer-user tool (client/developer_users.py). A forker's own
# outputs come on top.
CLIENT_OUTPUTS = {*client_outputs._KEYS, "UserTableName", "DeveloperTagTransforms"}


def test_outputs_give_a_client_everything_it_needs(assertions: Template, synth: Synth) -> None:
    assert set(assertions.find_outputs("*")) >= CLIENT_OUTPUTS
    # A forker's resource with an output of its own (tests/conftest.py) keeps every one.
    forked = set(synth.forked.assertions.find_outputs("*"))
    assert forked > CLIENT_OUTPUTS and f"{FORKERS_RESOURCE}Arn" in forked
    assertions.has_output("Region", {"Value": {"Ref": "AWS::Region"}})
    assertions.has_output("GuestAccess", {"Value": "false"})
    assertions.has_output("DeveloperTagTransforms", {"Value": '{"tenant": ["strip", "lower"]}'})
    assertions.has_output("PrincipalTags", {"Value": '{"tenant": "tenant"}'})
    # A config that maps no user pool tag says so (the e2e expectations read it).
    synth.variant.assertions.has_output("PrincipalTags", {"Value": "{}"})
    parts = Capture()
    assertions.has_output("Groups", {"Value": {"Fn::Join": ["", parts]}})
    # The groups in the config's order, each with its role's ARN, as compact JSON.
    config, ids = synth.demo.config, role_ids(synth.demo.template)
    arns = {f"{ids[group.name]}.Arn": f"arn-of-{group.name}" for group in config.groups}
    groups = [
        {
            "name": group.name,
            "precedence": group.precedence,
            "roleArn": f"arn-of-{group.name}",
            "preset": str(group.preset),
        }
        for group in config.groups
    ]
    joined = resolve({"Fn::Join": ["", parts.as_array()]}, arns)
    assert joined == json.dumps(groups, separators=(",", ":"))


def test_cfn_lint_finds_no_errors(synth: Synth) -> None:
    stacks = (synth.demo, synth.variant, synth.providers, synth.forked, synth.configured)
    templates = sorted(str(path) for path in synth.outdir.glob("*.template.json"))
    # Every config's stack, and the deploy-role stack of the one with a pipeline.
    assert {str(stack.path) for stack in stacks} < set(templates)
    result = subprocess.run(
        [str(Path(sys.executable).with_name("cfn-lint")), *templates],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_config_file_replaces_the_cdk_json_config(tmp_path: Path) -> None:
    raw = demo_raw()
    config_file = tmp_path / "prod.json"
    config_file.write_text(json.dumps({**raw, "appName": "fromfile", "groups": "a-group"}))
    context = {**cdk_json_context(), "configFile": str(config_file)}
    assert config_error(context).startswith(
        "Configuration error: config.groups: expected list, got str"
    )
    missing = {**context, "configFile": str(tmp_path / "nope.json")}
    assert config_error(missing) == (
        f"Configuration error: config: configFile {str(tmp_path / 'nope.json')!r} does not exist. "
        "Give the path of a JSON file"
    )


def test_make_test_config_puts_a_config_file_under_the_invariant_tests(tmp_path: Path) -> None:
    """`make test CONFIG=path` (one config file per stage): the file's config, not cdk.json's."""
    prod = tmp_path / "prod.json"
    prod.write_text(json.dumps({**demo_raw(), "stage": "prod"}))
    assert configured_raw({CONFIG_FILE_VARIABLE: str(prod)})["stage"] == "prod"
    assert configured_raw({}) == cdk_json_context()["config"]
    with pytest.raises(ConfigError, match=r"nope\.json' does not exist"):
        configured_raw({CONFIG_FILE_VARIABLE: str(tmp_path / "nope.json")})
