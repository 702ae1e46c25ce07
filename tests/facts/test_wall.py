"""facts/ is the bottom of the house: it imports the standard library and nothing else, so that
every layer (review/ and client/ included, which must not load jsii, boto3 or moto) may use it.
The config model (infra/config/) keeps to the standard library and facts, so the client may read
cdk.json's config without loading the CDK."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted(f"facts.{path.stem}" for path in (ROOT / "facts").glob("*.py"))
# The config model is standard library only too, so the client may read cdk.json's config.
CONFIG_MODULES = sorted(
    f"infra.config.{path.stem}" for path in (ROOT / "infra" / "config").glob("*.py")
)

# Imports every module of facts with any import outside the standard library refused; it first
# checks that the refusal works on a module of this project.
PROBE = """
import importlib, sys

class Wall:
    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top not in sys.stdlib_module_names and top not in ALLOWED:
            raise ImportError(f"{name} is not the standard library")
        return None

ALLOWED = set(sys.argv[1].split(","))
sys.meta_path.insert(0, Wall())
try:
    import review
except ImportError:
    pass
else:
    raise SystemExit("the wall let review in")
for module in sys.argv[2:]:
    importlib.import_module(module)
"""


def imports_only(allowed: str, modules: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PROBE, allowed, *modules],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_facts_imports_only_the_standard_library() -> None:
    assert "facts.cloudformation" in MODULES
    result = imports_only("facts", MODULES)
    assert result.returncode == 0, result.stderr


def test_the_config_model_imports_only_the_standard_library_and_facts() -> None:
    assert "infra.config.app_config" in CONFIG_MODULES
    result = imports_only("facts,infra", CONFIG_MODULES)
    assert result.returncode == 0, result.stderr
