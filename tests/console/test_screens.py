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
from tests.factories import (
    World,
    make_campaign,
    make_screen,
    make_venue,
    schedule_body,
    upload_creative,
)

ALL_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

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


# --- Add screen, a screen's page ----------------------------------------------------------------


def _pair(client: TestClient) -> dict[str, Any]:
    started = client.post("/v1/player/pair", json={"orientation": "portrait", "player": "web/1"})
    assert started.status_code == 201, started.text
    pairing: dict[str, Any] = started.json()
    return pairing


def _claim(client: TestClient, token: str, venue_id: str, code: str) -> Any:
    return client.post(
        "/console/screens/add",
        data={
            "csrf_token": token,
            "user_code": code,
            "venue_id": venue_id,
            "name": "Front bar",
            "tags": "front bar, downstairs",
        },
        follow_redirects=False,
    )


def test_add_screen_claims_the_code_shown_on_the_screen(client: TestClient, world: World) -> None:
    venue = make_venue(client, world)
    pairing = _pair(client)
    token = signed_in(client, world, "partner_1")
    form = client.get("/console/screens/add")
    assert "Code shown on the screen" in form.text
    added = _claim(client, token, venue["id"], pairing["user_code"].lower().replace("-", " "))
    assert added.status_code == 303, added.text
    screen_id = added.headers["location"].rsplit("/", 1)[1]
    api = client.get(f"/v1/screens/{screen_id}", headers=world.headers("partner_1")).json()
    assert api["name"] == "Front bar"
    assert api["tags"] == ["downstairs", "front bar"]
    assert api["orientation"] == "portrait"
    collected = client.post("/v1/player/pair/poll", json={"device_code": pairing["device_code"]})
    assert collected.status_code == 200, collected.text
    page = client.get(f"/console/screens/{screen_id}")
    assert page.status_code == 200
    assert "What plays tonight" in page.text


def test_a_wrong_code_is_an_error_on_the_code_field(client: TestClient, world: World) -> None:
    venue = make_venue(client, world)
    token = signed_in(client, world, "partner_1")
    answer = _claim(client, token, venue["id"], "AAAA-2222")
    assert answer.status_code == 404
    assert 'href="#user_code"' in answer.text
    assert "no screen is waiting with that pairing code" in answer.text


def test_wrong_codes_are_throttled_as_over_the_api(
    app: FastAPI, client: TestClient, world: World
) -> None:
    venue = make_venue(client, world)
    token = signed_in(client, world, "partner_1")
    limit = app.state.settings.max_claim_failures
    for _ in range(limit):
        assert _claim(client, token, venue["id"], "AAAA-2222").status_code == 404
    refused = _claim(client, token, venue["id"], _pair(client)["user_code"])
    assert refused.status_code == 429
    assert "too many wrong pairing codes" in refused.text
    assert int(refused.headers["retry-after"]) > 0
    # The API counts the same failures.
    api = client.post(
        "/v1/screens/claim",
        json={"user_code": "AAAA-2222", "venue_id": venue["id"], "name": "x"},
        headers=world.headers("partner_1"),
    )
    assert api.status_code == 429


def test_a_force_cannot_add_screens(client: TestClient, world: World) -> None:
    venue = make_venue(client, world)
    token = signed_in(client, world, "force_a_editor")
    assert client.get("/console/screens/add").status_code == 403
    assert _claim(client, token, venue["id"], _pair(client)["user_code"]).status_code == 403


