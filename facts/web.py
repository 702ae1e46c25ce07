"""Where the web sample (``web/``) is served from on a developer's machine: the origin that
disposable stages allow by default (``config.corsOrigins``), and the port ``make web`` serves the
page on, so that the two agree without anyone configuring either."""

from __future__ import annotations

WEB_PORT = 5173
LOCAL_ORIGIN = f"http://localhost:{WEB_PORT}"
