"""The docs name real tests: every row of the security table points at test functions that exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SECURITY = ROOT / "docs" / "security.md"
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def table_rows(markdown: str, header: str) -> list[list[str]]:
    """The cells of each body row of the Markdown table whose header row is ``header``."""
    lines = markdown.splitlines()
    start = lines.index(header)
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return rows


def defined_tests(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")
    }


ROWS = table_rows(SECURITY.read_text(), "| threat | control | test |")


def test_the_security_table_has_rows() -> None:
    assert len(ROWS) >= 20
    assert all(len(row) == 3 for row in ROWS), [row[0] for row in ROWS if len(row) != 3]


@pytest.mark.parametrize("row", ROWS, ids=[row[0][:60] for row in ROWS])
def test_every_threat_names_tests_that_exist(row: list[str]) -> None:
    threat, _, tests = row
    references = REFERENCE.findall(tests)
    assert references, f"{threat!r} names no test as `tests/<file>.py::<test function>`"
    for file, function in references:
        path = ROOT / file
        assert path.is_file(), f"{threat!r}: {file} does not exist"
        assert function in defined_tests(path), f"{threat!r}: {file} has no {function}"


def test_the_checker_catches_a_missing_test() -> None:
    path = ROOT / "tests" / "test_docs.py"
    assert "test_the_checker_catches_a_missing_test" in defined_tests(path)
    assert "test_that_was_renamed" not in defined_tests(path)
    row = ["threat", "control", "`tests/test_docs.py::test_that_was_renamed`"]
    with pytest.raises(AssertionError, match="has no test_that_was_renamed"):
        test_every_threat_names_tests_that_exist(row)
