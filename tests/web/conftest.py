"""The browser tests (``make web-test``): the web sample in headless Chromium against one fresh
offline stack of ``make synth``'s template. Outside ``make test`` (its 60 s budget): every test
module here is marked ``web`` (``pytestmark``), which the default run deselects.

The stack issues credentials that last ``CREDENTIAL_SECONDS``, so the page's refresh before
expiry happens within a test's time; the other tests finish well inside one lifetime or ride
through a refresh, as an app does.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.web.browser import WebStack, chromium, web_stack

CREDENTIAL_SECONDS = 20


@pytest.fixture(scope="package")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebStack]:
    with web_stack(tmp_path_factory.mktemp("web"), CREDENTIAL_SECONDS) as running:
        yield running


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context per test: no storage carried from another user."""
    context = browser.new_context()
    try:
        yield context.new_page()
    finally:
        context.close()
