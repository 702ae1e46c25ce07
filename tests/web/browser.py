"""The web sample in headless Chromium against an offline stack: start both, sign in as a demo
user, read the page. Shared by the browser tests and ``make web-screenshot``.

The browser is Debian's ``chromium`` (``make web-test`` installs it when missing): Playwright's
own browser download cannot be had here, so Playwright drives the system one.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyotp
from playwright.sync_api import Browser, Page, sync_playwright

from client import web
from offline.seed import DEMO_PASSWORD, Seeded
from offline.stack import OfflineStack
from offline.target import LocalTarget
from offline.template import Template
from tests.support.offline import serving

CHROMIUM = "/usr/bin/chromium"
# Headless, and nothing that reaches outside this machine.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
CDK_OUT = Path(__file__).resolve().parents[2] / "cdk.out"
# The page's cells: a bucket folder's row and operation, or the items API's route.
OPERATIONS = ("list", "upload", "download", "delete")
ROWS = ("private", "protected", "public", "shared", "tenant")
API_CELLS = ("api:me", "api:list", "api:put", "api:delete")
# What a run of every check takes at most, sign-in included.
SETTLE_MS = 60_000


@dataclass
class WebStack:
    stack: OfflineStack
    target: LocalTarget
    url: str

    @property
    def seeded(self) -> Seeded:
        return self.target.seeded


@contextmanager
def web_stack(log_dir: Path, credential_seconds: int | None = None) -> Iterator[WebStack]:
    """The synthesized stack (``make synth``'s ``cdk.out``) offline, seeded, and the page served
    against it on the origin its CORS rules allow."""
    if not web.BUNDLE.is_file():
        raise RuntimeError(f"{web.BUNDLE} is missing: run `make web-test` (it builds the bundle)")
    template = Template.find(CDK_OUT)
    with ExitStack() as stack:
        options = {} if credential_seconds is None else {"credential_seconds": credential_seconds}
        offline = stack.enter_context(serving(template, log_dir, **options))
        target = LocalTarget(offline)
        target.seeded  # noqa: B018 (seed the demo users before the page is used)
        url = stack.enter_context(
            web.serving(web.page_config(target.outputs, offline.endpoint_url))
        )
        yield WebStack(offline, target, url)


@contextmanager
def chromium() -> Iterator[Browser]:
    if not Path(CHROMIUM).is_file() and not shutil.which("chromium"):
        raise RuntimeError(f"{CHROMIUM} is missing: `make web-test` installs Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        try:
            yield browser
        finally:
            browser.close()


def sign_in(page: Page, site: WebStack, username: str, flow: str = "user pool") -> None:
    """Sign in through the page's form, answering a TOTP challenge with the demo user's
    authenticator, and wait until every check has its answer."""
    page.goto(site.url)
    page.wait_for_selector("#sign-in:not([hidden])")
    page.select_option("#flow", flow)
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("#sign-in-button")
    secret = site.seeded.totp_secrets.get(username)
    if secret is not None:
        page.wait_for_selector("#challenge:not([hidden])")
        page.fill("#challenge-input", pyotp.TOTP(secret).now())
        page.click("#challenge-button")
    settled(page)


def settled(page: Page) -> None:
    page.wait_for_selector("#access[data-state=done]", timeout=SETTLE_MS)


def outcomes(page: Page) -> dict[str, str]:
    """Each cell's verdict: allowed, denied, not owner or error."""
    cells = page.query_selector_all("[data-cell]")
    return {
        str(cell.get_attribute("data-cell")): str(cell.get_attribute("data-outcome"))
        for cell in cells
    }


def text(page: Page, element_id: str) -> str:
    return str(page.text_content(f"#{element_id}") or "")
