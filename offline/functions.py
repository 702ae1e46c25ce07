"""The stack's Lambda functions, run in-process from the code the synth staged.

Each function is imported once, under its own module name, with the environment variables the
template gives it and the credentials of its execution role (from moto's STS, so moto's IAM
enforcement governs its calls as IAM governs the real function's). Like a Lambda execution
environment, that environment and the function's default boto3 session last from the import
through every invocation (Lambda developer guide, "Lambda execution environment lifecycle"), so
a client the code creates on its first request gets them too. What it writes to stdout and
stderr (log lines, metrics, warnings) goes to a log file instead of the offline run's table.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
import threading
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO

import boto3
from moto.sts.models import sts_backends

from offline.deploy import FunctionSettings

TIMEOUT_MILLIS = 30_000
_INVOCATIONS = threading.Lock()


@dataclass(frozen=True)
class LambdaContext:
    """The attributes of Lambda's context object that Powertools reads."""

    function_name: str
    invoked_function_arn: str
    aws_request_id: str
    memory_limit_in_mb: int = 256
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = ""

    def get_remaining_time_in_millis(self) -> int:
        return TIMEOUT_MILLIS


class Function:
    def __init__(
        self,
        settings: FunctionSettings,
        environment: Mapping[str, str],
        account: str,
        log: TextIO,
    ) -> None:
        self.settings = settings
        self.log = log
        module_name, self._handler_name = settings.handler.rsplit(".", 1)
        role = sts_backends[account]["aws"].assume_role(
            region_name=environment["AWS_REGION"],
            role_session_name=settings.logical_id,
            role_arn=settings.role_arn,
            policy="",
            duration=12 * 60 * 60,
            external_id="",
        )
        self._variables = {
            **environment,
            **settings.environment,
            "AWS_ACCESS_KEY_ID": role.access_key_id,
            "AWS_SECRET_ACCESS_KEY": role.secret_access_key,
            "AWS_SESSION_TOKEN": role.session_token,
            "AWS_LAMBDA_FUNCTION_NAME": settings.logical_id,
        }
        self._boto3_session: boto3.Session | None = None
        with (
            self._environment(),
            _import_path(settings.code),
            contextlib.redirect_stdout(log),
            contextlib.redirect_stderr(log),
        ):
            self.module = _load(
                f"offline_function_{settings.logical_id}", settings.code, module_name
            )

    def invoke(self, event: dict[str, Any]) -> Any:
        """One invocation at a time: the endpoint serves requests on several threads, and the
        environment and the output redirection are process-wide."""
        context = LambdaContext(
            function_name=self.settings.logical_id,
            invoked_function_arn=f"arn:aws:lambda:offline:function:{self.settings.logical_id}",
            aws_request_id=str(uuid.uuid4()),
        )
        with (
            _INVOCATIONS,
            self._environment(),
            contextlib.redirect_stdout(self.log),
            contextlib.redirect_stderr(self.log),  # warnings too: Lambda logs both streams
        ):
            return getattr(self.module, self._handler_name)(event, context)

    @contextlib.contextmanager
    def _environment(self) -> Iterator[None]:
        """The function's environment variables and its own default boto3 session (the
        process's may hold other credentials), kept from one use to the next."""
        saved = boto3.DEFAULT_SESSION
        boto3.DEFAULT_SESSION = self._boto3_session
        try:
            with _environment(self._variables):
                yield
        finally:
            self._boto3_session = boto3.DEFAULT_SESSION
            boto3.DEFAULT_SESSION = saved

    def unload(self) -> None:
        sys.modules.pop(self.module.__name__, None)


def _load(name: str, code: Path, module_name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, code / f"{module_name}.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"{code}: no module {module_name}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def _environment(variables: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(variables)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def _import_path(code: Path) -> Iterator[None]:
    """The function's folder is its import root, as in Lambda (sibling modules import)."""
    sys.path.insert(0, str(code))
    try:
        yield
    finally:
        sys.path.remove(str(code))
