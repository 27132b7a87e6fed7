"""Schedules in a real Chromium: an editor builds a past-midnight schedule relative to closing
time ("from 1 hour before closing until 30 minutes after") with the form's radios and selects,
sees the live count of screens, checks its reach before saving, then saves it; every page
passes axe in English and Welsh."""

from typing import Any

from playwright.sync_api import Page, expect

from tests.console.browser.pages import check, sign_in
from tests.factories import World, make_screen, make_venue


def _relative_to_closing(page: Page, end: str, how_long: str, direction: str) -> None:
    page.locator(f"input[name='window-1-{end}-kind'][value='close']").check()
    page.locator(f"#window-1-{end}-offset").select_option(label=how_long)
    page.locator(f"#window-1-{end}-direction").select_option(label=direction)


def test_an_editor_builds_a_closing_time_schedule(
    page: Page, world: World, client: Any, approved_creative: dict[str, Any]
) -> None:
    venue = make_venue(client, world)
    make_screen(client, world, venue["id"])
    sign_in(page, "force_a_editor")
    page.wait_for_url("**/console")
    page.get_by_role("link", name="Schedules").click()
    check(page, "schedules-empty")
    page.get_by_role("button", name="Create schedule").click()
    page.wait_for_url("**/console/schedules/new")
    # The live count comes as soon as the form's script runs: nothing chosen is the whole area.
    expect(page.locator("#screens-count")).to_have_text("This targeting reaches 1 screen.")
    check(page, "schedule-new")

    page.get_by_label("Schedule name").fill("Walk Away at closing time")
    page.get_by_label(approved_creative["name"]).check()
    window = page.locator("#window-1")
    window.get_by_label("Friday").check()
    window.get_by_label("Saturday").check()
    window.get_by_label("Bank-holiday eve").check()
    _relative_to_closing(page, "start", "1 hour", "Before")
    _relative_to_closing(page, "end", "30 minutes", "After")
    page.locator("#venue_kinds").check()  # the first kind: Pub
    expect(page.locator("#screens-count")).to_have_text("This targeting reaches 1 screen.")
    page.get_by_label("Priority", exact=True).fill("60")

    page.get_by_role("button", name="Check reach").click()
    reach = page.locator("#reach")
    expect(reach).to_contain_text("Reach in the next 7 days")
    assert "1" in page.locator("#reach-figures").inner_text()
    check(page, "schedule-reach", welsh=False)  # a POST's answer

    page.get_by_role("button", name="Save schedule").click()
    page.wait_for_url("**/console/schedules/*?saved=1")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("saved")
    check(page, "schedule")
    schedule_url = page.url.split("?")[0]

    # Its week: Friday and Saturday nights at the pub, past midnight (close 02:00 and 03:00).
    page.get_by_role("link", name="Week at a glance").click()
    page.wait_for_url("**/week*")
    table = page.locator("table").last.inner_text()
    for time in ("01:00", "02:30", "02:00", "03:30"):  # Friday 01:00-02:30, Saturday 02:00-03:30
        assert time in table, table
    assert page.locator("svg").count() >= 1
    page.goto(schedule_url)
    page.get_by_role("link", name="Back to schedules").click()
    expect(page.locator("#schedules")).to_contain_text(
        "from 1 hour before closing until 30 minutes after closing"
    )
    check(page, "schedules")
