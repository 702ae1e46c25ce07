"""``make web-screenshot``: the web sample signed in as the second group's demo user (a tenant's
editor with the shipped groups: allowed and denied cells both), saved as a PNG for the README.

    python -m tests.web.screenshot docs/web-sample.png
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from offline.seed import cast
from tests.web.browser import chromium, sign_in, web_stack

VIEWPORT = {"width": 1100, "height": 800}


def main(target: Path) -> int:
    with (
        tempfile.TemporaryDirectory() as logs,
        web_stack(Path(logs)) as site,
        chromium() as browser,
    ):
        players = cast(site.target.outputs.groups).by_group
        user = players[min(1, len(players) - 1)]
        page = browser.new_page(viewport=VIEWPORT)
        sign_in(page, site, user.username)
        page.screenshot(path=str(target), full_page=True)
    print(f"wrote {target} (signed in as {user.username})")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/web-sample.png")))
