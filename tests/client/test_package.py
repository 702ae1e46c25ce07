"""The client package as a whole: an app and the operator tool run without the CDK."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted(f"client.{path.stem}" for path in (ROOT / "client").glob("*.py"))


def test_no_client_module_loads_the_cdk() -> None:
    """A separate interpreter imports every module of client/ (the operator tool included,
    which reads cdk.json's config through infra.config): neither aws_cdk nor jsii is loaded."""
    assert "client.developer_users" in MODULES
    code = (
        "import importlib, sys\n"
        "for module in sys.argv[1:]: importlib.import_module(module)\n"
        "print(sorted({'aws_cdk', 'jsii', 'constructs'} & set(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *MODULES], cwd=ROOT, capture_output=True, text=True
    )
    assert (result.returncode, result.stdout.strip()) == (0, "[]"), result.stderr
