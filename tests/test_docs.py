"""The docs name real tests: every row of the security table and of the offline ledger points at
test functions that exist, and every module of the offline emulator has a ledger row. The ledger
labels each row by the kind of source that decides it: documented (AWS pages only), public report
(a non-AWS source, linked) or assumed (the row says why either reading is safe)."""

from __future__ import annotations

import ast
import itertools
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
SECURITY = ROOT / "docs" / "security.md"
OFFLINE = ROOT / "docs" / "offline.md"
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
# An emulator row names its offline module, or the facts/ module it relies on (the evaluator).
MODULE = re.compile(r"`((?:offline|facts)/\w+\.py)`")
LEDGER_HEADER = "| behaviour | module | AWS source | sure | tests |"
CERTAINTIES = {"documented", "public report", "assumed"}
LINK = re.compile(r"\]\((https?://[^)\s]+)\)")
# AWS's own pages: its documentation, its knowledge center and its site.
AWS_HOSTS = {"docs.aws.amazon.com", "repost.aws", "aws.amazon.com"}


def is_aws_page(url: str) -> bool:
    host = urlparse(url).hostname or ""
    return host in AWS_HOSTS or host.endswith(".docs.aws.amazon.com")


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


LEDGER = table_rows(OFFLINE.read_text(), LEDGER_HEADER)


def test_the_ledger_has_a_row_for_every_emulator_module() -> None:
    modules = {f"offline/{path.name}" for path in (ROOT / "offline").glob("*.py")}
    named = {module for row in LEDGER for module in MODULE.findall(row[1])}
    assert modules - {"offline/__init__.py"} <= named, "offline modules without a ledger row"
    existing = modules | {f"facts/{path.name}" for path in (ROOT / "facts").glob("*.py")}
    assert named <= existing, "ledger rows naming modules that do not exist"


@pytest.mark.parametrize("row", LEDGER, ids=[row[0][:60] for row in LEDGER])
def test_every_ledger_row_cites_a_source_and_names_tests_that_exist(row: list[str]) -> None:
    behaviour, module, source, sure, tests = row
    assert MODULE.search(module), f"{behaviour!r} names no `offline/` or `facts/` module"
    assert "https://" in source, f"{behaviour!r} links no source"
    assert sure in CERTAINTIES, f"{behaviour!r}: sure is {sure!r}, not one of {CERTAINTIES}"
    links = LINK.findall(f"{behaviour} {source}")
    others = [url for url in links if not is_aws_page(url)]
    if sure == "documented":
        assert not others, f"{behaviour!r} says documented but links {others}: a public report"
    if sure == "public report":
        assert others, f"{behaviour!r} says public report but links AWS pages only"
    if sure == "assumed":
        assert "either reading" in behaviour, (
            f"{behaviour!r} is assumed: say why the design is safe under either reading"
        )
    references = REFERENCE.findall(tests)
    assert references or tests == "none", f"{behaviour!r}: tests are neither named nor none"
    for file, function in references:
        path = ROOT / file
        assert path.is_file(), f"{behaviour!r}: {file} does not exist"
        assert function in defined_tests(path), f"{behaviour!r}: {file} has no {function}"


def test_the_ledger_checker_catches_a_missing_test_and_a_missing_source() -> None:
    row = ["b", "`offline/tokens.py`", "https://x", "documented", "`tests/test_docs.py::test_x`"]
    with pytest.raises(AssertionError, match="has no test_x"):
        test_every_ledger_row_cites_a_source_and_names_tests_that_exist(row)
    with pytest.raises(AssertionError, match="links no source"):
        test_every_ledger_row_cites_a_source_and_names_tests_that_exist([*row[:2], "-", *row[3:]])


def test_the_ledger_checker_holds_each_label_to_its_kind_of_source() -> None:
    tests = "`tests/test_docs.py::test_the_ledger_has_a_row_for_every_emulator_module`"
    aws = "[page](https://docs.aws.amazon.com/cognito/latest/developerguide/x.html)"
    report = "[issue](https://github.com/aws/aws-sdk/issues/1)"
    check = test_every_ledger_row_cites_a_source_and_names_tests_that_exist
    module = "`offline/identity.py`"

    check(["b", module, aws, "documented", tests])
    check(["b", module, f"{aws}, {report}", "public report", tests])
    check(["b, so either reading is safe", module, aws, "assumed", tests])
    with pytest.raises(AssertionError, match="a public report"):
        check(["b", module, f"{aws}, {report}", "documented", tests])
    with pytest.raises(AssertionError, match="a public report"):
        check([f"b as {report} shows", module, aws, "documented", tests])
    with pytest.raises(AssertionError, match="links AWS pages only"):
        check(["b", module, aws, "public report", tests])
    with pytest.raises(AssertionError, match="either reading"):
        check(["b", module, aws, "assumed", tests])


