"""Week at a glance and Preview in a real Chromium: a partner opens their screen's week (the
autumn night drawn 25 hours long), previews the screen at a Saturday evening and sees the
thumbnail of the poster the poll would return then; a police editor opens the schedule's
week. Every page passes axe in English and Welsh."""

from typing import Any

import httpx
from playwright.sync_api import Page

from tests.console.browser.pages import check, image_loaded, sign_in
from tests.factories import (
    World,
    make_campaign,
    make_screen,
    make_venue,
    png_bytes,
    schedule_body,
    upload_creative,
)
from tests.live import LiveServer

ALL_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _seed(api: httpx.Client, world: World) -> dict[str, Any]:
    """The Crown's bar screen, and a poster on it from 20:00 to 04:00 every night."""
    venue = make_venue(api, world)  # type: ignore[arg-type]  # the same calls as a TestClient's
    screen = make_screen(api, world, venue["id"], name="Bar screen")  # type: ignore[arg-type]
    campaign = make_campaign(api, world)  # type: ignore[arg-type]
    creative = upload_creative(
        api,  # type: ignore[arg-type]
        world,
        campaign["id"],
        name="Walk home safe",
        content=png_bytes(320, 180, (200, 30, 30)),
    )
    api.post(
        f"/v1/creatives/{creative['id']}/approve", headers=world.headers("force_a_approver")
    ).raise_for_status()
    windows = [{"days": ALL_DAYS, "start": "20:00", "end": "04:00"}]
    body = schedule_body([creative["id"]], name="Walk home evenings", windows=windows)
    schedule = api.post(
        "/v1/schedules", json={**body, "start_date": None}, headers=world.headers("force_a_editor")
    )
    schedule.raise_for_status()
    return {"screen": screen, "creative": creative, "schedule": schedule.json()}


def test_a_screens_week_and_its_preview(page: Page, live_server: LiveServer, world: World) -> None:
    with httpx.Client(base_url=live_server.url) as api:
        seeded = _seed(api, world)
    sign_in(page, "partner_1")
    page.wait_for_url("**/console")
    page.get_by_role("link", name="Screens", exact=True).click()
    page.get_by_role("link", name="Bar screen").click()

    # The week at a glance, from Wednesday 21 October 2026: Saturday's night is 25 hours.
    page.get_by_role("link", name="Week at a glance").click()
    page.wait_for_url("**/week")
    page.get_by_label("First night of the week").fill("2026-10-21")
    page.get_by_role("button", name="Show week").click()
    page.wait_for_url("**/week?from=2026-10-21")
    grid = page.locator("svg.console-week__grid")
    assert grid.is_visible()
    widths = grid.locator(".console-week__track").evaluate_all(
        "rects => rects.map(r => r.getBBox().width)"
    )
    assert widths[3] > widths[2] == widths[4]  # the 25-hour night is longer
    assert round(widths[3] / widths[2], 3) == round(25 / 24, 3)
    table = page.locator("#week-table").inner_text()
    assert "25-hour night: the clocks go back at 02:00 on 25 October" in table
    assert "9 hours" in table
    check(page, "screen-week")

    # Preview the screen at 21:30 on Saturday 5 December 2026.
    page.get_by_role("link", name="Back to Bar screen").click()
    page.get_by_role("button", name="Preview").click()
    page.wait_for_url("**/console/preview?screen_id=*")
    assert page.get_by_label("Screen").input_value() == seeded["screen"]["id"]
    page.get_by_label("Date").fill("2026-12-05")
    page.get_by_label("Time").fill("21:30")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_url("**/console/preview?*time=21*")
    playing = page.locator("#playing .console-preview__creative")
    assert playing.count() == 1
    assert playing.get_attribute("data-creative-id") == seeded["creative"]["id"]
    thumbnail = playing.locator("img")
    assert thumbnail.get_attribute("alt") == "Preview of Walk home safe"
    assert image_loaded(thumbnail)
    assert "Until Sunday 6 December, 04:00" in page.locator("#answer").inner_text()
    check(page, "preview")

    # The schedule's week, for police staff.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/console/sign-in*")
    sign_in(page, "force_a_editor")
    page.wait_for_url("**/console")
    page.goto(f"/console/schedules/{seeded['schedule']['id']}/week?from=2027-03-27")
    assert page.get_by_label("Venue").input_value() == seeded["screen"]["venue_id"]
    assert (
        "23-hour night: the clocks go forward at 01:00 on 28 March"
        in page.locator("#week-table").inner_text()
    )
    check(page, "schedule-week")
