"""The web sample in a real browser against the offline stack: each demo user signs in and the
page's table of what the credentials may do is ``make offline``'s scenario table, cell for cell
where the two ask the same question. Expectations come from ``offline.scenarios`` (each group's
preset, the pool's roles), never from group names.
"""

from __future__ import annotations

import re
import socket
import time
from datetime import datetime

import pyotp
import pytest
from playwright.sync_api import Browser, Page

from client import web
from client.outputs import StackOutputs
from infra.config import CONTEXT_KEY, cdk_json_context, parse_config
from offline import scenarios
from offline.probe import ALLOWED, DENIED
from offline.scenarios import (
    API_BY_POOL_ROLE,
    API_BY_PRESET,
    S3_BY_POOL_ROLE,
    S3_BY_PRESET,
    Scenario,
    expected_answers,
    resolved,
)
from offline.seed import DEMO_PASSWORD, DEVELOPER_USER
from tests.web.browser import (
    API_CELLS,
    OPERATIONS,
    ROWS,
    WebStack,
    outcomes,
    settled,
    sign_in,
    text,
)

pytestmark = pytest.mark.web

# The scenario table's rows a person can play on the page: each demo user's own sign-in.
PLAYABLE = ("enhanced", "developer")
# Page cell <- the scenario table's column asking the same question of the same folder or route.
# A writer of its own private folder lists, reads and deletes there too (one grant, the folder);
# deleting the item one just put is what putting it is (the items API's contract: own items).
S3_CELLS = {
    "shared:download": "read shared/",
    "shared:upload": "write shared/",
    "shared:delete": "write shared/",
    "private:list": "write own private/",
    "private:upload": "write own private/",
    "private:download": "write own private/",
    "private:delete": "write own private/",
    "tenant:download": f"read tenants/{scenarios.DEVELOPER_TENANT}/",
}
API_CELLS_FROM = {
    "api:me": scenarios.ME,
    "api:list": f"list {scenarios.DEVELOPER_TENANT} items",
    "api:put": f"put own {scenarios.DEVELOPER_TENANT} item",
    "api:delete": f"put own {scenarios.DEVELOPER_TENANT} item",
}


def playable() -> list[Scenario]:
    groups = parse_config(cdk_json_context()[CONTEXT_KEY]).groups
    return [scenario for scenario in scenarios.table(groups) if scenario.flow in PLAYABLE]


def expected_cells(outputs: StackOutputs, scenario: Scenario) -> dict[str, str]:
    """What the scenario table expects of the user, on the page's cells."""
    role = scenario.expectation(outputs)
    tag = scenario.session_tag(outputs)
    bucket = expected_answers(outputs, role, S3_BY_PRESET, S3_BY_POOL_ROLE)
    api = expected_answers(outputs, role, API_BY_PRESET, API_BY_POOL_ROLE)
    assert bucket is not None and api is not None, f"no expectations for role {role}"
    checks = [*scenarios.CHECKS, *scenarios.API_CHECKS]
    answers = [*bucket, *api]
    by_label = {
        check.label: resolved(answer, outputs, tag)
        for check, answer in zip(checks, answers, strict=True)
    }
    return {cell: by_label[label] for cell, label in {**S3_CELLS, **API_CELLS_FROM}.items()}


@pytest.mark.parametrize("scenario", playable(), ids=lambda s: s.user)
def test_each_demo_user_sees_their_role_and_the_scenario_tables_answers(
    page: Page, site: WebStack, scenario: Scenario
) -> None:
    outputs = site.target.outputs
    developer = scenario.flow == "developer"
    sign_in(page, site, scenario.user, "developer" if developer else "user pool")
    assert text(page, "role-label") == scenario.expectation(outputs)
    assert text(page, "identity-id").startswith(f"{outputs.region}:")
    tag = scenario.session_tag(outputs)
    assert text(page, "tenant") == (tag or "(no tenant tag)")
    got = outcomes(page)
    assert set(got) == {f"{row}:{op}" for row in ROWS for op in OPERATIONS} | set(API_CELLS)
    expected = expected_cells(outputs, scenario)
    assert {cell: got[cell] for cell in expected} == expected
    # Every other cell is an answer of the service too (a missing CORS header is an "error").
    assert set(got.values()) <= {ALLOWED, DENIED, scenarios.NOT_OWNER}, got


def test_a_refusal_reaches_the_page_in_the_services_words(page: Page, site: WebStack) -> None:
    """Through CORS on S3's errors and on API Gateway's gateway responses: the browser reads the
    403 itself, not a network error."""
    outputs = site.target.outputs

    def refused_by_both(scenario: Scenario) -> bool:
        expected = expected_cells(outputs, scenario)
        denied = {cell for cell, verdict in expected.items() if verdict == DENIED}
        return any(c.startswith("api:") for c in denied) and any(
            not c.startswith("api:") for c in denied
        )

    refused = next(s for s in playable() if s.flow == "enhanced" and refused_by_both(s))
    sign_in(page, site, refused.user)
    denied = [
        page.get_attribute(f'[data-cell="{cell}"]', "title")
        for cell, verdict in outcomes(page).items()
        if verdict == DENIED
    ]
    assert "AccessDenied" in denied  # S3's error code
    assert any("execute-api:Invoke" in str(title) for title in denied)  # IAM, via API Gateway


