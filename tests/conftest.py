"""One synthesis for the whole test session (docs/architecture.md: `make test` within 60 s),
shared by pytest-xdist's workers: the first to get the lock synthesizes, the others read it.

The app is synthesized once with these stacks (tests/support/configs.py), cdk-nag on all:

- ``demo``: the demo config, built in code; behaviour tests read it, so a forker's cdk.json
  cannot break them;
- ``configured``: whatever cdk.json holds, or the file of `make test CONFIG=path`; invariant
  tests and the e2e suite read it and expect what it says (the same stack as the demo's while
  it is the shipped one);
- ``variant``: the demo with every switch flipped away from its default;
- ``providers``: docs/examples/all-providers.json (every external provider on);
- ``forked``: a forker's first changes at once (a protected stage ``production`` among them),
  plus resources of their own in the stack.

Each stack comes as plain JSON (``template``, ``configured``, ``variant``, ``all_providers``)
and as an ``aws_cdk.assertions.Template`` (``assertions``, ``configured_assertions``,
``variant_assertions``, ``providers_assertions``, or ``synth.<stack>.assertions``), built once
per process on first use.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
from pathlib import Path

import botocore.session
import pytest
from aws_cdk import CfnOutput, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template as Assertions
from xdist.scheduler import LoadScopeScheduling

from app import add_stack, build_app
from infra.config import CDK_JSON, AppConfig, cdk_json_context, parse_config
from tests.support import configs
from tests.support.template import Synth, Synthesized, Template

ALL_PROVIDERS = CDK_JSON.parent / "docs" / "examples" / "all-providers.json"
TWITTER_SECRET = "test-only-twitter-secret"
# cdk.json's stack, when it differs from the demo's: its own artifact, whatever its stack name.
CONFIGURED = "configured"
FORKERS_RESOURCE = "TestForkersKey"
FORKERS_TABLE = "TestForkersTable"
FORKERS_BUCKET = "TestForkersBucket"

# Every boto3 session reads and parses botocore's service models afresh, and the tests create
# hundreds of sessions (one per client, function and moto world): one loader, whose cache the
# sessions share, reads each model once per worker. The models are read-only data.
botocore.session.create_loader = functools.cache(botocore.session.create_loader)
# Packages whose modules share a package-scoped fixture too costly to build on each worker
# (tests/e2e: an offline stack): each runs whole on one worker.
ONE_WORKER_PACKAGES = ("tests/e2e/",)


class _LoadScopeKeepingPackages(LoadScopeScheduling):
    """pytest-xdist's loadscope (one module per worker), except for ``ONE_WORKER_PACKAGES``.
    A module is its path, up to the first ``::``: loadscope's own split, at the last ``::``,
    would part a module whose parameter ids hold one (an ARN's ``iam::``), and build its
    module-scoped fixtures (a synthesis, an offline stack) once more on another worker."""

    def _split_scope(self, nodeid: str) -> str:
        package = next((p for p in ONE_WORKER_PACKAGES if nodeid.startswith(p)), None)
        return package or nodeid.split("::", 1)[0]


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> LoadScopeScheduling:
    return _LoadScopeKeepingPackages(config, log)


def add_forkers_resource(stack: Stack) -> None:
    """What a forker adds to infra/stack.py first: resources of their own (cdk-nag clean), each
    written to be destroyed, as a forker might copy it from a sandbox example (in a protected
    stage the stack keeps them anyway: infra/retention.py), and an output their app reads."""
    key = kms.Key(
        stack, FORKERS_RESOURCE, enable_key_rotation=True, removal_policy=RemovalPolicy.DESTROY
    )
    CfnOutput(stack, f"{FORKERS_RESOURCE}Output", key=f"{FORKERS_RESOURCE}Arn", value=key.key_arn)
    dynamodb.Table(
        stack,
        FORKERS_TABLE,
        partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        removal_policy=RemovalPolicy.DESTROY,
    )
    s3.Bucket(
        stack,
        FORKERS_BUCKET,
        enforce_ssl=True,
        server_access_logs_prefix="access-logs/",
        removal_policy=RemovalPolicy.DESTROY,
    )


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Synth:
    context = cdk_json_context()
    demo, variant, forked = configs.demo(), configs.variant(), configs.forked()
    configured = parse_config(configs.configured_raw(os.environ))
    providers = parse_config(json.loads(ALL_PROVIDERS.read_text()))
    # Under xdist the workers' temporary roots share a parent: the assembly goes there, once.
    shared = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        shared = shared.parent
    outdir = shared / "cdk.out.session"
    configured_id = demo.stack_name if configured == demo else CONFIGURED
    with (shared / "synth.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (outdir / "manifest.json").is_file():
            context = {**context, "twitterConsumerSecret": TWITTER_SECRET}
            app = build_app(context, str(outdir), [demo, variant, providers, forked])
            forked_stack = app.node.find_child(forked.stack_name)
            assert isinstance(forked_stack, Stack)
            add_forkers_resource(forked_stack)
            if configured != demo:
                add_stack(app, configured, TWITTER_SECRET, construct_id=CONFIGURED)
            app.synth()

    def load(config: AppConfig, artifact: str | None = None) -> Synthesized:
        path = outdir / f"{artifact or config.stack_name}.template.json"
        template: Template = json.loads(path.read_text())
        return Synthesized(config, Path(path), template)

    return Synth(
        outdir,
        demo=load(demo),
        variant=load(variant),
        providers=load(providers),
        forked=load(forked),
        configured=load(configured, configured_id),
    )


@pytest.fixture(scope="session")
def template(synth: Synth) -> Template:
    """The demo config's template (behaviour tests)."""
    return synth.demo.template


@pytest.fixture(scope="session")
def configured(synth: Synth) -> Template:
    """The template `make synth` produces from cdk.json, whatever it holds (invariant tests)."""
    return synth.configured.template


@pytest.fixture(scope="session")
def variant(synth: Synth) -> Template:
    return synth.variant.template


@pytest.fixture(scope="session")
def all_providers(synth: Synth) -> Template:
    """The template of docs/examples/all-providers.json."""
    return synth.providers.template


@pytest.fixture(scope="session")
def assertions(synth: Synth) -> Assertions:
    """The demo config's template, for aws_cdk.assertions (behaviour tests)."""
    return synth.demo.assertions


@pytest.fixture(scope="session")
def configured_assertions(synth: Synth) -> Assertions:
    return synth.configured.assertions


@pytest.fixture(scope="session")
def variant_assertions(synth: Synth) -> Assertions:
    return synth.variant.assertions


@pytest.fixture(scope="session")
def providers_assertions(synth: Synth) -> Assertions:
    return synth.providers.assertions
