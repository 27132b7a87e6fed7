"""The console in a real Chromium: sign-in by label and by keyboard alone, the error summary,
the navigation by role, the Welsh switch, signing out, GOV.UK Frontend's JavaScript under the
strict CSP, and axe-core's WCAG 2.2 AA checks in English and Welsh.

One browser for the module; each test has a fresh context (cookies) and its own server. The
browser tests run on SQLite only: the database behaviour behind these pages is tested on both
databases over HTTP in the other modules, and a browser start costs seconds.
"""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.console.console_helpers import email_of
from tests.factories import (
    PASSWORD,
    World,
    make_campaign,
    make_screen,
    make_venue,
    png_bytes,
    schedule_body,
    upload_creative,
)
from tests.live import LiveServer
from tests.player.web_helpers import CHROMIUM, CHROMIUM_ARGS

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


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    opened = context.new_page()
    csp_errors: list[str] = []
    opened.on(
        "console",
        lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    yield opened
    assert csp_errors == [], csp_errors


@pytest.fixture
def on_air(client: TestClient, world: World) -> None:
    """Force A's area with a pub, two screens, a schedule on air all day and one pending."""
    venue = make_venue(client, world)
    for name in ("Bar", "Door"):
        make_screen(client, world, venue["id"], name=name)
    campaign = make_campaign(client, world)
    approved = upload_creative(client, world, campaign["id"], content=png_bytes(160, 90))
    client.post(
        f"/v1/creatives/{approved['id']}/approve", headers=world.headers("force_a_approver")
    ).raise_for_status()
    pending = upload_creative(client, world, campaign["id"], content=png_bytes(160, 90, (9, 9, 9)))
    all_day = [
        {
            "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
            "start": "00:00",
            "end": "00:00",
        }
    ]
    for name, creative in (("Walk Away", approved), ("Taxi marshals", pending)):
        client.post(
            "/v1/schedules",
            json=schedule_body([creative["id"]], name=name, windows=all_day),
            headers=world.headers("force_a_editor"),
        ).raise_for_status()


def _screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"console-{name}.png"), full_page=True)


def _sign_in(page: Page, persona: str, password: str = PASSWORD) -> None:
    page.goto("/console")
    page.get_by_label("Email address").fill(email_of(persona))
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def _serious_violations(page: Page) -> list[str]:
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}})
    return [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in results.response["violations"]
        if v.get("impact") in SERIOUS
    ]


def test_keyboard_only_sign_in(page: Page, world: World) -> None:
    page.goto("/console")
    assert page.url.endswith("/console/sign-in")
    _screenshot(page, "sign-in")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "email":
            break
    else:
        pytest.fail("Tab never reached the email field")
    page.keyboard.type(email_of("force_a_approver"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/console")
    assert page.get_by_role("heading", level=1).inner_text() == "Tonight"


def test_wrong_password_shows_a_linked_error_summary(page: Page, world: World) -> None:
    _sign_in(page, "force_a_editor", password="not the password")
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert page.title().startswith("Error:")
    # GOV.UK Frontend moves focus to the summary, so screen readers announce it.
    page.wait_for_function(
        "() => document.activeElement.classList.contains('govuk-error-summary')", timeout=5000
    )
    _screenshot(page, "sign-in-error")
    summary.get_by_role("link", name="Wrong email or password").click()
    assert page.evaluate("document.activeElement.id") == "password"


def test_navigation_follows_the_role(context: BrowserContext, world: World, on_air: None) -> None:
    approver = context.new_page()
    _sign_in(approver, "force_a_approver")
    navigation = approver.get_by_role("navigation", name="Menu")
    assert navigation.get_by_role("link", name="Tonight").get_attribute("aria-current") == "page"
    assert approver.locator("body.js-enabled.govuk-frontend-supported").count() == 1
    _screenshot(approver, "tonight")
    approver.get_by_role("button", name="Sign out").click()
    _sign_in(approver, "partner_1")
    approver.wait_for_url("**/console")
    names = approver.get_by_role("navigation", name="Menu").get_by_role("link").all_inner_texts()
    for police_only in ("Campaigns", "Approvals", "Schedules"):
        assert police_only not in names
    _screenshot(approver, "tonight-partner")


def test_welsh_persists_and_sets_lang(page: Page, world: World, on_air: None) -> None:
    page.goto("/console/sign-in")
    page.get_by_role("link", name="Cymraeg").click()
    assert page.get_attribute("html", "lang") == "cy"
    _screenshot(page, "sign-in-cy")
    page.get_by_label("Cyfeiriad e-bost").fill(email_of("force_a_approver"))
    page.get_by_label("Cyfrinair", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Mewngofnodi").click()
    page.wait_for_url("**/console")
    assert page.get_attribute("html", "lang") == "cy"
    assert page.get_by_role("heading", level=1).inner_text() == "Heno"
    page.reload()
    assert page.get_attribute("html", "lang") == "cy"
    _screenshot(page, "tonight-cy")
    page.get_by_role("link", name="English").click()
    assert page.get_attribute("html", "lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Tonight"


def test_sign_out_ends_the_session(page: Page, world: World) -> None:
    _sign_in(page, "force_a_editor")
    page.wait_for_url("**/console")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/console/sign-in")
    page.go_back()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in"
    page.goto("/console")
    assert page.url.endswith("/console/sign-in")


@pytest.mark.parametrize("language", ["en", "cy"])
def test_no_serious_accessibility_violations(
    page: Page, world: World, on_air: None, language: str
) -> None:
    page.goto(f"/console/language?to={language}&next=/console/sign-in")
    problems = {"sign-in": _serious_violations(page)}
    page.locator("#email").fill(email_of("force_a_approver"))
    page.locator("#password").fill("wrong password")
    page.locator("form button[type=submit]").click()
    page.wait_for_selector(".govuk-error-summary")
    problems["sign-in error"] = _serious_violations(page)
    page.locator("#password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/console")
    problems["tonight"] = _serious_violations(page)
    assert problems == {name: [] for name in problems}