def test_credentials_are_refreshed_before_they_expire(page: Page, site: WebStack) -> None:
    sign_in(page, site, DEVELOPER_USER, "developer")
    first = datetime.fromisoformat(text(page, "expires").replace("Z", "+00:00"))
    page.wait_for_function(
        "document.getElementById('refreshes').textContent !== '0'", timeout=60_000
    )
    renewed = datetime.fromisoformat(text(page, "expires").replace("Z", "+00:00"))
    assert renewed > first
    # Past the first credentials' expiry, the page's calls still succeed.
    time.sleep(max(0.0, first.timestamp() - time.time()) + 1)
    page.click("#try-all")
    page.wait_for_selector("#access[data-state=running]", state="attached")
    settled(page)
    assert outcomes(page)["api:me"] == ALLOWED
    assert outcomes(page)["private:upload"] == ALLOWED


def test_a_user_pool_user_is_refreshed_through_amplify(page: Page, site: WebStack) -> None:
    user = next(
        s for s in playable() if s.flow == "enhanced" and s.user not in site.seeded.totp_secrets
    )
    sign_in(page, site, user.user)
    page.wait_for_function(
        "document.getElementById('refreshes').textContent !== '0'", timeout=60_000
    )
    page.click("#try-all")
    page.wait_for_selector("#access[data-state=running]", state="attached")
    settled(page)
    assert outcomes(page)["api:me"] == ALLOWED


def test_sign_out_clears_the_credentials(page: Page, site: WebStack) -> None:
    no_group = next(s for s in playable() if s.expectation(site.target.outputs) == "default")
    sign_in(page, site, no_group.user)
    page.click("#sign-out")
    page.wait_for_selector("#sign-in:not([hidden])")
    assert text(page, "identity-id") == ""
    assert text(page, "role") == ""
    assert all(verdict == "None" for verdict in outcomes(page).values())
    # Amplify keeps no token in the browser's storage once signed out.
    stored = page.evaluate("JSON.stringify(Object.assign({}, localStorage))")
    assert not re.search(r"idToken|accessToken|refreshToken", stored), stored


def test_a_new_password_challenge_is_answered_on_the_page(page: Page, site: WebStack) -> None:
    """An administrator's new user with a temporary password must choose their own first."""
    username = "web-new-user@example.com"
    idp = site.target.operator.client("cognito-idp")
    idp.admin_create_user(
        UserPoolId=site.target.outputs.user_pool_id,
        Username=username,
        TemporaryPassword=DEMO_PASSWORD,
        UserAttributes=[{"Name": "email", "Value": username}],
        MessageAction="SUPPRESS",
    )
    page.goto(site.url)
    page.wait_for_selector("#sign-in:not([hidden])")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("#sign-in-button")
    page.wait_for_selector("#challenge:not([hidden])")
    assert "new password" in text(page, "challenge-label")
    page.fill("#challenge-input", "Another-Demo-Passw0rd!")
    page.click("#challenge-button")
    settled(page)
    assert text(page, "role-label") == "default"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("localhost", 0))
        return int(probe.getsockname()[1])


def test_a_page_from_another_origin_reaches_neither_the_bucket_nor_the_apis(
    browser: Browser, site: WebStack
) -> None:
    """CORS no wider than the config: the same page served from an origin the stack does not
    list signs in (Cognito answers any origin) but reads no answer of S3 or the items API."""
    config = web.page_config(site.target.outputs, site.stack.endpoint_url)
    context = browser.new_context()
    try:
        with web.serving(config, _free_port()) as elsewhere:
            page = context.new_page()
            page.goto(elsewhere)
            page.wait_for_selector("#sign-in:not([hidden])")
            page.select_option("#flow", "user pool")
            no_group = next(
                s for s in playable() if s.expectation(site.target.outputs) == "default"
            )
            page.fill("#username", no_group.user)
            page.fill("#password", DEMO_PASSWORD)
            page.click("#sign-in-button")
            settled(page)
            assert text(page, "identity-id").startswith(f"{site.target.outputs.region}:")
            assert set(outcomes(page).values()) == {"error"}
    finally:
        context.close()


def test_with_mfa_required_a_new_user_enrolls_an_authenticator_on_the_page(
    page: Page, site: WebStack
) -> None:
    """MFA_SETUP: the page shows the new TOTP secret once and takes the first code."""
    username = "web-mfa-user@example.com"
    outputs = site.target.outputs
    idp = site.target.operator.client("cognito-idp")
    idp.admin_create_user(
        UserPoolId=outputs.user_pool_id,
        Username=username,
        UserAttributes=[{"Name": "email", "Value": username}],
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(
        UserPoolId=outputs.user_pool_id, Username=username, Password=DEMO_PASSWORD, Permanent=True
    )
    before = idp.get_user_pool_mfa_config(UserPoolId=outputs.user_pool_id)["MfaConfiguration"]
    idp.set_user_pool_mfa_config(
        UserPoolId=outputs.user_pool_id,
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="ON",
    )
    try:
        page.goto(site.url)
        page.wait_for_selector("#sign-in:not([hidden])")
        page.fill("#username", username)
        page.fill("#password", DEMO_PASSWORD)
        page.click("#sign-in-button")
        page.wait_for_selector("#challenge:not([hidden])")
        secret = text(page, "totp-secret")
        assert len(secret) >= 16, "the page shows the secret to add to an authenticator"
        page.fill("#challenge-input", pyotp.TOTP(secret).now())
        page.click("#challenge-button")
        settled(page)
        assert text(page, "role-label") == "default"
    finally:
        idp.set_user_pool_mfa_config(
            UserPoolId=outputs.user_pool_id,
            SoftwareTokenMfaConfiguration={"Enabled": True},
            MfaConfiguration=before,
        )
