"""The functions' runtime: the newest Python the suite runs on, which the Makefile finds."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from aws_cdk import aws_lambda as lambda_

from infra.python_function import RUNTIME

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"
MAKEFILE = ROOT / "Makefile"


def test_runtime_is_the_newest_python_the_tests_run_on() -> None:
    """requires-python's upper bound is exclusive: ">=3.11,<3.14" makes 3.13 the newest."""
    requires = tomllib.loads(PYPROJECT.read_text())["project"]["requires-python"]
    [below] = re.findall(r"<3\.(\d+)", requires)
    assert RUNTIME.name == f"python3.{int(below) - 1}"
    known = {name for name in dir(lambda_.Runtime) if name.startswith("PYTHON_3_")}
    assert f"PYTHON_3_{int(below) - 1}" in known


def test_the_makefile_finds_every_supported_python_and_no_other() -> None:
    requires = tomllib.loads(PYPROJECT.read_text())["project"]["requires-python"]
    [low, below] = [int(minor) for minor in re.findall(r"3\.(\d+)", requires)]
    [line] = [
        line for line in MAKEFILE.read_text().splitlines() if line.startswith("SUPPORTED_PYTHONS")
    ]
    assert line.split(":=")[1].split() == [f"3.{m}" for m in range(below - 1, low - 1, -1)]
