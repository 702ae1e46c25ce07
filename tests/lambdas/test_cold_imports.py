"""The functions Cognito and API Gateway wait on at every cold start import neither boto3 nor
the X-Ray SDK (bench/ measures what their imports cost; this holds the rule)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bench.function_budgets import FORBIDDEN_IMPORTS, ROOT


@pytest.mark.parametrize(
    "module",
    ["lambdas.pre_token_generation.app", "lambdas.inbound_federation.app", "lambdas.items.app"],
)
def test_importing_the_function_loads_neither_boto3_nor_the_xray_sdk(module: str) -> None:
    probe = (
        f"import sys; import {module}; "
        f"print(sorted(m for m in {FORBIDDEN_IMPORTS!r} if m in sys.modules))"
    )
    # The settings the functions read at import: tests/lambdas/conftest.py put them here.
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[]"
