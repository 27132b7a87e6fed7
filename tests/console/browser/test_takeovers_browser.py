"""Takeovers and the Audit log in a real Chromium: an editor takes over a venue's screens (the
form's errors first), a second person, an approver, confirms it; one screen fetches and plays
it, the other stays quiet, and the delivery report says so; the editor ends it after the
confirmation page, and the audit log lists every step. Every page passes axe in English and
Welsh, with screenshots in test-artifacts/console-takeover*.png and console-audit*.png."""

from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect
from sqlalchemy import Engine

from tests.console.browser.pages import check, sign_in
from tests.factories import World, make_screen, play_record, post_plays
from tests.takeovers.helpers import playing_now, scene

REASON = "Serious assault in the city centre; de-escalation message tonight"


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/console/sign-in*")


def test_take_over_confirm_deliver_end_and_audit(
    page: Page, world: World, client: TestClient, app: FastAPI, engine: Engine
) -> None:
    here = scene(client, world)
    for creative, name in ((here.ordinary, "Walk Away poster"), (here.urgent, "Go home safe")):
        client.patch(
            f"/v1/creatives/{creative['id']}",
            json={"name": name},
            headers=world.headers("force_a_editor"),
        ).raise_for_status()
    make_screen(client, world, here.venue["id"], name="Back bar")  # never polls
    sign_in(page, "force_a_editor")
    page.wait_for_url("**/console")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Takeovers").click()
    page.wait_for_url("**/console/takeovers")
    check(page, "takeovers-empty")
    page.get_by_role("button", name="Take over screens").click()
    page.wait_for_url("**/console/takeovers/new")
    # The end is filled in (tonight, 04:00 UK time, at most 12 hours away).
    assert page.locator("#end-date").input_value()
    assert page.locator("#end-time").input_value()
    assert page.get_by_label("Needs a second approver’s confirmation (recommended)").is_checked()
    check(page, "takeover-new")

    # Nothing chosen and no reason: the error summary, whose links reach the fields.
    page.locator("#submit").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select at least one approved creative to show")
    expect(summary).to_contain_text("Enter why the screens are being taken over")
    assert page.title().startswith("Error:")
    summary.get_by_role("link", name="Enter why the screens are being taken over").click()
    assert page.evaluate("document.activeElement.id") == "reason"
    check(page, "takeover-errors", welsh=False)  # a POST's answer

    page.get_by_label("Go home safe").check()
    page.get_by_label("Pub").check()
    page.get_by_label("Why the screens are being taken over").fill(REASON)
    page.locator("#submit").click()
    page.wait_for_url("**/console/takeovers/*?done=created")
    expect(page.locator("#done")).to_contain_text("Takeover created.")
    expect(page.locator("#details")).to_contain_text("Pending")
    assert page.get_by_role("button", name="Confirm takeover").count() == 0
    check(page, "takeover-pending")
    takeover_url = page.url.split("?")[0]
    _sign_out(page)

    # A second person confirms it: it goes on air.
    sign_in(page, "force_a_approver")
    page.wait_for_url("**/console")
    page.goto(takeover_url)
    page.get_by_role("button", name="Confirm takeover").click()
    page.wait_for_url("**/console/takeovers/*?done=confirmed")
    expect(page.locator("#details")).to_contain_text("Active")
    assert playing_now(client, here.screen) == [here.urgent["id"]]  # fetched the takeover
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    assert post_plays(client, here.screen, [play_record(here.urgent["id"], now)]).json()["accepted"]
    app.state.deliveries.flush(engine)
    page.reload()
    table = page.locator("#delivery-screens")
    expect(table.locator("tr", has_text=here.screen["name"])).to_contain_text("Played")
    expect(table.locator("tr", has_text="Back bar")).to_contain_text("Waiting")
    expect(page.locator("#delivery-summary")).to_contain_text("Played")
    check(page, "takeover-active")
    page.get_by_role("link", name="Back to takeovers").click()
    expect(page.locator("#takeovers")).to_contain_text("Active")
    check(page, "takeovers")
    _sign_out(page)

    # The editor ends it, after the confirmation page.
    sign_in(page, "force_a_editor")
    page.wait_for_url("**/console")
    page.goto(takeover_url)
    page.get_by_role("button", name="End takeover now").click()
    page.wait_for_url("**/end")
    check(page, "takeover-end")
    page.get_by_label("Why it is ending (optional)").fill("Incident over")
    page.get_by_role("button", name="Yes, end it now").click()
    page.wait_for_url("**/console/takeovers/*?done=ended")
    expect(page.locator("#details")).to_contain_text("Stopped early")
    assert playing_now(client, here.screen) == [here.ordinary["id"]]
    check(page, "takeover-ended")

    # Every step in the audit log, newest first.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Audit log").click()
    page.wait_for_url("**/console/audit")
    entries = page.locator("#entries tbody tr")
    expect(entries.nth(0)).to_contain_text("Ended takeover")
    expect(entries.nth(0)).to_contain_text("Reason: Incident over")
    expect(entries.nth(1)).to_contain_text("Confirmed takeover")
    expect(entries.nth(2)).to_contain_text("Created takeover")
    check(page, "audit")
    page.get_by_label("From").fill("2026-12-10")
    page.get_by_label("To", exact=True).fill("2026-12-01")
    page.get_by_role("button", name="Show entries").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("must be the same as or after")
    check(page, "audit-errors")
