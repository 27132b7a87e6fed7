"""The preview equals the poll; reach tells on-air and shown hours."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient
from icalendar import Calendar

from signage.timing import ics
from tests.factories import (
    World,
    make_campaign,
    make_screen,
    make_venue,
    png_bytes,
    post_creative,
    schedule_body,
)

FRIDAY_21H = "2026-11-27T21:00:00Z"
FRIDAY_19H = "2026-11-27T19:00:00Z"


def setup_screen(client: TestClient, world: World) -> tuple[dict[str, Any], dict[str, Any]]:
    venue = make_venue(client, world)
    screen = make_screen(client, world, venue["id"])
    return venue, screen


def schedule(client: TestClient, world: World, creative_ids: list[str], **overrides: Any) -> Any:
    response = client.post(
        "/v1/schedules",
        json=schedule_body(creative_ids, **overrides),
        headers=world.headers("force_a_editor"),
    )
    assert response.status_code == 201, response.text
    return response.json()


def preview(
    client: TestClient, world: World, screen_id: str, at: str, persona: str = "partner_1"
) -> Any:
    return client.get(
        f"/v1/screens/{screen_id}/playlist", params={"at": at}, headers=world.headers(persona)
    )


def test_preview_shows_the_night_window(
    client: TestClient, world: World, approved_creative: dict[str, Any]
) -> None:
    _, screen = setup_screen(client, world)
    schedule(client, world, [approved_creative["id"]])
    body = preview(client, world, screen["id"], FRIDAY_21H).json()
    first = body["timeline"][0]
    assert first["starts_at"] == "2026-11-27T20:00:00.000Z"
    assert first["ends_at"] == "2026-11-28T04:00:00.000Z"
    assert first["items"] == [{"creative_id": approved_creative["id"], "duration_ms": 10000}]
    assert body["next_change_at"] == first["ends_at"]
    assert body["timezone"] == "Europe/London"
    assert body["media"][approved_creative["id"]] == {
        "url": f"/media/{approved_creative['sha256']}",
        "sha256": approved_creative["sha256"],
        "bytes": approved_creative["bytes"],
        "mime_type": "image/png",
        "width": 160,
        "height": 90,
    }


def test_timeline_is_contiguous_and_covers_a_day(
    client: TestClient, world: World, approved_creative: dict[str, Any]
) -> None:
    _, screen = setup_screen(client, world)
    schedule(client, world, [approved_creative["id"]])
    body = preview(client, world, screen["id"], FRIDAY_19H).json()
    timeline = body["timeline"]
    assert timeline[0]["starts_at"] <= "2026-11-27T19:00:00.000Z" < timeline[0]["ends_at"]
    assert timeline[0]["items"] == []
    for before, after in zip(timeline, timeline[1:], strict=False):
        assert before["ends_at"] == after["starts_at"]
    assert timeline[-1]["ends_at"] >= "2026-11-28T19:00:00.000Z"
    assert timeline[1]["starts_at"] == "2026-11-27T20:00:00.000Z"


def test_preview_equals_the_device_poll(
    client: TestClient, world: World, approved_creative: dict[str, Any]
) -> None:
    _, screen = setup_screen(client, world)
    schedule(client, world, [approved_creative["id"]])
    at = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)
    with time_machine.travel(at, tick=False):
        polled = client.get(
            "/v1/player/playlist", headers={"Authorization": f"Bearer {screen['device_token']}"}
        )
    previewed = preview(client, world, screen["id"], FRIDAY_21H)
    assert polled.status_code == 200
    assert polled.content == previewed.content
    assert polled.headers["etag"] == previewed.headers["etag"]
    assert polled.headers["cache-control"] == "private, no-cache"


def test_poll_etag_is_stable_within_a_segment_and_304s(
    client: TestClient, world: World, approved_creative: dict[str, Any]
) -> None:
    _, screen = setup_screen(client, world)
    schedule(client, world, [approved_creative["id"]])
    headers = {"Authorization": f"Bearer {screen['device_token']}"}
    with time_machine.travel(datetime(2026, 11, 27, 21, 0, tzinfo=UTC), tick=False):
        first = client.get("/v1/player/playlist", headers=headers)
    with time_machine.travel(datetime(2026, 11, 27, 23, 30, tzinfo=UTC), tick=False):
        second = client.get("/v1/player/playlist", headers=headers)
        unchanged = client.get(
            "/v1/player/playlist", headers={**headers, "If-None-Match": first.headers["etag"]}
        )
    assert first.headers["etag"] == second.headers["etag"]
    assert unchanged.status_code == 304
    assert unchanged.content == b""


def test_poll_etag_changes_when_a_boundary_passes(
    client: TestClient, world: World, approved_creative: dict[str, Any]
) -> None:
    _, screen = setup_screen(client, world)
    schedule(client, world, [approved_creative["id"]])
    headers = {"Authorization": f"Bearer {screen['device_token']}"}
    with time_machine.travel(datetime(2026, 11, 27, 21, 0, tzinfo=UTC), tick=False):
        during = client.get("/v1/player/playlist", headers=headers)
    with time_machine.travel(datetime(2026, 11, 28, 5, 0, tzinfo=UTC), tick=False):
        after = client.get("/v1/player/playlist", headers=headers)
    assert during.headers["etag"] != after.headers["etag"]
    assert after.json()["timeline"][0]["items"] == []


def test_poll_etag_changes_when_the_schedule_is_edited(
    client: TestClient, world: World, approved_creative: dict[str, Any]
) -> None:
    _, screen = setup_screen(client, world)
    created = schedule(client, world, [approved_creative["id"]])
    before = preview(client, world, screen["id"], FRIDAY_21H)
    client.patch(
        f"/v1/schedules/{created['id']}",
        json={"windows": [{"days": ["fri"], "start": "20:00", "end": "02:00"}]},
        headers=world.headers("force_a_editor"),
    )
    after = preview(client, world, screen["id"], FRIDAY_21H)
    assert before.headers["etag"] != after.headers["etag"]
    assert after.json()["next_change_at"] == "2026-11-28T02:00:00.000Z"


def test_pending_creative_is_not_played(client: TestClient, world: World) -> None:
    _, screen = setup_screen(client, world)
    campaign = make_campaign(client, world)
    pending = post_creative(client, world, campaign["id"]).json()
    schedule(client, world, [pending["id"]])
    body = preview(client, world, screen["id"], FRIDAY_21H).json()
    assert all(segment["items"] == [] for segment in body["timeline"])
    assert body["media"] == {}


def test_other_force_schedule_does_not_reach_screen(client: TestClient, world: World) -> None:
    _, screen = setup_screen(client, world)  # venue in force A's area
    campaign = make_campaign(client, world, persona="force_b_editor")
    creative = post_creative(client, world, campaign["id"], persona="force_b_editor").json()
    assert creative["status"] == "pending"
    body = preview(client, world, screen["id"], FRIDAY_21H).json()
    assert body["timeline"][0]["items"] == []


def test_preview_of_invisible_screen_is_404(
    client: TestClient, world: World, approved_creative: dict[str, Any]
) -> None:
    _, screen = setup_screen(client, world)
    assert preview(client, world, screen["id"], FRIDAY_21H, "partner_2").status_code == 404
    assert preview(client, world, screen["id"], FRIDAY_21H, "force_b_editor").status_code == 404
    assert preview(client, world, screen["id"], FRIDAY_21H, "force_a_editor").status_code == 200


def test_preview_rejects_naive_instant(client: TestClient, world: World) -> None:
    _, screen = setup_screen(client, world)
    response = preview(client, world, screen["id"], "2026-11-27T21:00:00")
    assert response.status_code == 422


def reach(client: TestClient, world: World, schedule_id: str) -> Any:
    response = client.get(
        f"/v1/schedules/{schedule_id}/reach",
        params={"from": "2026-11-23T00:00:00Z", "to": "2026-11-30T00:00:00Z"},
        headers=world.headers("force_a_editor"),
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_reach_counts_on_air_and_shown_hours(
    client: TestClient, world: World, approved_creative: dict[str, Any]
) -> None:
    setup_screen(client, world)
    created = schedule(client, world, [approved_creative["id"]])
    report = reach(client, world, created["id"])
    # Fri 20:00-Sat 04:00 and Sat 20:00-Sun 04:00 in the week of 23 Nov 2026: 16 hours.
    assert report["screens"] == 1
    assert report["on_air_hours"] == 16.0
    assert report["shown_hours"] == 16.0
    assert report["from"] == "2026-11-23T00:00:00Z"


def test_reach_shows_pending_schedule_never_airs(client: TestClient, world: World) -> None:
    setup_screen(client, world)
    campaign = make_campaign(client, world)
    pending = post_creative(client, world, campaign["id"]).json()
    created = schedule(client, world, [pending["id"]])
    report = reach(client, world, created["id"])
    assert report["on_air_hours"] == 16.0
    assert report["shown_hours"] == 0.0


def test_reach_subtracts_time_beaten_by_higher_priority(
    client: TestClient, world: World, approved_creative: dict[str, Any]
) -> None:
    setup_screen(client, world)
    low = schedule(client, world, [approved_creative["id"]], priority=10)
    campaign = make_campaign(client, world, name="Closing time")
    urgent = post_creative(client, world, campaign["id"], content=png_bytes(160, 90, (0, 0, 200)))
    client.post(
        f"/v1/creatives/{urgent.json()['id']}/approve", headers=world.headers("force_a_approver")
    )
    windows = [{"days": ["sat"], "start": "20:00", "end": "04:00"}]
    schedule(client, world, [urgent.json()["id"]], priority=90, windows=windows)
    report = reach(client, world, low["id"])
    assert report["on_air_hours"] == 16.0
    assert report["shown_hours"] == 8.0


def test_reach_range_is_validated(
    client: TestClient, world: World, approved_creative: dict[str, Any]
) -> None:
    created = schedule(client, world, [approved_creative["id"]])
    url = f"/v1/schedules/{created['id']}/reach"
    headers = world.headers("force_a_editor")
    backwards = {"from": "2026-11-30T00:00:00Z", "to": "2026-11-23T00:00:00Z"}
    assert client.get(url, params=backwards, headers=headers).status_code == 422
    too_long = {"from": "2026-01-01T00:00:00Z", "to": "2028-01-01T00:00:00Z"}
    assert client.get(url, params=too_long, headers=headers).status_code == 422
    assert client.get(url, params={"from": "yesterday"}, headers=headers).status_code == 422


def test_schedule_calendar_has_weekly_rule_in_venue_time(
    client: TestClient, world: World, approved_creative: dict[str, Any]
) -> None:
    created = schedule(
        client,
        world,
        [approved_creative["id"]],
        windows=[{"days": ["fri", "sat"], "start": "20:00", "end": "04:00"}],
        start_date="2026-11-27",
        exclude_dates=["2026-12-25"],
    )
    # start_date lies ahead of today (the session's date, 2026-11-23 or later) or not: the
    # weekly rule starts on the first Friday from the later of the two.
    response = client.get(
        f"/v1/schedules/{created['id']}.ics", headers=world.headers("force_a_editor")
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    text = response.text
    assert "BEGIN:VCALENDAR" in text
    rule = text.split("RRULE:")[1].split("\r\n")[0]
    assert "FREQ=WEEKLY" in rule
    assert "BYDAY=FR,SA" in rule
    assert "DTSTART;TZID=Europe/London:" in text
    assert "T200000" in text.split("DTSTART;TZID=Europe/London:")[1][:16]
    assert "BEGIN:VTIMEZONE" in text
    assert "Walk Away - weekend nights" in text


def test_organisation_feed_lists_every_visible_schedule(
    client: TestClient, world: World, approved_creative: dict[str, Any]
) -> None:
    schedule(client, world, [approved_creative["id"]], name="First")
    schedule(client, world, [approved_creative["id"]], name="Second")
    response = client.get("/v1/schedules.ics", headers=world.headers("force_a_editor"))
    assert response.status_code == 200
    assert "SUMMARY:First" in response.text
    assert "SUMMARY:Second" in response.text
    other = client.get("/v1/schedules.ics", headers=world.headers("force_b_editor"))
    assert "SUMMARY:First" not in other.text


def test_unchanged_feed_is_written_once(
    client: TestClient,
    world: World,
    approved_creative: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    schedule(client, world, [approved_creative["id"]], name="Cached")
    written: list[str] = []
    original = ics.organisation_feed

    def counting(*args: Any, **kwargs: Any) -> bytes:
        written.append(kwargs["name"])
        return original(*args, **kwargs)

    monkeypatch.setattr(ics, "organisation_feed", counting)
    headers = world.headers("force_a_editor")
    with time_machine.travel(datetime.now(UTC), tick=False):  # the same DTSTAMP both times
        first = client.get("/v1/schedules.ics", headers=headers)
        second = client.get("/v1/schedules.ics", headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert written == ["signage schedules"]


def test_edited_schedule_is_in_the_next_feed(
    client: TestClient, world: World, approved_creative: dict[str, Any]
) -> None:
    created = schedule(client, world, [approved_creative["id"]], name="Before")
    headers = world.headers("force_a_editor")
    assert "SUMMARY:Before" in client.get("/v1/schedules.ics", headers=headers).text
    url = f"/v1/schedules/{created['id']}"
    renamed = client.patch(url, json={"name": "After"}, headers=headers)
    assert renamed.status_code == 200, renamed.text
    feed = client.get("/v1/schedules.ics", headers=headers).text
    assert "SUMMARY:After" in feed
    assert "SUMMARY:Before" not in feed


def _event_lines(feed: str, summary: str) -> dict[str, str]:
    """The properties of the feed's event with this summary (the RRULE one), by name."""
    for block in feed.replace("\r\n ", "").split("BEGIN:VEVENT")[1:]:
        lines = block.split("END:VEVENT")[0].strip().splitlines()
        found = dict(line.split(":", 1) for line in lines if ":" in line)
        if found.get("SUMMARY") == summary and "RRULE" in found:
            return found
    raise AssertionError(f"no event {summary}")


