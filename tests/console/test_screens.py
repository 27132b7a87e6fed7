"""The Screens pages: the fleet table (status, filters, sorting, paging in SQL), Add screen
by the code shown on the screen, a screen's page (rename and tag, rotate its token, revoke
it, what it plays tonight), and who may see and change what."""

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from signage.core.types import utcnow
from tests.console.console_helpers import signed_in
from tests.factories import World, make_screen, make_venue

ROW = re.compile(r'<a class="govuk-link" href="/console/screens/([^"/]+)">([^<]+)</a>')


def _rows(html: str) -> list[str]:
    return [name for screen_id, name in ROW.findall(html) if screen_id != "add"]


@pytest.fixture
def fleet(client: TestClient, world: World) -> dict[str, Any]:
    """Partner 1: a pub in force A's area with 120 screens; partner 2: a takeaway in force
    B's area with one screen."""
    pub = make_venue(client, world, name="The Crown")
    screens = [make_screen(client, world, pub["id"], name=f"Screen {n:03d}") for n in range(120)]
    takeaway = make_venue(
        client,
        world,
        "partner_2",
        name="Late Bites",
        kind="takeaway",
        force_id=world.org_id("force_b"),
        nation="scotland",
    )
    other = make_screen(client, world, takeaway["id"], "partner_2", name="Counter screen")
    return {"pub": pub, "screens": screens, "takeaway": takeaway, "other": other}


def test_the_fleet_pages_fifty_at_a_time(
    client: TestClient, world: World, fleet: dict[str, Any]
) -> None:
    signed_in(client, world, "partner_1")
    first = client.get("/console/screens")
    assert first.status_code == 200
    assert "120 screens" in first.text
    assert _rows(first.text) == [f"Screen {n:03d}" for n in range(50)]
    third = client.get("/console/screens?page=3")
    assert _rows(third.text) == [f"Screen {n:03d}" for n in range(100, 120)]
    assert "Page 3 of 3" in third.text
    assert "Counter screen" not in first.text + third.text


def test_the_fleet_is_read_in_a_few_queries(
    app: FastAPI, client: TestClient, world: World, fleet: dict[str, Any]
) -> None:
    signed_in(client, world, "partner_1")
    engine: Engine = app.state.engine
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get("/console/screens?page=2").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    fleet_queries = [s for s in statements if "screens" in s.lower()]
    # The session, the count, the page (and no query per row).
    assert len(fleet_queries) <= 4, fleet_queries


def test_the_fleet_sorts_by_a_column(
    client: TestClient, world: World, fleet: dict[str, Any]
) -> None:
    signed_in(client, world, "partner_1")
    page = client.get("/console/screens?sort=-name")
    assert _rows(page.text)[:2] == ["Screen 119", "Screen 118"]
    assert 'aria-sort="descending"' in page.text
    assert "sort=-name" in client.get("/console/screens?sort=-name&page=2").text


def test_the_fleet_filters_by_status(
    client: TestClient, world: World, fleet: dict[str, Any]
) -> None:
    screen = fleet["screens"][7]
    # A screen that has polled is online.
    poll = client.get(
        "/v1/player/playlist", headers={"Authorization": f"Bearer {screen['device_token']}"}
    )
    assert poll.status_code == 200, poll.text
    client.app.state.seen.flush(client.app.state.engine)  # type: ignore[attr-defined]
    signed_in(client, world, "partner_1")
    online = client.get("/console/screens?status=online")
    assert _rows(online.text) == ["Screen 007"]
    assert "1 screen" in online.text
    never = client.get("/console/screens?status=never_seen")
    assert "119 screens" in never.text
    assert client.get("/console/screens?status=bogus").status_code == 400


def test_a_force_sees_its_area_only(
    client: TestClient, world: World, fleet: dict[str, Any]
) -> None:
    signed_in(client, world, "force_b_editor")
    page = client.get("/console/screens")
    assert _rows(page.text) == ["Counter screen"]
    assert "/console/screens/add" not in page.text


def test_national_staff_filter_by_kind_and_force(
    client: TestClient, world: World, fleet: dict[str, Any]
) -> None:
    signed_in(client, world, "national_editor")
    takeaways = client.get("/console/screens?kind=takeaway")
    assert _rows(takeaways.text) == ["Counter screen"]
    in_a = client.get(f"/console/screens?force={world.org_id('force_a')}")
    assert "120 screens" in in_a.text


def test_a_partner_has_no_force_filter(
    client: TestClient, world: World, fleet: dict[str, Any]
) -> None:
    signed_in(client, world, "partner_2")
    page = client.get(f"/console/screens?force={world.org_id('force_a')}")
    assert 'name="force"' not in page.text
    assert _rows(page.text) == ["Counter screen"]


def test_last_seen_reported_in_the_buffer_counts(
    client: TestClient, world: World, fleet: dict[str, Any]
) -> None:
    screen = fleet["screens"][0]
    client.app.state.seen.saw(screen["id"], utcnow())  # type: ignore[attr-defined]
    signed_in(client, world, "partner_1")
    page = client.get("/console/screens")
    first_row = page.text.split('href="/console/screens/' + screen["id"], 1)[1].split("</tr>")[0]
    assert "Online" in first_row
