"""``python -m client web`` / ``make web``: the page, its bundle and ``config.json`` are served,
nothing else of the repository; the mistakes a person makes starting it are named with the fix."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from client import outputs, web
from client.errors import ClientProblem
from tests.client.conftest import outputs_document


@pytest.fixture
def page_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A built page in a temporary folder (`make test` does not bundle the real one)."""
    bundle = tmp_path / "app.js"
    bundle.write_text("console.log('bundle')")
    (tmp_path / "index.html").write_text("<!doctype html>")
    monkeypatch.setattr(web, "BUNDLE", bundle)
    monkeypatch.setattr(
        web,
        "FILES",
        {"/": (tmp_path / "index.html", "text/html"), "/app.js": (bundle, "text/javascript")},
    )
    return tmp_path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((web.HOST, 0))
        return int(probe.getsockname()[1])


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 (localhost)
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def test_the_page_its_bundle_and_the_config_and_nothing_else(page_files: Path) -> None:
    stack = outputs.parse(outputs_document())
    config = web.page_config(stack, "http://127.0.0.1:1234")
    with web.serving(config, free_port()) as url:
        assert get(url) == (200, b"<!doctype html>")
        assert get(url + "app.js")[0] == 200
        status, body = get(url + "config.json")
        assert status == 200
        document = json.loads(body)
        assert document["custom"]["aws_endpoint_url"] == "http://127.0.0.1:1234"
        assert document["auth"]["identity_pool_id"] == stack.identity_pool_id
        for elsewhere in ("pyproject.toml", "../pyproject.toml", "web/src/main.ts", "cdk.json"):
            assert get(url + elsewhere)[0] == 404, elsewhere


def test_against_a_deployment_the_config_names_no_endpoint() -> None:
    config = web.page_config(outputs.parse(outputs_document()))
    assert "aws_endpoint_url" not in config["custom"]


def test_a_missing_bundle_says_how_to_build_it(
    page_files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(web, "BUNDLE", page_files / "missing.js")
    with pytest.raises(ClientProblem, match="npm run web:build"), web.serving({}, free_port()):
        pass


def test_a_busy_port_names_the_origin_the_stack_allows(page_files: Path) -> None:
    with socket.socket() as busy:
        busy.bind((web.HOST, 0))
        busy.listen()
        port = busy.getsockname()[1]
        refused = pytest.raises(ClientProblem, match=rf"allow http://localhost:{port}")
        with refused, web.serving({}, port):
            pass
