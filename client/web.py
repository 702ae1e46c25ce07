"""Serves the web sample (``web/``): the page, its bundle, and ``config.json``, the Amplify
outputs of the stack (``client.amplify``) the page reads at start.

The page is served from ``http://localhost:<port>``, the origin the stack's CORS rules allow
(``config.corsOrigins``; disposable stages allow ``facts.web.LOCAL_ORIGIN`` by default). Against
the offline stack the outputs also name its endpoint (``custom.aws_endpoint_url``), which the page
then uses for every AWS service. Only the listed files are served: no directory listing, nothing
else of the repository.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from client import amplify
from client.errors import ClientProblem
from client.outputs import StackOutputs
from facts.web import WEB_PORT

WEB = Path(__file__).resolve().parents[1] / "web"
BUNDLE = WEB / "dist" / "app.js"
# URL path -> (file, content type).
FILES: Mapping[str, tuple[Path, str]] = {
    "/": (WEB / "index.html", "text/html; charset=utf-8"),
    "/index.html": (WEB / "index.html", "text/html; charset=utf-8"),
    "/style.css": (WEB / "style.css", "text/css; charset=utf-8"),
    "/app.js": (BUNDLE, "text/javascript; charset=utf-8"),
    "/app.js.map": (BUNDLE.with_name("app.js.map"), "application/json"),
}
HOST = "localhost"


def page_config(outputs: StackOutputs, endpoint_url: str | None = None) -> dict[str, Any]:
    """What ``config.json`` holds: the Amplify outputs, plus the offline endpoint if any."""
    document = amplify.amplify_outputs(outputs)
    if endpoint_url is not None:
        document["custom"]["aws_endpoint_url"] = endpoint_url
    return document


class _Handler(BaseHTTPRequestHandler):
    def __init__(self, config: bytes, *args: Any, **kwargs: Any) -> None:
        self.config = config
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/config.json":
            self._answer(200, self.config, "application/json")
            return
        found = FILES.get(path)
        if found is None or not found[0].is_file():
            self._answer(404, b"not found\n", "text/plain")
            return
        self._answer(200, found[0].read_bytes(), found[1])

    def _answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the page's requests are not the output


@contextmanager
def serving(config: Mapping[str, Any], port: int = WEB_PORT) -> Iterator[str]:
    """Serve the page on ``http://localhost:<port>`` while the block runs; yields the URL."""
    if not BUNDLE.is_file():
        raise ClientProblem(f"{BUNDLE} is missing: build it with `npm run web:build`")
    handler = partial(_Handler, json.dumps(config).encode())
    try:
        server = ThreadingHTTPServer((HOST, port), handler)
    except OSError as error:
        raise ClientProblem(
            f"cannot serve the page on port {port} ({error.strerror}): the stack's CORS rules "
            f"allow http://{HOST}:{port}; stop what uses the port"
        ) from None
    # Stopping waits up to one poll for the server to see it (its default: half a second).
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
