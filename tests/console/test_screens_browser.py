"""Venues and Screens in a real Chromium: a partner registers a venue that closes after
midnight, opens the web player in a second page, types the code it shows into Add screen,
and the player leaves its pairing view; every new page passes axe-core's WCAG 2.2 AA checks
(no serious or critical violation) in English and Welsh.

One browser for the module, SQLite only, as in test_browser.py.
"""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.console.console_helpers import email_of
from tests.factories import PASSWORD, World
from tests.live import LiveServer
from tests.player.web_helpers import CHROMIUM, CHROMIUM_ARGS, player_state

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SERIOUS = {"serious", "critical"}
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "signage.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    made = browser.new_context(base_url=live_server.url, viewport={"width": 1024, "height": 768})
    try:
        yield made
    finally:
        made.close()


def _serious_violations(page: Page) -> list[str]:
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}})
    return [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in results.response["violations"]
        if v.get("impact") in SERIOUS
    ]


def _set_language(page: Page, language: str) -> None:
    host = page.url.split("/")[2].split(":")[0]
    page.context.add_cookies([{"name": "lang", "value": language, "domain": host, "path": "/"}])


def _check(page: Page, name: str, *, welsh: bool = True) -> None:
    """axe in English and (reloaded) in Welsh, and a screenshot of each."""
    ARTIFACTS.mkdir(exist_ok=True)
    assert _serious_violations(page) == [], name
    page.screenshot(path=str(ARTIFACTS / f"console-{name}.png"), full_page=True)
    if not welsh:
        return
    _set_language(page, "cy")
    page.reload()
    try:
        assert page.locator("html").get_attribute("lang") == "cy"
        assert _serious_violations(page) == [], f"{name} in Welsh"
        page.screenshot(path=str(ARTIFACTS / f"console-{name}-cy.png"), full_page=True)
    finally:
        _set_language(page, "en")
        page.reload()


def test_a_partner_adds_a_venue_and_pairs_a_screen_by_its_code(
    context: BrowserContext, live_server: LiveServer, world: World
) -> None:
    console = context.new_page()
    console.goto("/console")
    console.get_by_label("Email address").fill(email_of("partner_1"))
    console.get_by_label("Password", exact=True).fill(PASSWORD)
    console.get_by_role("button", name="Sign in").click()
    console.wait_for_url("**/console")

    # A venue open from 18:00 on Friday until 02:00 on Saturday.
    console.get_by_role("link", name="Venues").click()
    console.get_by_role("button", name="Add venue").click()
    assert "after midnight" in console.locator("#hours-hint").inner_text()
    console.get_by_role("button", name="Add venue").click()  # empty: the error summary
    summary = console.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert console.title().startswith("Error:")
    _check(console, "venue-errors", welsh=False)  # a POST's answer
    console.get_by_label("Venue name").fill("The Swan")
    console.get_by_label("Kind of venue").select_option("pub")
    console.get_by_label("Police force area").select_option(world.org_id("force_a"))
    console.get_by_label("Nation").select_option("england")
    console.get_by_label("Friday opens at").fill("18:00")
    console.get_by_label("Friday closes at").fill("02:00")
    console.get_by_role("button", name="Add venue").click()
    console.wait_for_url("**/console/venues/*")
    assert console.get_by_label("Friday closes at").input_value() == "02:00"
    _check(console, "venue")
    console.get_by_role("link", name="Back to venues").click()
    assert "18:00 to 02:00" in console.locator("#venues").inner_text()
    _check(console, "venues")

    # The screen: the web player shows a code...
    player = context.new_page()
    player.goto("/player/")
    player.wait_for_function(
        "() => /^[A-Z2-9]{4}-[A-Z2-9]{4}$/.test(document.getElementById('user-code')"
        ".textContent.trim())",
        timeout=15_000,
    )
    assert player.is_visible("#pairing")
    code = player.inner_text("#user-code").strip()

    # ...which the partner types into Screens -> Add screen.
    console.get_by_role("link", name="Screens").click()
    _check(console, "screens-empty")
    console.get_by_role("button", name="Add screen").click()
    _check(console, "screen-add")
    console.get_by_label("Code shown on the screen").fill(code)
    console.get_by_label("Screen name").fill("Front bar")
    console.get_by_label("Tags (optional)").fill("front bar")
    console.get_by_role("button", name="Add screen").click()
    console.wait_for_url("**/console/screens/*")
    assert console.get_by_role("heading", level=1).inner_text() == "Front bar"
    assert "What plays tonight" in console.content()

    # The player collects its token and leaves the pairing view.
    player.wait_for_function(
        "() => window.signagePlayer.state().mode !== 'pairing'", timeout=20_000
    )
    assert not player.is_visible("#pairing")
    assert player_state(player)["mode"] != "pairing"
    _check(console, "screen")

    console.get_by_role("link", name="Back to screens").click()
    assert "Front bar" in console.locator("#fleet").inner_text()
    _check(console, "screens")

    # Revoking asks first.
    console.get_by_role("link", name="Front bar").click()
    console.get_by_role("button", name="Revoke screen").click()
    _check(console, "screen-revoke")
    console.get_by_role("button", name="Yes, revoke this screen").click()
    console.wait_for_url("**/console/screens")
    assert "Front bar" not in console.content()
