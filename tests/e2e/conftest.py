"""One offline stack for the e2e package: the session's synthesized default template, deployed
into moto with the demo users seeded. The client reaches it the way it reaches AWS, through
``AWS_ENDPOINT_URL``.

Package scope, not session: the stack patches moto process-wide (IAM enforcement, token
issuing) and points boto3 at itself, which the in-process moto tests elsewhere must not see.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from client import outputs as stack_outputs
from client.outputs import StackOutputs
from offline.seed import Seeded, seed
from offline.stack import OfflineStack, offline_stack
from offline.template import Template
from tests.support.template import Synth


@pytest.fixture(scope="package")
def offline(synth: Synth, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OfflineStack]:
    template = Template.load(
        Path(synth.outdir) / f"{synth.default_config.stack_name}.template.json"
    )
    log_path = tmp_path_factory.mktemp("offline") / "functions.log"
    saved = os.environ.get("AWS_ENDPOINT_URL")
    with log_path.open("w") as log, offline_stack(template, log) as stack:
        os.environ["AWS_ENDPOINT_URL"] = stack.endpoint_url
        try:
            yield stack
        finally:
            if saved is None:
                os.environ.pop("AWS_ENDPOINT_URL", None)
            else:
                os.environ["AWS_ENDPOINT_URL"] = saved


@pytest.fixture(scope="package")
def outputs(offline: OfflineStack) -> StackOutputs:
    return stack_outputs.parse({offline.template.stack_name: offline.outputs})


@pytest.fixture(scope="package")
def seeded(offline: OfflineStack, outputs: StackOutputs) -> Seeded:
    return seed(outputs, offline.session())
