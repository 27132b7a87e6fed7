"""Takeovers over the API: the two-person rule, break glass, ending, tenancy and the audit log."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from signage.core.db import session_scope
from signage.core.roles import Role
from signage.takeovers.models import Takeover
from signage.takeovers.service import record_ends, screen_count, targeted_screens
from tests.conftest import SECRET
from tests.factories import (
    World,
    add_person,
    assert_problem,
    device_headers,
    make_campaign,
    make_screen,
    make_venue,
    png_bytes,
    post_creative,
)
from tests.takeovers.helpers import Scene, instant, playing_now, scene, takeover_body


@pytest.fixture
def here(client: TestClient, world: World) -> Scene:
    return scene(client, world)


def _create(
    client: TestClient, world: World, body: dict[str, Any], persona: str = "force_a_editor"
) -> dict[str, Any]:
    response = client.post("/v1/takeovers", json=body, headers=world.headers(persona))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _audit(client: TestClient, world: World, persona: str, **query: str) -> list[dict[str, Any]]:
    response = client.get("/v1/audit", params=query, headers=world.headers(persona))
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()
    return entries


def test_two_people_start_a_takeover_and_it_outranks_every_schedule(
    client: TestClient, world: World, here: Scene
) -> None:
    assert playing_now(client, here.screen) == [here.ordinary["id"]]
    created = _create(client, world, takeover_body(here))
    assert created["state"] == "pending"
    assert [s["id"] for s in created["screens"]] == [here.screen["id"]]
    # Pending: nothing changes on screen until the second person says yes.
    assert playing_now(client, here.screen) == [here.ordinary["id"]]

    url = f"/v1/takeovers/{created['id']}/confirm"
    editor = client.post(url, headers=world.headers("force_a_editor"))
    assert_problem(editor, 403, "approver")
    confirmed = client.post(url, headers=world.headers("force_a_approver"))
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["state"] == "active"
    assert confirmed.json()["confirmed_by"] == world.users["force_a_approver"].id
    assert playing_now(client, here.screen) == [here.urgent["id"]]
    again = client.post(url, headers=world.headers("force_a_approver"))
    assert_problem(again, 409, "already confirmed")

    entries = _audit(client, world, "force_a_editor", object_id=created["id"])
    assert [e["what"] for e in reversed(entries)] == ["takeover.created", "takeover.confirmed"]
    assert entries[0]["who"]["email"] == "force.a.approver@example.org"
    assert entries[1]["who"]["email"] == "force.a.editor@example.org"
    assert entries[1]["object"] == {"kind": "takeover", "id": created["id"]}
    assert entries[1]["detail"]["reason"].startswith("Serious assault")


def test_the_creator_never_confirms_their_own_takeover(
    client: TestClient, world: World, engine: Engine, here: Scene
) -> None:
    created = _create(client, world, takeover_body(here), persona="force_a_approver")
    own = client.post(
        f"/v1/takeovers/{created['id']}/confirm", headers=world.headers("force_a_approver")
    )
    assert_problem(own, 403, "second person")
    add_person(
        world,
        engine,
        persona="force_a_approver_2",
        org_key="force_a",
        role=Role.approver,
        secret=SECRET,
    )
    other = client.post(
        f"/v1/takeovers/{created['id']}/confirm", headers=world.headers("force_a_approver_2")
    )
    assert other.status_code == 200, other.text
    assert other.json()["state"] == "active"


def test_break_glass_starts_at_once_and_ends_unless_confirmed_in_15_minutes(
    client: TestClient, world: World, engine: Engine, here: Scene
) -> None:
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=True):
        created = _create(client, world, takeover_body(here, break_glass=True))
        assert created["state"] == "active"
        assert created["break_glass"] is True
        deadline = datetime.fromisoformat(created["confirm_by"])
        assert timedelta(minutes=14) < deadline - start <= timedelta(minutes=15, seconds=5)
        assert created["ending_at"] == created["confirm_by"]
        assert playing_now(client, here.screen) == [here.urgent["id"]]
    entries = _audit(client, world, "force_a_editor", object_id=created["id"])
    assert [e["what"] for e in entries] == ["takeover.break_glass"]
    assert entries[0]["detail"]["reason"].startswith("Serious assault")

    with time_machine.travel(start + timedelta(minutes=16), tick=True):
        read = client.get(f"/v1/takeovers/{created['id']}", headers=world.headers("force_a_editor"))
        assert read.json()["state"] == "ended"
        assert read.json()["end_reason"] == "not_confirmed"
        assert playing_now(client, here.screen) == [here.ordinary["id"]]
        late = client.post(
            f"/v1/takeovers/{created['id']}/confirm", headers=world.headers("force_a_approver")
        )
        assert_problem(late, 409, "ended")
        for session in session_scope(engine):
            assert record_ends(session, datetime.now(UTC)) == 1
        for session in session_scope(engine):
            assert record_ends(session, datetime.now(UTC)) == 0  # once only
        entries = _audit(client, world, "force_a_editor", object_id=created["id"])
    assert entries[0]["what"] == "takeover.not_confirmed"
    assert entries[0]["who"] == {"user_id": None, "email": None}
    # Recorded at the instant it ended, not when the job noticed.
    assert datetime.fromisoformat(entries[0]["when"]) == deadline


def test_a_confirmed_break_glass_takeover_runs_to_its_end_then_ends_by_itself(
    client: TestClient, world: World, engine: Engine, here: Scene
) -> None:
    # Within the test tokens' hour.
    start = datetime.now(UTC)
    ends = start + timedelta(minutes=40)
    with time_machine.travel(start, tick=True):
        created = _create(
            client, world, takeover_body(here, break_glass=True, ends_at=instant(ends))
        )
        confirmed = client.post(
            f"/v1/takeovers/{created['id']}/confirm", headers=world.headers("force_a_approver")
        )
        assert confirmed.json()["ending_at"] == confirmed.json()["ends_at"]
    with time_machine.travel(start + timedelta(minutes=20), tick=True):
        assert playing_now(client, here.screen) == [here.urgent["id"]]
    with time_machine.travel(ends + timedelta(seconds=1), tick=True):
        read = client.get(f"/v1/takeovers/{created['id']}", headers=world.headers("force_a_editor"))
        assert (read.json()["state"], read.json()["end_reason"]) == ("ended", "expired")
        assert playing_now(client, here.screen) == [here.ordinary["id"]]
        for session in session_scope(engine):
            assert record_ends(session, datetime.now(UTC)) == 1
        entries = _audit(client, world, "force_a_editor", object_id=created["id"])
    assert entries[0]["what"] == "takeover.expired"


def test_the_playlist_already_holds_the_end_so_screens_go_back_offline(
    client: TestClient, world: World, here: Scene
) -> None:
    ends = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    created = _create(client, world, takeover_body(here, ends_at=instant(ends)))
    client.post(f"/v1/takeovers/{created['id']}/confirm", headers=world.headers("force_a_approver"))
    body = client.get("/v1/player/playlist", headers=device_headers(here.screen)).json()
    first, second = body["timeline"][0], body["timeline"][1]
    assert [i["creative_id"] for i in first["items"]] == [here.urgent["id"]]
    assert datetime.fromisoformat(first["ends_at"].replace("Z", "+00:00")) == ends
    assert body["next_change_at"] == first["ends_at"]
    assert [i["creative_id"] for i in second["items"]] == [here.ordinary["id"]]
    assert here.urgent["id"] in body["media"]


def test_ending_early_puts_the_schedule_back_and_is_audited(
    client: TestClient, world: World, here: Scene
) -> None:
    created = _create(client, world, takeover_body(here, break_glass=True))
    assert playing_now(client, here.screen) == [here.urgent["id"]]
    url = f"/v1/takeovers/{created['id']}/end"
    ended = client.post(url, json={"reason": "All quiet"}, headers=world.headers("force_a_editor"))
    assert ended.status_code == 200, ended.text
    assert (ended.json()["state"], ended.json()["end_reason"]) == ("ended", "ended_early")
    assert playing_now(client, here.screen) == [here.ordinary["id"]]
    assert_problem(client.post(url, headers=world.headers("force_a_editor")), 409, "ended")
    entries = _audit(client, world, "force_a_editor", object_id=created["id"])
    assert entries[0]["what"] == "takeover.ended"
    assert entries[0]["detail"] == {"reason": "All quiet"}


def test_a_takeover_for_later_waits_for_its_start(
    client: TestClient, world: World, here: Scene
) -> None:
    start = datetime.now(UTC)
    body = takeover_body(
        here,
        starts_at=instant(start + timedelta(minutes=20)),
        ends_at=instant(start + timedelta(minutes=50)),
    )
    created = _create(client, world, body)
    confirmed = client.post(
        f"/v1/takeovers/{created['id']}/confirm", headers=world.headers("force_a_approver")
    )
    assert confirmed.json()["state"] == "pending"
    assert playing_now(client, here.screen) == [here.ordinary["id"]]
    with time_machine.travel(start + timedelta(minutes=21), tick=True):
        assert playing_now(client, here.screen) == [here.urgent["id"]]
        read = client.get(f"/v1/takeovers/{created['id']}", headers=world.headers("force_a_editor"))
        assert read.json()["state"] == "active"


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"ends_at": None}, "ends_at"),
        ({"reason": "   "}, "why"),
        ({"creative_ids": []}, "creative_ids"),
        ({"hours": 13}, "12 hours"),
        ({"target": {"venue_kinds": ["transport_hub"]}}, "reaches no screens"),
        ({"break_glass": True, "starts_in": 2}, "break glass"),
        ({"starts_in": -1}, "past"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_takeovers_are_422_with_a_message(
    client: TestClient, world: World, here: Scene, change: dict[str, Any], fragment: str
) -> None:
    now = datetime.now(UTC)
    body = takeover_body(here)
    change = dict(change)  # shared by the parametrised runs
    if "hours" in change:
        body["ends_at"] = instant(now + timedelta(hours=change.pop("hours")))
    if "starts_in" in change:
        body["starts_at"] = instant(now + timedelta(hours=change.pop("starts_in")))
    body.update(change)
    if body.get("ends_at") is None:
        body.pop("ends_at")
    response = client.post("/v1/takeovers", json=body, headers=world.headers("force_a_editor"))
    assert_problem(response, 422, fragment)


def test_only_approved_creatives_take_over(client: TestClient, world: World, here: Scene) -> None:
    campaign = make_campaign(client, world, name="Draft")
    draft = post_creative(client, world, campaign["id"], content=png_bytes(160, 90, (1, 2, 3)))
    body = takeover_body(here, creative_ids=[draft.json()["id"]])
    response = client.post("/v1/takeovers", json=body, headers=world.headers("force_a_editor"))
    assert_problem(response, 422, "approved")


def test_a_creative_out_of_its_validity_is_refused(
    client: TestClient, world: World, here: Scene
) -> None:
    campaign = make_campaign(client, world, name="Old")
    old = post_creative(
        client,
        world,
        campaign["id"],
        content=png_bytes(160, 90, (9, 9, 9)),
        valid_until="2026-01-01T00:00:00Z",
        valid_from="2025-01-01T00:00:00Z",
    ).json()
    client.post(f"/v1/creatives/{old['id']}/approve", headers=world.headers("force_a_approver"))
    body = takeover_body(here, creative_ids=[old["id"]])
    response = client.post("/v1/takeovers", json=body, headers=world.headers("force_a_editor"))
    assert_problem(response, 422, "no longer valid")


def test_tenancy_forces_take_over_only_their_own_area_and_partners_never(
    client: TestClient, world: World, here: Scene
) -> None:
    # Force B may not reach force A's venue, nor its area, nor see its takeovers.
    body = takeover_body(here)
    for target in ({"venue_ids": [here.venue["id"]]}, {"force_ids": [world.org_id("force_a")]}):
        response = client.post(
            "/v1/takeovers",
            json={**body, "target": target},
            headers=world.headers("force_b_editor"),
        )
        assert response.status_code in (403, 422), response.text
        assert response.status_code != 201
    created = _create(client, world, body)
    hidden = client.get(f"/v1/takeovers/{created['id']}", headers=world.headers("force_b_editor"))
    assert_problem(hidden, 404, "not found")
    cap = client.get(
        f"/v1/takeovers/{created['id']}.cap.xml", headers=world.headers("force_b_editor")
    )
    assert cap.status_code == 404
    ending = client.post(
        f"/v1/takeovers/{created['id']}/end", headers=world.headers("force_b_editor")
    )
    assert ending.status_code == 404
    listed = client.get("/v1/takeovers", headers=world.headers("force_b_editor")).json()
    assert listed == []
    # A force's own empty target is its own area: force B's venue is not in force A's.
    b_venue = make_venue(client, world, force_id=world.org_id("force_b"), name="The Thistle")
    b_screen = make_screen(client, world, b_venue["id"])
    mine = _create(client, world, {**body, "target": {}})
    assert {s["id"] for s in mine["screens"]} == {here.screen["id"]}
    assert b_screen["id"] not in {s["id"] for s in mine["screens"]}
    # Partners take over nothing and see nothing.
    for persona in ("partner_1", "partner_1_admin"):
        response = client.post("/v1/takeovers", json=body, headers=world.headers(persona))
        assert_problem(response, 403, "partner")
        assert client.get("/v1/takeovers", headers=world.headers(persona)).json() == []
        read = client.get(f"/v1/takeovers/{created['id']}", headers=world.headers(persona))
        assert read.status_code == 404
    # Admins manage people, not incidents.
    admin = client.post("/v1/takeovers", json=body, headers=world.headers("force_a_admin"))
    assert_problem(admin, 403, "editors and approvers")
    # National staff see every force's takeovers and may take over anywhere.
    national = client.get("/v1/takeovers", headers=world.headers("national_editor")).json()
    assert {t["id"] for t in national} >= {created["id"], mine["id"]}
    everywhere = _create(client, world, {**body, "target": {}}, persona="national_editor")
    assert {s["id"] for s in everywhere["screens"]} == {here.screen["id"], b_screen["id"]}


def test_the_audit_log_is_scoped_and_bounded(client: TestClient, world: World, here: Scene) -> None:
    created = _create(client, world, takeover_body(here))
    assert _audit(client, world, "force_b_editor", object_id=created["id"]) == []
    assert _audit(client, world, "partner_1", object_id=created["id"]) == []
    national = _audit(client, world, "national_admin", object_id=created["id"])
    assert [e["what"] for e in national] == ["takeover.created"]
    bad = client.get(
        "/v1/audit",
        params={"from": "2026-01-01T00:00:00Z", "to": "2025-01-01T00:00:00Z"},
        headers=world.headers("force_a_editor"),
    )
    assert_problem(bad, 422, "after")
    assert client.get("/v1/audit").status_code == 401
    # Paged by `before`: every entry once, newest first.
    for _ in range(3):
        _create(client, world, takeover_body(here))
    everything = _audit(client, world, "force_a_editor")
    pages: list[dict[str, Any]] = []
    query: dict[str, str] = {"limit": "2"}
    while page := _audit(client, world, "force_a_editor", **query):
        pages += page
        query["before"] = str(page[-1]["id"])
    assert pages == everything
    assert [e["id"] for e in everything] == sorted((e["id"] for e in everything), reverse=True)


def test_the_screen_count_is_the_screens_listed(
    client: TestClient, world: World, engine: Engine, here: Scene
) -> None:

    club = make_venue(client, world, kind="nightclub", name="The Vaults")
    make_screen(client, world, club["id"], tags=["door"])
    make_screen(client, world, club["id"], name="Dance floor", tags=["floor", "bar"])
    make_screen(client, world, here.venue["id"], name="Back bar", tags=["bar"])
    gone = make_screen(client, world, club["id"], name="Gone", tags=["bar"])
    client.delete(f"/v1/screens/{gone['id']}", headers=world.headers("partner_1"))
    other = make_venue(client, world, force_id=world.org_id("force_b"), name="Far away")
    make_screen(client, world, other["id"], tags=["bar"])
    targets: list[dict[str, Any]] = [
        {},
        {"venue_kinds": ["nightclub"]},
        {"tags": ["bar"]},
        {"venue_kinds": ["pub"], "tags": ["bar", "door"]},
        {"venue_ids": [club["id"]], "tags": ["floor"]},
        {"screen_ids": [here.screen["id"]]},
    ]
    listed = []
    for target in targets:
        created = _create(client, world, takeover_body(here, target=target))
        listed.append(created["screen_count"])
        with Session(engine) as session:
            takeover = session.get(Takeover, created["id"])
            assert takeover is not None
            assert screen_count(session, takeover) == len(targeted_screens(session, takeover))
    assert listed == [4, 2, 2, 1, 1, 1]
    rows = client.get("/v1/takeovers", headers=world.headers("force_a_editor")).json()
    assert sorted(r["screen_count"] for r in rows) == sorted(listed)
