"""One offline stack for the e2e package: the session's synthesized default template, deployed
into moto with the demo users seeded. The client reaches it the way it reaches AWS, through
``AWS_ENDPOINT_URL``.

Package scope, not session: the stack patches moto process-wide (IAM enforcement, token
issuing) and points boto3 at itself, which the in-process moto tests elsewhere must not see.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from client import outputs as stack_outputs
from client.outputs import StackOutputs
from offline.seed import Seeded, seed
from offline.stack import OfflineStack
from offline.template import Template
from tests.support.offline import serving
from tests.support.template import Synth


@pytest.fixture(scope="package")
def offline(synth: Synth, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OfflineStack]:
    template = Template.load(
        Path(synth.outdir) / f"{synth.default_config.stack_name}.template.json"
    )
    with serving(template, tmp_path_factory.mktemp("offline")) as stack:
        yield stack


@pytest.fixture(scope="package")
def outputs(offline: OfflineStack) -> StackOutputs:
    return stack_outputs.parse({offline.template.stack_name: offline.outputs})


@pytest.fixture(scope="package")
def seeded(offline: OfflineStack, outputs: StackOutputs) -> Seeded:
    return seed(outputs, offline.session())
