"""One synthesis for the whole test session (docs/architecture.md: `make test` within 60 s),
shared by pytest-xdist's workers: it starts in a process of its own as soon as a worker sees
that its tests need it, while the workers run the tests that do not (they come first), and
the workers read it when it is done (tests/support/session_synth.py).

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

import functools
import gc
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import botocore.session
import pytest
from xdist.scheduler import LoadScopeScheduling

from infra.config import AppConfig
from tests.support import session_synth

# pytest-xdist's controller imports this file too, and runs no test: what only tests need (the
# CDK's runtime, moto) is imported where they need it, so the workers start sooner.
if TYPE_CHECKING:
    from aws_cdk.assertions import Template as Assertions

    from tests.support.template import Synth, Synthesized, Template

# Every boto3 session reads and parses botocore's service models afresh, and the tests create
# hundreds of sessions (one per client, function and moto world): one loader, whose cache the
# sessions share, reads each model once per worker. The models are read-only data.
botocore.session.create_loader = functools.cache(botocore.session.create_loader)
# Packages whose modules share a package-scoped fixture too costly to build on each worker
# (tests/e2e: an offline stack): each runs whole on one worker.
ONE_WORKER_PACKAGES = ("tests/e2e/",)
SYNTH = "synth"


def _scope(nodeid: str) -> str:
    """What runs whole on one worker: a package of ``ONE_WORKER_PACKAGES``, else a module (its
    path up to the first ``::``; loadscope's own split, at the last ``::``, would part a module
    whose parameter ids hold one, an ARN's ``iam::``, and build its module-scoped fixtures, a
    synthesis or an offline stack, once more on another worker)."""
    package = next((p for p in ONE_WORKER_PACKAGES if nodeid.startswith(p)), None)
    return package or nodeid.split("::", 1)[0]


class _LoadScopeKeepingPackages(LoadScopeScheduling):
    """pytest-xdist's loadscope, with ``_scope``'s scopes, handed out in the collection's order
    (``pytest_collection_modifyitems``)."""

    def _split_scope(self, nodeid: str) -> str:
        return _scope(nodeid)


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> LoadScopeScheduling:
    return _LoadScopeKeepingPackages(config, log)


def _needs_synthesis(item: pytest.Item) -> bool:
    return SYNTH in item.fixturenames or item.get_closest_marker(session_synth.MARKER) is not None


def pytest_collection_finish() -> None:
    """No cyclic garbage collection in a test process: its full collections rescan everything
    collection imported (moto's models, botocore's, the CDK's jsii proxies, every test module)
    and took a fifth of a worker's time. A worker lives for one run and peaks near 1 GB
    without it; references still free what they hold as they go."""
    gc.freeze()
    gc.disable()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Scopes that need no synthesis first, so that while the synthesis runs in the background
    (tests/support/session_synth.py) both workers have tests to run; then the larger scopes
    first, as loadscope orders them, so that no large one is left for the end."""
    scopes: dict[str, list[pytest.Item]] = {}
    for item in items:
        scopes.setdefault(_scope(item.nodeid), []).append(item)
    ordered = sorted(
        scopes.values(), key=lambda scope: (any(map(_needs_synthesis, scope)), -len(scope))
    )
    items[:] = [item for scope in ordered for item in scope]


@pytest.fixture(scope="session")
def _shared(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """Under xdist the workers' temporary roots share a parent: the assembly goes there, once."""
    base = tmp_path_factory.getbasetemp()
    return base if worker_id == "master" else base.parent


@pytest.fixture(scope="session", autouse=True)
def _moto_user_pool_key_imported_once() -> None:
    """The tests create a user pool in moto for nearly every client test (offline stacks patch
    the same for their own pools)."""
    from moto.cognitoidp import models as cognitoidp_models

    from offline.stack import ONCE_IMPORTED_KEYS

    cognitoidp_models.jwk = ONCE_IMPORTED_KEYS


@pytest.fixture(scope="session", autouse=True)
def _synthesis_started(request: pytest.FixtureRequest, _shared: Path) -> Iterator[None]:
    started = None
    if any(map(_needs_synthesis, request.session.items)):
        started = session_synth.start(_shared)
    yield
    if started is not None and started.poll() is None:  # a run stopped early (-x, Ctrl-C)
        started.terminate()
        started.wait()


@pytest.fixture(scope="session")
def synth(_shared: Path) -> Synth:
    from tests.support.template import Synth, Synthesized

    with session_synth.locked(_shared):
        if not session_synth.synthesized(_shared):
            session_synth.synthesize(_shared)  # none under way, or it failed: here, to show why
    session = session_synth.session_configs()
    outdir = _shared / session_synth.ASSEMBLY

    def load(config: AppConfig, artifact: str | None = None) -> Synthesized:
        path = outdir / f"{artifact or config.stack_name}.template.json"
        template: Template = json.loads(path.read_text())
        return Synthesized(config, Path(path), template)

    return Synth(
        outdir,
        demo=load(session.demo),
        variant=load(session.variant),
        providers=load(session.providers),
        forked=load(session.forked),
        configured=load(session.configured, session.configured_artifact),
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