def test_the_checker_catches_a_missing_test() -> None:
    path = ROOT / "tests" / "test_docs.py"
    assert "test_the_checker_catches_a_missing_test" in defined_tests(path)
    assert "test_that_was_renamed" not in defined_tests(path)
    row = ["threat", "control", "`tests/test_docs.py::test_that_was_renamed`"]
    with pytest.raises(AssertionError, match="has no test_that_was_renamed"):
        test_every_threat_names_tests_that_exist(row)


SKIPS_HEADER = "| resource | check | reason |"


def construct_paths(tree: dict[str, Any], stack: str) -> dict[str, str]:
    """Logical id -> the resource's construct path inside ``stack`` (``Storage/AccessLogs``:
    without the stack and the L2's ``Resource``), from the cloud assembly's tree.json, where
    each CloudFormation resource's node records its logical id: exact, so no id is mistaken for
    another that it starts like (``CrmSync`` and ``CrmSyncDeadLetters``)."""
    paths = {}
    nodes = [tree["tree"]["children"][stack]]
    while nodes:
        node = nodes.pop()
        logical_id = (node.get("attributes") or {}).get("aws:cdk:cloudformation:logicalId")
        if logical_id:
            path = node["path"].removeprefix(f"{stack}/").removesuffix("/Resource")
            paths[logical_id] = path
        nodes.extend((node.get("children") or {}).values())
    return paths


def skip_rows(template: dict[str, Any], paths: dict[str, str]) -> list[str]:
    """The skips table's rows for ``template``, in its order: what docs/security.md must list."""
    return [
        f"| `{paths[logical_id]}` | `{skip['id']}` | {skip['comment']} |"
        for logical_id, resource in template["Resources"].items()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]


def test_the_checkov_skips_listed_are_the_templates(synth: Any) -> None:
    """The table lists exactly the template's skips. When a resource of your own adds one, the
    failure prints the whole table to paste in place of the old one."""
    tree = json.loads((synth.outdir / "tree.json").read_text())
    expected = skip_rows(synth.demo.template, construct_paths(tree, synth.demo.config.stack_name))
    # The table sits in a list item: its lines are indented.
    lines = [line.strip() for line in SECURITY.read_text().splitlines()]
    start = lines.index(SKIPS_HEADER)
    listed = list(itertools.takewhile(lambda line: line.startswith("|"), lines[start + 2 :]))
    assert sorted(listed) == sorted(expected), (
        "docs/security.md's checkov table differs from the template; replace it with:\n"
        + "\n".join([SKIPS_HEADER, "|---|---|---|", *expected])
    )


def test_a_construct_id_that_starts_like_another_is_its_own_row() -> None:
    """A forker's queue `CrmSync` and its dead-letter queue `CrmSyncDeadLetters`, each skipping
    a check: each row names its own resource."""
    stack = "acme-sandbox"
    tree = {
        "tree": {
            "children": {
                stack: {
                    "path": stack,
                    "children": {
                        name: {
                            "path": f"{stack}/{name}",
                            "children": {
                                "Resource": {
                                    "path": f"{stack}/{name}/Resource",
                                    "attributes": {"aws:cdk:cloudformation:logicalId": logical_id},
                                }
                            },
                        }
                        for name, logical_id in (
                            ("CrmSync", "CrmSync2A8E4F11"),
                            ("CrmSyncDeadLetters", "CrmSyncDeadLetters9C0B7D22"),
                        )
                    },
                }
            }
        }
    }
    skip = {"checkov": {"skip": [{"id": "CKV_AWS_27", "comment": "why"}]}}
    template = {
        "Resources": {
            "CrmSyncDeadLetters9C0B7D22": {"Type": "AWS::SQS::Queue", "Metadata": skip},
            "CrmSync2A8E4F11": {"Type": "AWS::SQS::Queue", "Metadata": skip},
        }
    }
    assert skip_rows(template, construct_paths(tree, stack)) == [
        "| `CrmSyncDeadLetters` | `CKV_AWS_27` | why |",
        "| `CrmSync` | `CKV_AWS_27` | why |",
    ]
