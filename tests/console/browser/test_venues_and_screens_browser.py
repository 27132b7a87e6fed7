"""Venues and Screens in a real Chromium: a partner registers a venue that closes after
midnight, opens the web player in a second page, types the code it shows into Add screen,
and the player leaves its pairing view; every new page passes axe-core's WCAG 2.2 AA checks
(no serious or critical violation) in English and Welsh.

One browser for the module, SQLite only, as in test_browser.py.
"""

from typing import Any

from fastapi.testclient import TestClient
from playwright.sync_api import BrowserContext

from tests.console.browser.pages import check
from tests.console.console_helpers import email_of
from tests.factories import (
    PASSWORD,
    World,
    make_campaign,
    png_bytes,
    schedule_body,
    upload_creative,
)
from tests.live import LiveServer
from tests.player.web_helpers import player_state


def _walk_away_all_day(client: TestClient, world: World) -> dict[str, Any]:
    """Force A's Walk Away poster, approved, on air all day on every screen in its area."""
    campaign = make_campaign(client, world)
    poster = upload_creative(client, world, campaign["id"], content=png_bytes(160, 90))
    client.post(
        f"/v1/creatives/{poster['id']}/approve", headers=world.headers("force_a_approver")
    ).raise_for_status()
    every_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    client.post(
        "/v1/schedules",
        json=schedule_body(
            [poster["id"]],
            name="Walk Away",
            windows=[{"days": every_day, "start": "00:00", "end": "00:00"}],
            start_date=None,
        ),
        headers=world.headers("force_a_editor"),
    ).raise_for_status()
    return poster


def test_a_partner_adds_a_venue_and_pairs_a_screen_by_its_code(
    context: BrowserContext, live_server: LiveServer, world: World, client: TestClient
) -> None:
    poster = _walk_away_all_day(client, world)
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
    check(console, "venue-errors", welsh=False)  # a POST's answer
    console.get_by_label("Venue name").fill("The Swan")
    console.get_by_label("Kind of venue").select_option("pub")
    console.get_by_label("Police force area").select_option(world.org_id("force_a"))
    console.get_by_label("Nation").select_option("england")
    console.get_by_label("Friday opens at").fill("18:00")
    console.get_by_label("Friday closes at").fill("02:00")
    console.get_by_role("button", name="Add venue").click()
    console.wait_for_url("**/console/venues/*")
    assert console.get_by_label("Friday closes at").input_value() == "02:00"
    check(console, "venue")
    console.get_by_role("link", name="Back to venues").click()
    assert "18:00 to 02:00" in console.locator("#venues").inner_text()
    check(console, "venues")

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
    check(console, "screens-empty")
    console.get_by_role("button", name="Add screen").click()
    check(console, "screen-add")
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
    # ...and starts playing what is on air in the venue's force area: Walk Away.
    player.wait_for_function(
        f"() => {{ const s = window.signagePlayer.state();"
        f" return s.mode === 'playing' && s.creativeId === '{poster['id']}'; }}",
        timeout=30_000,
    )
    check(console, "screen")

    console.get_by_role("link", name="Back to screens").click()
    assert "Front bar" in console.locator("#fleet").inner_text()
    check(console, "screens")

    # Revoking asks first.
    console.get_by_role("link", name="Front bar").click()
    console.get_by_role("button", name="Revoke screen").click()
    check(console, "screen-revoke")
    console.get_by_role("button", name="Yes, revoke this screen").click()
    console.wait_for_url("**/console/screens")
    assert "Front bar" not in console.content()
