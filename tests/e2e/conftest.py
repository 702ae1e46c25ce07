"""The target the e2e package runs against: by default a fresh offline stack in this process
(the session's synthesized default template, deployed into moto); with ``E2E_TARGET`` set to an
outputs file (``make e2e TARGET=stack-outputs.json``), the stack that file describes, reached
with the operator's credentials and ``AWS_ENDPOINT_URL`` if set (docs/e2e.md).

The tests judge only what a client can observe (API answers, STS GetCallerIdentity, S3 answers,
token claims); a test that needs a capability the target lacks is reported as not run there.

Package scope, not session: the offline stack patches moto process-wide (IAM enforcement, token
issuing) and points boto3 at itself, which the in-process moto tests elsewhere must not see.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from client import outputs as stack_outputs
from client.outputs import StackOutputs
from infra.config import parse_config
from offline.seed import GroupLike, Seeded
from offline.target import Capability, LocalTarget, Missing, Target, remote_target
from offline.template import Template
from tests.support.configs import configured_raw
from tests.support.offline import serving
from tests.support.session_synth import MARKER as SYNTHESIS

TARGET_VARIABLE = "E2E_TARGET"


def pytest_itemcollected(item: pytest.Item) -> None:
    """The offline target is deployed from the session's synthesis, asked for at run time."""
    if not os.environ.get(TARGET_VARIABLE):
        item.add_marker(SYNTHESIS)


@pytest.fixture(scope="package")
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    outputs_file = os.environ.get(TARGET_VARIABLE)
    if outputs_file:
        with remote_target(Path(outputs_file)) as remote:
            yield remote
        return
    synth = request.getfixturevalue("synth")  # only the offline target needs a synth
    template = Template.load(synth.configured.path)
    logs = request.getfixturevalue("tmp_path_factory").mktemp("offline")
    with serving(template, logs) as stack:
        yield LocalTarget(stack)


@pytest.fixture(scope="package")
def seeded(target: Target) -> Seeded:
    return target.seeded


@pytest.fixture(scope="package")
def outputs(target: Target) -> StackOutputs:
    return target.outputs


def collected_groups() -> Sequence[GroupLike]:
    """The groups the target has, known before it starts (for test ids): those of the outputs
    file with ``E2E_TARGET``, else the configured config's (cdk.json's or `make test CONFIG=`),
    which the offline target is synthesized from."""
    outputs_file = os.environ.get(TARGET_VARIABLE)
    if outputs_file:
        return stack_outputs.load(outputs_file).groups
    return parse_config(configured_raw(os.environ)).groups


def needs(target: Target, capability: Capability) -> None:
    """Report the test as not run on a target without ``capability`` (never as passed)."""
    try:
        target.require(capability)
    except Missing as missing:
        # Only a remote target lacks a capability; tests/offline/test_target.py holds the
        # in-process one to all of them, so `make test` and CI never skip here.
        pytest.skip(str(missing))
