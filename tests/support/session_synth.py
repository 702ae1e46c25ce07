"""The test session's one synthesis (tests/conftest.py), made in a process of its own.

``start`` launches it in the background as soon as a worker knows its tests need it, so the
workers go on with the tests that do not (tests/conftest.py runs those first) instead of one
synthesizing while the other waits. The lock file ``synth.lock`` beside the assembly is held by
whoever synthesizes: the background process (it inherits the lock from the worker that started
it), or, if none was started or it failed, the first worker that asks (``synthesize``, in
process, which shows the error where a test asks).

    python -m tests.support.session_synth <outdir>   (started by ``start``, not by hand)
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from infra.config import CDK_JSON, AppConfig, cdk_json_context, parse_config
from tests.support import configs

# The CDK is imported where the app is built: pytest-xdist's controller imports this module
# (through tests/conftest.py) and never synthesizes.
if TYPE_CHECKING:
    from aws_cdk import Stack

ALL_PROVIDERS = CDK_JSON.parent / "docs" / "examples" / "all-providers.json"
TWITTER_SECRET = "test-only-twitter-secret"
# cdk.json's stack, when it differs from the demo's: its own artifact, whatever its stack name.
CONFIGURED = "configured"
FORKERS_RESOURCE = "TestForkersKey"
FORKERS_TABLE = "TestForkersTable"
FORKERS_BUCKET = "TestForkersBucket"
ASSEMBLY = "cdk.out.session"
LOCK = "synth.lock"
LOG = "synth.log"
# Marks a test that asks for the synthesis at run time (request.getfixturevalue), not by name.
MARKER = "synthesis"


@dataclass(frozen=True)
class SessionConfigs:
    demo: AppConfig
    variant: AppConfig
    providers: AppConfig
    forked: AppConfig
    configured: AppConfig

    @property
    def configured_artifact(self) -> str:
        """cdk.json's stack: the session's own when the config is one of the others (the
        shipped cdk.json is the demo's; `make test CONFIG=docs/examples/all-providers.json`)."""
        others = (self.demo, self.variant, self.providers, self.forked)
        return next((c.stack_name for c in others if c == self.configured), CONFIGURED)


def session_configs() -> SessionConfigs:
    return SessionConfigs(
        demo=configs.demo(),
        variant=configs.variant(),
        providers=parse_config(json.loads(ALL_PROVIDERS.read_text())),
        forked=configs.forked(),
        configured=parse_config(configs.configured_raw(os.environ)),
    )


def synthesized(shared: Path) -> bool:
    return (shared / ASSEMBLY / "manifest.json").is_file()


@contextmanager
def locked(shared: Path) -> Iterator[None]:
    """Held while the assembly is written: when it is free, the assembly is whole or absent."""
    with (shared / LOCK).open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def start(shared: Path) -> subprocess.Popen[bytes] | None:
    """Synthesize in the background unless the assembly is there or under way. The lock is
    taken here and handed to the process, so no worker can ask before it holds it."""
    lock = (shared / LOCK).open("w")
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None  # another worker's synthesis is under way
        if synthesized(shared):
            return None
        with (shared / LOG).open("w") as log:
            return subprocess.Popen(  # this interpreter, on our own module
                [sys.executable, "-m", __name__, str(shared)],
                cwd=CDK_JSON.parent,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=[lock.fileno()],
            )
    finally:
        lock.close()  # the process keeps its copy: the lock is held until it exits


def synthesize(shared: Path) -> None:
    """The whole session's app into ``shared``/cdk.out.session, cdk-nag on every stack: the
    demo, the variant, the providers example, the forked config (with a forker's own resources)
    and cdk.json's config when it is not the demo's."""
    from aws_cdk import Stack

    from app import add_stack, build_app

    session = session_configs()
    context = {**cdk_json_context(), "twitterConsumerSecret": TWITTER_SECRET}
    outdir = shared / ASSEMBLY
    app = build_app(
        context, str(outdir), [session.demo, session.variant, session.providers, session.forked]
    )
    forked_stack = app.node.find_child(session.forked.stack_name)
    assert isinstance(forked_stack, Stack)
    add_forkers_resource(forked_stack)
    if session.configured_artifact == CONFIGURED:
        add_stack(app, session.configured, TWITTER_SECRET, construct_id=CONFIGURED)
    app.synth()


def add_forkers_resource(stack: Stack) -> None:
    """What a forker adds to infra/stack.py first: resources of their own (cdk-nag clean), each
    written to be destroyed, as a forker might copy it from a sandbox example (in a protected
    stage the stack keeps them anyway: infra/retention.py), and an output their app reads."""
    from aws_cdk import CfnOutput, RemovalPolicy
    from aws_cdk import aws_dynamodb as dynamodb
    from aws_cdk import aws_kms as kms
    from aws_cdk import aws_s3 as s3

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


def main() -> None:
    # The lock ``start`` took is this process's until it exits, whatever happens here.
    synthesize(Path(sys.argv[1]))


if __name__ == "__main__":
    main()
