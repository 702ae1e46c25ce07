"""The deploy job's hash-locked dependencies (requirements/deploy.txt, `make lock`) agree with
pyproject.toml, which stays the single source: every pin of the app and its runtime is in the
lock at the same version, and every locked package carries the hashes pip checks with
`--require-hashes` (Makefile, `setup-locked`)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements" / "deploy.txt"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def normalized(name: str) -> str:
    """PEP 503: names compare lower-case with runs of '-', '_' and '.' as one '-'."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def deploy_pins(project: dict) -> dict[str, str]:
    """What the deploy job needs, as pyproject.toml pins it: the app's dependencies and the
    runtime extra (client.api_gateway_logging's boto3, among them)."""
    requirements = (
        project["project"]["dependencies"] + project["project"]["optional-dependencies"]["runtime"]
    )
    pins = {}
    for requirement in requirements:
        match = PIN.match(requirement)
        assert match, f"pyproject.toml: {requirement!r} is not pinned with =="
        pins[normalized(match[1])] = match[2]
    return pins


def locked(text: str) -> dict[str, tuple[str, int]]:
    """Locked package -> (version, number of hashes)."""
    entries: dict[str, tuple[str, int]] = {}
    current = None
    for line in text.splitlines():
        match = PIN.match(line)
        if match:
            current = normalized(match[1])
            entries[current] = (match[2], 0)
        elif current and line.strip().startswith("--hash=sha256:"):
            version, hashes = entries[current]
            entries[current] = (version, hashes + 1)
    return entries


def disagreements(pins: dict[str, str], lock: dict[str, tuple[str, int]]) -> list[str]:
    found = [
        f"{name}: pyproject.toml pins {version}, the lock has {lock.get(name, ('none',))[0]}"
        for name, version in pins.items()
        if lock.get(name, (None,))[0] != version
    ]
    found += [f"{name}: no hash" for name, (_, hashes) in lock.items() if hashes == 0]
    return found


def test_the_lock_agrees_with_pyprojects_pins_and_hashes_everything() -> None:
    lock = locked(LOCK.read_text())
    assert disagreements(deploy_pins(pyproject()), lock) == [], "run make lock"
    # The whole closure, not just the pins: aws-cdk-lib's jsii runtime, boto3's botocore.
    assert {"jsii", "botocore"} <= set(lock)


def test_a_pin_changed_without_make_lock_is_caught() -> None:
    project = pyproject()
    dependencies = project["project"]["dependencies"]
    project["project"]["dependencies"] = [
        "aws-cdk-lib==9.9.9" if d.startswith("aws-cdk-lib==") else d for d in dependencies
    ]
    lock = locked(LOCK.read_text())
    assert disagreements(deploy_pins(project), lock) == [
        f"aws-cdk-lib: pyproject.toml pins 9.9.9, the lock has {lock['aws-cdk-lib'][0]}"
    ]
    assert disagreements({}, {"x": ("1", 0)}) == ["x: no hash"]


def test_the_lock_is_made_by_the_pinned_tool() -> None:
    assert LOCK.read_text().splitlines()[1].strip("# ") == "make lock"
    assert any(re.fullmatch(r"uv==[\d.]+", d) for d in pyproject()["dependency-groups"]["dev"])
