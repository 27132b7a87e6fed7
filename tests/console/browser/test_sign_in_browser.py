"""The console in a real Chromium: sign-in by label and by keyboard alone, the error summary,
the navigation by role, the Welsh switch, signing out, GOV.UK Frontend's JavaScript under the
strict CSP, and axe-core's WCAG 2.2 AA checks in English and Welsh.

One browser for the module; each test has a fresh context (cookies) and its own server. The
browser tests run on SQLite only: the database behaviour behind these pages is tested on both
databases over HTTP in the other modules, and a browser start costs seconds.
"""

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import BrowserContext, Page

from tests.console.browser.pages import screenshot, serious_violations, sign_in
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


def test_keyboard_onlysign_in(page: Page, world: World) -> None:
    page.goto("/console")
    assert page.url.endswith("/console/sign-in")
    screenshot(page, "sign-in")
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
    sign_in(page, "force_a_editor", password="not the password")
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert page.title().startswith("Error:")
    # GOV.UK Frontend moves focus to the summary, so screen readers announce it.
    page.wait_for_function(
        "() => document.activeElement.classList.contains('govuk-error-summary')", timeout=5000
    )
    screenshot(page, "sign-in-error")
    summary.get_by_role("link", name="Wrong email or password").click()
    assert page.evaluate("document.activeElement.id") == "password"


def test_navigation_follows_the_role(context: BrowserContext, world: World, on_air: None) -> None:
    approver = context.new_page()
    sign_in(approver, "force_a_approver")
    navigation = approver.get_by_role("navigation", name="Menu")
    assert navigation.get_by_role("link", name="Tonight").get_attribute("aria-current") == "page"
    assert approver.locator("body.js-enabled.govuk-frontend-supported").count() == 1
    screenshot(approver, "tonight")
    approver.get_by_role("button", name="Sign out").click()
    sign_in(approver, "partner_1")
    approver.wait_for_url("**/console")
    names = approver.get_by_role("navigation", name="Menu").get_by_role("link").all_inner_texts()
    for police_only in ("Campaigns", "Approvals", "Schedules"):
        assert police_only not in names
    screenshot(approver, "tonight-partner")


def test_welsh_persists_and_sets_lang(page: Page, world: World, on_air: None) -> None:
    page.goto("/console/sign-in")
    page.get_by_role("link", name="Cymraeg").click()
    assert page.get_attribute("html", "lang") == "cy"
    screenshot(page, "sign-in-cy")
    page.get_by_label("Cyfeiriad e-bost").fill(email_of("force_a_approver"))
    page.get_by_label("Cyfrinair", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Mewngofnodi").click()
    page.wait_for_url("**/console")
    assert page.get_attribute("html", "lang") == "cy"
    assert page.get_by_role("heading", level=1).inner_text() == "Heno"
    page.reload()
    assert page.get_attribute("html", "lang") == "cy"
    screenshot(page, "tonight-cy")
    page.get_by_role("link", name="English").click()
    assert page.get_attribute("html", "lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Tonight"


def test_sign_out_ends_the_session(page: Page, world: World) -> None:
    sign_in(page, "force_a_editor")
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
    problems = {"sign-in": serious_violations(page)}
    page.locator("#email").fill(email_of("force_a_approver"))
    page.locator("#password").fill("wrong password")
    page.locator("form button[type=submit]").click()
    page.wait_for_selector(".govuk-error-summary")
    problems["sign-in error"] = serious_violations(page)
    page.locator("#password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/console")
    problems["tonight"] = serious_violations(page)
    assert problems == {name: [] for name in problems}
