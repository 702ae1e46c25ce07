"""Mutation testing: can the tests see each small change to the code they guard?

``make mutation`` (minutes; not part of ``make test``). For each target, every mutant (one small
change: a comparison flipped, ``and``/``or`` swapped, a ``not`` or a ``raise`` removed, a boolean
flipped, an integer constant moved by one, a dict entry removed, ``break``/``continue``
swapped, ``+``/``-`` swapped) is written into a scratch copy of the working tree, never into
the tree itself, and the target's own tests run against it; a mutant they let pass then meets
the whole suite (tests/e2e aside). A mutant that no test kills either shows a missing test or is
equivalent (no behaviour can tell it apart): ``EQUIVALENT`` lists the ones judged so, each with
its reason, and the score is stated after them: killed / (mutants - equivalent).

    python -m tools.mutation [--target facts/iam.py ...] [--jobs 2] [--no-suite]
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from queue import Queue

ROOT = Path(__file__).resolve().parent.parent
# Not copied into the scratch trees: environments and build output (linked or rebuilt).
SKIPPED = {".git", ".venv", ".venv-checkov", "node_modules", "cdk.out", ".hypothesis"}
SKIPPED |= {".pytest_cache", ".mypy_cache", ".ruff_cache", "__pycache__"}
PYTEST = ["-m", "pytest", "-q", "-x", "-p", "no:randomly", "-p", "no:cacheprovider"]
# The whole suite but tests/e2e (`make e2e` deploys a stack of its own for those).
SUITE = ["--ignore=tests/e2e"]


@dataclass(frozen=True)
class Target:
    """Source files to mutate and their own tests, in stages (the quick ones first: a later
    stage meets only what the earlier let pass); ``confcutdir``: the conftest files those tests
    need, none above it (the session's synthesis is not needed by them), except for the test
    files in ``synthesizing``, whose stage reads the session's synthesized templates
    (tests/conftest.py)."""

    name: str
    sources: tuple[str, ...]
    stages: tuple[tuple[str, ...], ...]
    confcutdir: str
    synthesizing: frozenset[str] = frozenset()


TARGETS = {
    target.name: target
    for target in (
        Target(
            "facts/iam.py",
            ("facts/iam.py",),
            (("tests/facts/test_iam.py",), ("tests/facts/test_iam_properties.py",)),
            "tests/facts",
        ),
        Target(
            "lambdas/developer_auth/",
            (
                "lambdas/developer_auth/app.py",
                "lambdas/developer_auth/passwords.py",
                "lambdas/developer_auth/tags.py",
            ),
            (
                (
                    "tests/lambdas/developer_auth/test_passwords.py",
                    "tests/lambdas/developer_auth/test_tags.py",
                ),
                ("tests/lambdas/developer_auth/test_app.py",),
                ("tests/lambdas/developer_auth/test_faults.py",),
                ("tests/lambdas/developer_auth/test_limits.py",),
                ("tests/lambdas/developer_auth/test_hostile.py",),
            ),
            "tests/lambdas",
            frozenset({"tests/lambdas/developer_auth/test_limits.py"}),
        ),
        Target(
            "lambdas/pre_token_generation/",
            ("lambdas/pre_token_generation/app.py",),
            (("tests/lambdas/pre_token_generation/test_app.py",),),
            "tests/lambdas",
        ),
        Target(
            "lambdas/items/",
            ("lambdas/items/app.py",),
            (("tests/lambdas/items/test_app.py",), ("tests/lambdas/items/test_properties.py",)),
            "tests/lambdas",
        ),
    )
}

# Mutants no behaviour can tell apart from the code, judged one by one:
# (file, the line's text, the mutation) -> why it is equivalent.
EQUIVALENT: dict[tuple[str, str, str], str] = {
    (
        "facts/iam.py",
        'if_exists = operator.endswith("IfExists") and operator != "Null"',
        "drop operand 2 of and",
    ): "'Null' does not end with 'IfExists', and a 'NullIfExists' is judged as 'Null' either way",
    (
        "facts/iam.py",
        'Match.YES if p is not None and (p.text.lower() == "true") is absent else Match.NO',
        "drop operand 1 of and",
    ): "Null's values are never variables (Pattern.plain), so a pattern is never None there",
    (
        "lambdas/developer_auth/app.py",
        "DUMMY_HASH = passwords.hash_password(secrets.token_urlsafe(16))",
        "16 -> 17",
    ): (
        "the dummy hash's password is random and never disclosed: 16 or 17 random bytes, no "
        "password sent matches it"
    ),
    (
        "lambdas/developer_auth/app.py",
        "DUMMY_HASH = passwords.hash_password(secrets.token_urlsafe(16))",
        "16 -> 15",
    ): (
        "the dummy hash's password is random and never disclosed: 16 or 15 random bytes, no "
        "password sent matches it"
    ),
    (
        "lambdas/developer_auth/app.py",
        (
            "if len(text) > (MAX_BODY_BYTES + 2) // 3 * 4 if is_base64 else len(text) > "
            "MAX_BODY_BYTES:"
        ),
        "2 -> 3",
    ): "(2051 // 3) * 4 is 2732, as (2050 // 3) * 4 is: the same limit",
    (
        "lambdas/developer_auth/app.py",
        (
            "if len(text) > (MAX_BODY_BYTES + 2) // 3 * 4 if is_base64 else len(text) > "
            "MAX_BODY_BYTES:"
        ),
        "2 -> 1",
    ): "(2049 // 3) * 4 is 2732, as (2050 // 3) * 4 is: the same limit",
    (
        "lambdas/developer_auth/app.py",
        'return "passwordHash" in item and "userId" in item',
        "drop operand 1 of and",
    ): (
        "is_user only decides whether the stored hash is read: a record without a passwordHash "
        "has none to read (item.get gives None either way)"
    ),
    (
        "lambdas/developer_auth/app.py",
        'expiry = str(hold).split(":", 1)[0]',
        "1 -> 2",
    ): "only the text before the first ':' is read, which any split at ':' gives alike",
    (
        "lambdas/developer_auth/app.py",
        "return int(expiry) if expiry.isdigit() else 0",
        "0 -> 1",
    ): (
        "an unreadable hold's expiry is only compared with now (<= now: expired), and 0 and 1 "
        "are both long past"
    ),
    (
        "lambdas/developer_auth/app.py",
        "return int(expiry) if expiry.isdigit() else 0",
        "0 -> -1",
    ): (
        "an unreadable hold's expiry is only compared with now (<= now: expired), and 0 and -1 "
        "are both long past"
    ),
    (
        "lambdas/developer_auth/app.py",
        "with ThreadPoolExecutor(max_workers=1) as background:",
        "1 -> 2",
    ): "the pool is given at most one task (the budget check of a new unknown name)",
    (
        "lambdas/developer_auth/app.py",
        "counted = {",
        "entry 'lockedUntil' removed",
    ): (
        "nothing reads the reserved record's lockedUntil: _sign_in and _release read its hash, "
        "user id, disabled, tags, holds and failedAttempts"
    ),
    (
        "lambdas/developer_auth/app.py",
        'restarted = {**old, "failedAttempts": 1, "holds": {hold}, "lockedUntil": until}',
        "entry 'lockedUntil' removed",
    ): (
        "nothing reads the restarted record's lockedUntil: _sign_in and _release read its hash, "
        "user id, disabled, tags, holds and failedAttempts"
    ),
    (
        "lambdas/developer_auth/app.py",
        'return None, False, int(min([old["lockedUntil"], *live]))',
        "False -> True",
    ): "with no record _sign_in answers 429 before it reads whether the record is new",
    (
        "lambdas/developer_auth/app.py",
        "return None, False, until",
        "False -> True",
    ): "with no record _sign_in answers 429 before it reads whether the record is new",
    (
        "lambdas/developer_auth/app.py",
        '":expires": (window + 2) * self.settings.lockout_seconds,',
        "2 -> 3",
    ): (
        "a window's budget count is written only by attempts whose clock is in that window: "
        "expiring it a window later keeps it longer in the table, where no answer reads it"
    ),
    (
        "lambdas/developer_auth/app.py",
        (
            "CORSConfig(allow_origin=SETTINGS.cors_origins[0], "
            "extra_origins=list(SETTINGS.cors_origins[1:]))"
        ),
        "1 -> 0",
    ): (
        "Powertools allows an origin by membership of [allow_origin, *extra_origins]: the first "
        "listed twice allows the same origins"
    ),
    (
        "lambdas/developer_auth/app.py",
        'return Response(status, "application/json", json.dumps(body), headers or {})',
        "drop operand 2 of or",
    ): "Powertools' Response takes headers=None as no headers (dict(headers) if headers else {})",
    (
        "lambdas/developer_auth/app.py",
        "dict(event.headers or {}), event.body, bool(event.is_base64_encoded)",
        "drop operand 2 of or",
    ): (
        "Powertools' event.headers is always a mapping (CaseInsensitiveDict of the event's "
        "headers, empty for None)"
    ),
}


@dataclass(frozen=True)
class Mutant:
    path: str
    index: int
    line: int
    text: str  # the source line it changes
    description: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.path, self.text, self.description)


_COMPARISONS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
_SYMBOLS = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
}


class _Mutator(ast.NodeTransformer):
    """Walks a module in a fixed order, numbering each place a mutation can be made; with
    ``chosen`` set, makes that one. Annotations and docstrings are left alone."""

    def __init__(self, chosen: int | None) -> None:
        self.chosen = chosen
        self.found: list[tuple[int, str]] = []  # (line, description), numbered by position
        self.statement_line = 0

    def _site(self, node: ast.AST, description: str) -> bool:
        self.found.append((getattr(node, "lineno", self.statement_line), description))
        return len(self.found) - 1 == self.chosen

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        # Not generic_visit: the annotations are left alone.
        node.decorator_list = [self.visit(d) for d in node.decorator_list]
        node.args.defaults = [self.visit(d) for d in node.args.defaults]
        node.args.kw_defaults = [d if d is None else self.visit(d) for d in node.args.kw_defaults]
        node.body = self._body(node.body)
        return node

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        if node.value is not None:
            node.value = self.visit(node.value)
        return node

    def _body(self, body: list[ast.stmt]) -> list[ast.stmt]:
        docstring = (
            body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        )
        return [body[0], *map(self.visit, body[1:])] if docstring else list(map(self.visit, body))

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        node.body = self._body(node.body)
        return node

    def visit_Module(self, node: ast.Module) -> ast.AST:
        node.body = self._body(node.body)
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:
        return node

    def generic_visit(self, node: ast.AST) -> ast.AST:
        if isinstance(node, ast.stmt):
            self.statement_line = node.lineno
        return super().generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        for position, op in enumerate(node.ops):
            swapped = _COMPARISONS[type(op)]
            if self._site(node, f"{_SYMBOLS[type(op)]} -> {_SYMBOLS[swapped]}"):
                node.ops[position] = swapped()
        return node

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        self.generic_visit(node)
        name, other = ("and", ast.Or) if isinstance(node.op, ast.And) else ("or", ast.And)
        if self._site(node, f"{name} -> {'or' if name == 'and' else 'and'}"):
            return ast.BoolOp(op=other(), values=node.values)
        for position in range(len(node.values)):
            if self._site(node, f"drop operand {position + 1} of {name}"):
                rest = node.values[:position] + node.values[position + 1 :]
                return rest[0] if len(rest) == 1 else ast.BoolOp(op=node.op, values=rest)
        return node

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Not) and self._site(node, "not removed"):
            return node.operand
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, bool):
            if self._site(node, f"{node.value} -> {not node.value}"):
                return ast.Constant(not node.value)
        elif isinstance(node.value, int):
            for step in (1, -1):
                if self._site(node, f"{node.value} -> {node.value + step}"):
                    return ast.Constant(node.value + step)
        return node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        return node  # messages: their wording is not behaviour these tools judge

    def visit_Raise(self, node: ast.Raise) -> ast.AST:
        self.generic_visit(node)
        if self._site(node, "raise removed"):
            return ast.Pass()
        return node

    def visit_Dict(self, node: ast.Dict) -> ast.AST:
        self.generic_visit(node)
        for position, key in enumerate(node.keys):
            shown = ast.unparse(key) if key is not None else "**"
            if self._site(node, f"entry {shown} removed"):
                del node.keys[position], node.values[position]
                return node
        return node

    def visit_Break(self, node: ast.Break) -> ast.AST:
        return ast.Continue() if self._site(node, "break -> continue") else node

    def visit_Continue(self, node: ast.Continue) -> ast.AST:
        return ast.Break() if self._site(node, "continue -> break") else node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        swaps: dict[type[ast.operator], tuple[str, type[ast.operator]]] = {
            ast.Add: ("+ -> -", ast.Sub),
            ast.Sub: ("- -> +", ast.Add),
        }
        swap = swaps.get(type(node.op))
        if swap and not _is_text(node) and self._site(node, swap[0]):
            node.op = swap[1]()
        return node


def _is_text(node: ast.BinOp) -> bool:
    """``"a" + "b"``: swapping it only breaks the program, which tells nothing."""
    return any(isinstance(n, ast.Constant) and isinstance(n.value, str) for n in ast.walk(node))


def mutants(path: str) -> list[Mutant]:
    source = (ROOT / path).read_text()
    lines = source.splitlines()
    mutator = _Mutator(None)
    mutator.visit(ast.parse(source))
    return [
        Mutant(path, index, line, lines[line - 1].strip(), description)
        for index, (line, description) in enumerate(mutator.found)
    ]


def mutated(mutant: Mutant) -> str:
    tree = ast.parse((ROOT / mutant.path).read_text())
    tree = _Mutator(mutant.index).visit(tree)
    return ast.unparse(ast.fix_missing_locations(tree))


# Running ----------------------------------------------------------------------------------------


@contextmanager
def scratch() -> Iterator[Path]:
    """A clone of the repository (the review's tests synthesize HEAD through git) with the
    working tree's uncommitted changes copied over it; the environments are linked, not
    copied."""
    with tempfile.TemporaryDirectory(prefix="mutation-") as parent:
        copy_root = Path(parent) / ROOT.name
        subprocess.run(
            ["git", "clone", "--quiet", "--shared", str(ROOT), str(copy_root)],  # noqa: S607
            check=True,
        )
        shutil.copytree(
            ROOT,
            copy_root,
            ignore=shutil.ignore_patterns(*SKIPPED),
            symlinks=True,
            dirs_exist_ok=True,
        )
        for linked in (".venv", "node_modules"):
            if (ROOT / linked).exists():
                (copy_root / linked).symlink_to(ROOT / linked)
        yield copy_root


def run(tree: Path, arguments: list[str], timeout: float) -> tuple[bool, float]:
    """Whether pytest passed in ``tree`` (a timeout counts as failing), and how long it took."""
    environment = {**os.environ, "PYTHONPATH": str(tree)}
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, *PYTEST, *arguments],
            cwd=tree,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return False, timeout
    return done.returncode == 0, time.monotonic() - started


def own_tests(target: Target, stage: tuple[str, ...]) -> list[str]:
    confcutdir = "tests" if target.synthesizing.intersection(stage) else target.confcutdir
    return ["-n", "0", "--confcutdir", confcutdir, *stage]


def check_isolation(tree: Path, target: Target) -> None:
    """The tests must import the scratch copy, not the working tree (the editable install)."""
    modules = [source.removesuffix(".py").replace("/", ".") for source in target.sources]
    # Where each module would load from, without running it (the functions read settings).
    probe = "import importlib.util as u, sys; print(*(u.find_spec(m).origin for m in sys.argv[1:]))"
    environment = {**os.environ, "PYTHONPATH": str(tree)}
    found = subprocess.run(
        [sys.executable, "-c", probe, *modules],
        cwd=tree,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    if not all(Path(path).is_relative_to(tree) for path in found):
        raise SystemExit(f"the tests would import {found}, not the scratch copy {tree}")


@dataclass
class Outcome:
    mutant: Mutant
    killed_by: str  # "own tests", "suite", or "" (survived)


def judge(target: Target, jobs: int, suite: bool) -> list[Outcome]:
    found = [mutant for source in target.sources for mutant in mutants(source)]
    trees: Queue[Path] = Queue()
    with ExitStack() as stack:
        for _ in range(jobs):
            tree = stack.enter_context(scratch())
            trees.put(tree)
        tree = trees.get()
        check_isolation(tree, target)
        limits = []
        for stage in target.stages:
            passed, seconds = run(tree, own_tests(target, stage), timeout=1800)
            if not passed:
                raise SystemExit(f"{target.name}: {stage} fail before any mutation")
            limits.append(max(60.0, 5 * seconds))
        trees.put(tree)

        def attempt(mutant: Mutant, arguments: list[str], timeout: float) -> bool:
            tree = trees.get()
            original = (tree / mutant.path).read_text()
            try:
                (tree / mutant.path).write_text(mutated(mutant))
                return not run(tree, arguments, timeout)[0]
            finally:
                (tree / mutant.path).write_text(original)
                trees.put(tree)

        outcomes = [Outcome(mutant, "") for mutant in found]
        for stage, limit in zip(target.stages, limits, strict=True):
            left = [o for o in outcomes if not o.killed_by]
            print(f"{target.name}: {len(left)} mutants against {' '.join(stage)}", flush=True)
            arguments = own_tests(target, stage)
            with ThreadPoolExecutor(jobs) as pool:
                runs = [pool.submit(attempt, o.mutant, arguments, limit) for o in left]
                dead = [run.result() for run in runs]
            for outcome, killed in zip(left, dead, strict=True):
                outcome.killed_by = "own tests" if killed else ""
        survivors = [o for o in outcomes if not o.killed_by and o.mutant.key not in EQUIVALENT]
        if suite and survivors:
            tree = trees.get()
            if not run(tree, SUITE, timeout=3600)[0]:
                raise SystemExit(f"the whole suite fails in the scratch copy {tree} unmutated")
            trees.put(tree)
            for outcome in survivors:  # the suite runs its own workers: one mutant at a time
                print(f"  suite: {outcome.mutant.path}:{outcome.mutant.line} ...", flush=True)
                if attempt(outcome.mutant, SUITE, timeout=3600):
                    outcome.killed_by = "suite"
    return outcomes


def report(target: Target, outcomes: list[Outcome]) -> float:
    equivalent = [o for o in outcomes if not o.killed_by and o.mutant.key in EQUIVALENT]
    survived = [o for o in outcomes if not o.killed_by and o.mutant.key not in EQUIVALENT]
    killed = [o for o in outcomes if o.killed_by]
    counted = len(outcomes) - len(equivalent)
    score = 100 * len(killed) / counted if counted else 100.0
    by_suite = sum(o.killed_by == "suite" for o in outcomes)
    print(
        f"{target.name}: {len(outcomes)} mutants, {len(killed)} killed ({by_suite} only by the "
        f"whole suite), {len(equivalent)} equivalent, {len(survived)} survived: "
        f"score {len(killed)}/{counted} = {score:.1f}%"
    )
    for outcome in survived:
        m = outcome.mutant
        print(f"  survived    {m.path}:{m.line}  {m.text}  [{m.description}]")
    for outcome in equivalent:
        m = outcome.mutant
        print(f"  equivalent  {m.path}:{m.line}  [{m.description}]: {EQUIVALENT[m.key]}")
    return score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", action="append", choices=sorted(TARGETS))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-suite", action="store_true", help="own tests only (faster)")
    options = parser.parse_args()
    names = options.target or list(TARGETS)
    known = {mutant.key for name in names for s in TARGETS[name].sources for mutant in mutants(s)}
    for stale in sorted(set(EQUIVALENT) - known):
        if any(stale[0] in TARGETS[name].sources for name in names):
            print(f"EQUIVALENT names a mutant that no longer exists: {stale}")
    for name in names:
        report(TARGETS[name], judge(TARGETS[name], options.jobs, not options.no_suite))


if __name__ == "__main__":
    main()