def test_a_feed_is_stamped_when_exported_and_an_edit_raises_its_sequence(
    client: TestClient, world: World, approved_creative: dict[str, Any]
) -> None:
    weekends = [{"days": ["fri", "sat"], "start": "20:00", "end": "04:00"}]
    created = schedule(client, world, [approved_creative["id"]], name="Walk Away", windows=weekends)
    headers = world.headers("force_a_editor")
    # Later than the tokens were issued, and on whole seconds as DTSTAMP is.
    at = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=7)
    with time_machine.travel(at, tick=False):
        feed = client.get("/v1/schedules.ics", headers=headers).text
    first = _event_lines(feed, "Walk Away")
    assert first["DTSTAMP"] == f"{at:%Y%m%dT%H%M%SZ}"  # the export instant, never the future
    assert first["SEQUENCE"] == "0"
    # A subscribed feed says how often to fetch it again.
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in feed
    assert "X-PUBLISHED-TTL:PT1H" in feed
    with time_machine.travel(at + timedelta(minutes=1), tick=False):
        url = f"/v1/schedules/{created['id']}"
        edited = client.patch(url, json={"priority": 60}, headers=headers)
    assert edited.status_code == 200, edited.text
    later = at + timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        again = _event_lines(client.get("/v1/schedules.ics", headers=headers).text, "Walk Away")
    assert again["DTSTAMP"] == f"{later:%Y%m%dT%H%M%SZ}"
    assert again["SEQUENCE"] == "1"
    assert again["LAST-MODIFIED"] > first["LAST-MODIFIED"]


def test_a_feed_with_nothing_to_express_is_still_a_valid_calendar(
    client: TestClient, world: World, approved_creative: dict[str, Any]
) -> None:
    # Relative to closing time: with no venue there are no opening hours to resolve it by.
    schedule(
        client,
        world,
        [approved_creative["id"]],
        name="Closing time",
        windows=[{"days": ["fri"], "start": "close-01:00", "end": "close"}],
    )
    response = client.get("/v1/schedules.ics", headers=world.headers("force_a_editor"))
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    assert calendar.walk("VEVENT") == []
    assert [c.name for c in calendar.subcomponents] == ["VTIMEZONE"]  # RFC 5545 3.6: one at least
    assert "opening hours" in str(calendar["X-WR-CALDESC"])
