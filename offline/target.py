"""Where the scenario table and the e2e suite run: a stack they reach only through its outputs,
its endpoint and an operator's credentials, plus what that kind of stack can do for a test.

- ``LocalTarget``: the offline stack in this process. It can also move the identity pool's and
  STS's clock forward and sign a user in with the pre token hook bypassed.
- ``RemoteTarget``: any stack behind an outputs file (``cdk deploy --outputs-file``): a real
  deployment with the operator's usual AWS credentials, or ``python -m offline serve`` in
  another process with ``AWS_ENDPOINT_URL``. It can do neither: a test that needs a capability
  the target lacks is reported as not run there (``Missing``), never passed.

Both seed the demo users through admin APIs; ``RemoteTarget.close`` deletes them again.
"""

from __future__ import annotations

import atexit
import enum
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3

from client import outputs as stack_outputs
from client.outputs import StackOutputs
from lambdas.developer_auth.passwords import CURRENT
from offline.seed import OFFLINE_PASSWORD_COST, Seeded, seed, unseed
from offline.stack import OfflineStack


class Capability(enum.Enum):
    CLOCK = "move the identity pool's and STS's clock forward"
    HOOK_BYPASS = "sign in with Cognito's own group claims (the pre token hook bypassed)"
    RECORDS = "show what the emulator recorded or sign with its key"


class Missing(Exception):
    """The target lacks a capability a test or scenario needs: not run there."""

    def __init__(self, target: str, capability: Capability) -> None:
        super().__init__(f"not run on {target}: it cannot {capability.value}")
        self.capability = capability


class Target:
    name = "a stack"
    capabilities: frozenset[Capability] = frozenset()
    password_cost = CURRENT  # the demo developer user's hash

    def __init__(self, outputs: StackOutputs, operator: Any, one_use_codes: bool = False) -> None:
        self.outputs = outputs
        self.operator = operator  # a boto3 Session with the operator's (admin) credentials
        self.one_use_codes = one_use_codes  # see Seeded.one_use_codes
        self._seeded: Seeded | None = None
        self._seeding = False  # set once seeding starts, so a partial seed is cleaned up too

    @property
    def seeded(self) -> Seeded:
        """The demo users, created on first use."""
        if self._seeded is None:
            self._seeding = True
            self._seeded = seed(self.outputs, self.operator, self.one_use_codes, self.password_cost)
        return self._seeded

    def require(self, capability: Capability) -> None:
        if capability not in self.capabilities:
            raise Missing(self.name, capability)

    @contextmanager
    def clock_advanced(self, seconds: float) -> Iterator[None]:
        self.require(Capability.CLOCK)
        yield

    @contextmanager
    def hook_bypassed(self, username: str) -> Iterator[None]:
        self.require(Capability.HOOK_BYPASS)
        yield

    def undocumented_branches(self) -> list[str]:
        """The undocumented branches of Cognito's behaviour the stack took so far."""
        self.require(Capability.RECORDS)
        return []


class LocalTarget(Target):
    name = "the in-process offline stack"
    capabilities = frozenset(Capability)
    password_cost = OFFLINE_PASSWORD_COST

    def __init__(self, stack: OfflineStack) -> None:
        outputs = stack_outputs.parse({stack.template.stack_name: stack.outputs})
        super().__init__(outputs, stack.session())
        self.stack = stack

    @contextmanager
    def clock_advanced(self, seconds: float) -> Iterator[None]:
        self.stack.identity.clock.offset += seconds
        try:
            yield
        finally:
            self.stack.identity.clock.offset -= seconds

    @contextmanager
    def hook_bypassed(self, username: str) -> Iterator[None]:
        self.stack.tokens.hook_bypassed.add(username)
        try:
            yield
        finally:
            self.stack.tokens.hook_bypassed.discard(username)

    def undocumented_branches(self) -> list[str]:
        return list(self.stack.identity.unverified)


class RemoteTarget(Target):
    """A stack known only by its outputs file; the operator's credentials and the endpoint come
    from the usual places (``AWS_PROFILE`` or the environment, ``AWS_ENDPOINT_URL``)."""

    def __init__(
        self, outputs_file: Path, stack: str | None = None, one_use_codes: bool = True
    ) -> None:
        outputs = stack_outputs.load(outputs_file, stack)
        self.name = f"the stack in {outputs_file}"
        endpoint = os.environ.get("AWS_ENDPOINT_URL")
        if endpoint:
            self.name += f" at {endpoint}"
        super().__init__(outputs, boto3.Session(region_name=outputs.region), one_use_codes)

    def close(self) -> None:
        """Delete what the run created; idempotent, so clean-up on exit and on a signal can both
        call it."""
        if self._seeding:
            self._seeding, self._seeded = False, None
            unseed(self.outputs, self.operator)


@contextmanager
def remote_target(
    outputs_file: Path, stack: str | None = None, one_use_codes: bool = True
) -> Iterator[RemoteTarget]:
    """A ``RemoteTarget`` whose clean-up runs however the run ends: normally, on an exception,
    on Ctrl-C (KeyboardInterrupt unwinds through here), on SIGTERM (turned into SystemExit, so
    it unwinds too) and, as a last resort, at interpreter exit."""
    target = RemoteTarget(outputs_file, stack, one_use_codes)
    atexit.register(target.close)
    previous = signal.getsignal(signal.SIGTERM)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        yield target
    finally:
        target.close()
        atexit.unregister(target.close)
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, previous)


def _exit_on_signal(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)
