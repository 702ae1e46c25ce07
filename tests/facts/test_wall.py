"""facts/ is the bottom of the house: it imports the standard library and nothing else, so that
every layer (review/ and client/ included, which must not load jsii, boto3 or moto) may use it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted(f"facts.{path.stem}" for path in (ROOT / "facts").glob("*.py"))

# Imports every module of facts with any import outside the standard library refused; it first
# checks that the refusal works on a module of this project.
PROBE = """
import importlib, sys

class Wall:
    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top not in sys.stdlib_module_names and top != "facts":
            raise ImportError(f"facts imports {name}, which is not the standard library")
        return None

sys.meta_path.insert(0, Wall())
try:
    import review
except ImportError:
    pass
else:
    raise SystemExit("the wall let review in")
for module in sys.argv[1:]:
    importlib.import_module(module)
"""


def test_facts_imports_only_the_standard_library() -> None:
    assert "facts.cloudformation" in MODULES
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *MODULES],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
