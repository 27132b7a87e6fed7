"""A whole journey with the keyboard alone, in a real Chromium: sign in, approve a creative
with the Approvals queue, build a closing-time schedule with the form and save it, then sign
out. Only Tab, Shift+Tab, Space, Enter, the arrow keys and typed text: no clicks, no fills.
Every control the journey needs must be reachable and operable in the page's focus order."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page

from tests.console.browser.pages import screenshot
from tests.console.console_helpers import email_of
from tests.factories import PASSWORD, World, make_campaign, make_screen, make_venue, upload_creative

MOST_TABS = 400  # the schedule form has many inputs; a focus trap would exceed this


def _tab_to(page: Page, selector: str) -> None:
    """Press Tab until the focused element matches ``selector`` (wrapping round once)."""
    for _ in range(MOST_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            return
    pytest.fail(f"Tab never reached {selector}")


def _focused(page: Page) -> str:
    return str(page.evaluate("document.activeElement.outerHTML.slice(0, 200)"))


@pytest.fixture
def pending(client: TestClient, world: World) -> dict[str, Any]:
    venue = make_venue(client, world)
    make_screen(client, world, venue["id"])
    campaign = make_campaign(client, world, name="Walk Away")
    return upload_creative(client, world, campaign["id"], name="Walk Away poster")


def test_approve_and_schedule_with_the_keyboard_alone(
    page: Page, world: World, pending: dict[str, Any]
) -> None:
    page.goto("/console")
    _tab_to(page, "#email")
    page.keyboard.type(email_of("force_a_approver"))
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/console")

    # Approvals, from the main navigation.
    _tab_to(page, "a[href='/console/approvals']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/approvals")
    _tab_to(page, f"form[action$='{pending['id']}/approve'] button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/approvals?done=*")
    assert (
        "You approved Walk Away poster" in page.locator(".govuk-notification-banner").inner_text()
    )

    # A schedule: Friday and Saturday from 1 hour before closing until 30 minutes after.
    _tab_to(page, "a[href='/console/schedules']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/schedules")
    _tab_to(page, "a[href='/console/schedules/new']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/schedules/new")
    _tab_to(page, "#name")
    page.keyboard.type("Closing time, by keyboard")
    _tab_to(page, f"input[name='creative_ids'][value='{pending['id']}']")
    page.keyboard.press("Space")
    _tab_to(page, "input[name='window-1-days'][value='fri']")
    page.keyboard.press("Space")
    _tab_to(page, "input[name='window-1-days'][value='sat']")
    page.keyboard.press("Space")
    for end, steps, direction_steps in (("start", 4, 0), ("end", 2, 1)):
        # The radios are one stop: arrows move within them (clock -> opening -> closing).
        _tab_to(page, f"input[name='window-1-{end}-kind']")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        _tab_to(page, f"#window-1-{end}-offset")
        for _ in range(steps):  # "Exactly", 15, 30, 45, 1 hour
            page.keyboard.press("ArrowDown")
        _tab_to(page, f"#window-1-{end}-direction")
        for _ in range(direction_steps):
            page.keyboard.press("ArrowDown")
    _tab_to(page, "button[value='save']")
    screenshot(page, "keyboard-schedule")
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/schedules/*?saved=1")
    assert "saved" in page.locator(".govuk-notification-banner").inner_text(), _focused(page)
    assert page.locator("input[name='window-1-start-kind'][value='close']").is_checked()
    assert page.locator("#window-1-start-offset").input_value() == "60"
    assert page.locator("#window-1-end-offset").input_value() == "30"
    assert page.locator("#window-1-end-direction").input_value() == "after"

    # And out again.
    _tab_to(page, ".console-sign-out__button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/sign-in*")