def test_a_partner_renames_and_tags_a_screen(client: TestClient, world: World) -> None:
    screen = make_screen(client, world, make_venue(client, world)["id"])
    token = signed_in(client, world, "partner_1")
    saved = client.post(
        f"/console/screens/{screen['id']}",
        data={"csrf_token": token, "name": "Snug", "tags": "quiet, snug"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    api = client.get(f"/v1/screens/{screen['id']}", headers=world.headers("partner_1")).json()
    assert (api["name"], api["tags"]) == ("Snug", ["quiet", "snug"])
    bad = client.post(
        f"/console/screens/{screen['id']}", data={"csrf_token": token, "name": " ", "tags": "!"}
    )
    assert bad.status_code == 422
    assert 'href="#name"' in bad.text
    assert 'href="#tags"' in bad.text


def test_rotating_the_token_shows_it_once_uncached(client: TestClient, world: World) -> None:
    screen = make_screen(client, world, make_venue(client, world)["id"])
    token = signed_in(client, world, "partner_1")
    rotated = client.post(f"/console/screens/{screen['id']}/token", data={"csrf_token": token})
    assert rotated.status_code == 200
    assert "no-store" in rotated.headers["cache-control"]
    new = re.search(r'<code id="device-token">([^<]+)</code>', rotated.text)
    assert new
    old = client.get(
        "/v1/player/playlist", headers={"Authorization": f"Bearer {screen['device_token']}"}
    )
    assert old.status_code == 401
    fresh = client.get("/v1/player/playlist", headers={"Authorization": f"Bearer {new[1]}"})
    assert fresh.status_code == 200
    assert new[1] not in client.get(f"/console/screens/{screen['id']}").text


def test_revoking_asks_first_then_revokes(client: TestClient, world: World) -> None:
    screen = make_screen(client, world, make_venue(client, world)["id"])
    token = signed_in(client, world, "partner_1")
    confirm = client.get(f"/console/screens/{screen['id']}/revoke")
    assert confirm.status_code == 200
    assert "Yes, revoke this screen" in confirm.text
    done = client.post(
        f"/console/screens/{screen['id']}/revoke",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert client.get(f"/console/screens/{screen['id']}").status_code == 404
    api = client.get(f"/v1/screens/{screen['id']}", headers=world.headers("partner_1"))
    assert api.status_code == 404


def test_another_partners_screen_is_not_found(client: TestClient, world: World) -> None:
    screen = make_screen(client, world, make_venue(client, world, "partner_2")["id"], "partner_2")
    token = signed_in(client, world, "partner_1")
    for path in ("", "/revoke"):
        assert client.get(f"/console/screens/{screen['id']}{path}").status_code == 404
    for path in ("", "/token", "/revoke"):
        posted = client.post(
            f"/console/screens/{screen['id']}{path}", data={"csrf_token": token, "name": "x"}
        )
        assert posted.status_code == 404, path


def test_a_force_reads_a_screen_but_cannot_change_it(client: TestClient, world: World) -> None:
    screen = make_screen(client, world, make_venue(client, world)["id"])
    token = signed_in(client, world, "force_a_editor")
    page = client.get(f"/console/screens/{screen['id']}")
    assert page.status_code == 200
    assert "What plays tonight" in page.text
    assert 'method="post" action="/console/screens/' not in page.text
    assert client.get(f"/console/screens/{screen['id']}/revoke").status_code == 403
    for path in ("", "/token", "/revoke"):
        posted = client.post(
            f"/console/screens/{screen['id']}{path}", data={"csrf_token": token, "name": "x"}
        )
        assert posted.status_code == 403, path


def test_screen_forms_need_the_csrf_token(client: TestClient, world: World) -> None:
    screen = make_screen(client, world, make_venue(client, world)["id"])
    signed_in(client, world, "partner_1")
    for path in ("", "/token", "/revoke"):
        posted = client.post(f"/console/screens/{screen['id']}{path}", data={"name": "x"})
        assert posted.status_code == 403, path
    assert client.post("/console/screens/add", data={"user_code": "x"}).status_code == 403
    api = client.get(f"/v1/screens/{screen['id']}", headers=world.headers("partner_1"))
    assert api.json()["name"] == "Bar screen"


def test_what_plays_tonight_lists_the_creatives_in_venue_time(
    client: TestClient, world: World
) -> None:
    screen = make_screen(client, world, make_venue(client, world)["id"])
    campaign = make_campaign(client, world)
    creative = upload_creative(client, world, campaign["id"], name="Walk home safe")
    client.post(
        f"/v1/creatives/{creative['id']}/approve", headers=world.headers("force_a_approver")
    ).raise_for_status()
    all_day = [{"days": ALL_DAYS, "start": "00:00", "end": "00:00"}]
    body = schedule_body([creative["id"]], name="All day", windows=all_day)
    created = client.post("/v1/schedules", json=body, headers=world.headers("force_a_editor"))
    assert created.status_code == 201, created.text
    signed_in(client, world, "partner_1")
    page = client.get(f"/console/screens/{screen['id']}")
    timeline = page.text.split('id="timeline"', 1)[1].split("</table>")[0]
    assert "Walk home safe" in timeline
    assert re.search(r"\d\d:\d\d", timeline)
