"""POST /v1/player/plays: each play counted once, each bad record rejected alone."""

import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from signage.plays.models import Play
from tests.factories import World, device_headers, play_record
from tests.plays.conftest import POSTED_AT, Estate, post_at

GOOD_START = "2026-11-28T22:00:00Z"


def count_plays(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(Play)).one())


def test_replayed_batch_is_counted_once(client: TestClient, engine: Engine, estate: Estate) -> None:
    plays = [play_record(estate.creative_a["id"], GOOD_START) for _ in range(3)]
    first = post_at(client, estate.screen_1, plays, POSTED_AT).json()
    before = count_plays(engine)
    again = post_at(client, estate.screen_1, plays, POSTED_AT)
    assert again.status_code == 200
    ids = [p["id"] for p in plays]
    assert first == {"accepted": ids, "duplicates": [], "rejected": []}
    assert again.json() == {"accepted": [], "duplicates": ids, "rejected": []}
    assert count_plays(engine) == before


def test_same_id_twice_in_one_batch_is_a_duplicate(
    client: TestClient, engine: Engine, estate: Estate
) -> None:
    play = play_record(estate.creative_a["id"], GOOD_START)
    before = count_plays(engine)
    body = post_at(client, estate.screen_1, [play, dict(play)], POSTED_AT).json()
    assert body == {"accepted": [play["id"]], "duplicates": [play["id"]], "rejected": []}
    assert count_plays(engine) == before + 1


def test_play_is_stored_with_its_screen_venue_campaign_and_owner(
    engine: Engine, estate: Estate, world: World
) -> None:
    with Session(engine) as session:
        stored = session.get(Play, estate.plays["p1"]["id"])
    assert stored is not None
    assert stored.screen_id == estate.screen_1["id"]
    assert stored.venue_id == estate.venue_1["id"]
    assert stored.creative_id == estate.creative_a["id"]
    assert stored.campaign_id == estate.creative_a["campaign_id"]
    assert stored.organisation_id == world.org_id("force_a")
    assert stored.creative_name == "Walk Away poster"
    assert stored.started_at.isoformat() == "2026-11-27T21:04:05.123000+00:00"
    assert stored.duration_ms == 10000
    assert stored.received_at == POSTED_AT


def _bad_records(creative_id: str) -> dict[str, tuple[Any, str]]:
    """name -> (record, a fragment of the reason it is rejected with)."""
    good = play_record(creative_id, GOOD_START)
    return {
        "not_uuid": ({**good, "id": "play-42"}, "id is not a UUID"),
        "no_id": ({k: v for k, v in good.items() if k != "id"}, "id is missing"),
        "numeric_id": ({**good, "id": 42}, "id must be a UUID"),
        "unknown_creative": ({**play_record(str(uuid.uuid4()), GOOD_START)}, "unknown creative"),
        "no_creative": (
            {k: v for k, v in play_record(creative_id, GOOD_START).items() if k != "creative_id"},
            "creative_id is missing",
        ),
        "future": (play_record(creative_id, "2026-11-30T12:06:00Z", 1000), "in the future"),
        "ends_in_future": (
            play_record(creative_id, "2026-11-30T11:59:00Z", 600_000),
            "ends in the future",
        ),
        "too_old": (play_record(creative_id, "2025-10-01T20:00:00Z"), "retention period"),
        "naive": (play_record(creative_id, "2026-11-28T22:00:00"), "no UTC offset"),
        "garbage_time": (play_record(creative_id, "last friday"), "RFC 3339"),
        "numeric_time": (play_record(creative_id, 1764367200), "RFC 3339"),
        "zero": (play_record(creative_id, GOOD_START, 0), "more than 0"),
        "negative": (play_record(creative_id, GOOD_START, -5), "more than 0"),
        "too_long": (play_record(creative_id, "2026-11-20T00:00:00Z", 86_400_001), "24 hours"),
        "text_duration": (play_record(creative_id, GOOD_START, "10000"), "whole number"),
        "bool_duration": (play_record(creative_id, GOOD_START, True), "whole number"),
        "fraction": (play_record(creative_id, GOOD_START, 10.5), "whole number"),
        "not_object": ("just a string", "JSON object"),
        "null": (None, "JSON object"),
        "nul_in_id": ({**good, "id": "\x00" + str(uuid.uuid4())}, "not a UUID"),
    }


def test_each_bad_record_is_rejected_alone_with_a_reason(
    client: TestClient, engine: Engine, estate: Estate
) -> None:
    bad = _bad_records(estate.creative_a["id"])
    fine = [play_record(estate.creative_a["id"], GOOD_START) for _ in range(2)]
    batch = [fine[0], *(record for record, _ in bad.values()), fine[1]]
    before = count_plays(engine)
    response = post_at(client, estate.screen_1, batch, POSTED_AT)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["accepted"] == [fine[0]["id"], fine[1]["id"]]
    assert body["duplicates"] == []
    rejected = body["rejected"]
    assert [r["index"] for r in rejected] == list(range(1, len(bad) + 1))
    for (name, (record, reason)), answer in zip(bad.items(), rejected, strict=True):
        assert reason in answer["reason"], (name, answer)
        sent = record.get("id") if isinstance(record, dict) else None
        expected = sent if isinstance(sent, str) and "\x00" not in sent else None
        assert answer["id"] == expected, name
    assert count_plays(engine) == before + 2


def test_fraction_free_float_duration_and_offsets_are_accepted(
    client: TestClient, estate: Estate
) -> None:
    play = play_record(estate.creative_a["id"], "2026-11-28T23:00:00+01:00", 10000.0)
    body = post_at(client, estate.screen_1, [play], POSTED_AT).json()
    assert body["accepted"] == [play["id"]]


def test_uppercase_id_is_echoed_as_sent_and_counted_once(
    client: TestClient, estate: Estate
) -> None:
    play_id = str(uuid.uuid4())
    upper = play_record(estate.creative_a["id"], GOOD_START, id=play_id.upper())
    lower = {**upper, "id": play_id}
    first = post_at(client, estate.screen_1, [upper], POSTED_AT).json()
    second = post_at(client, estate.screen_1, [lower], POSTED_AT).json()
    assert first["accepted"] == [play_id.upper()]
    assert second["duplicates"] == [play_id]


def test_more_than_1000_plays_is_refused_whole(
    client: TestClient, engine: Engine, estate: Estate
) -> None:
    plays = [play_record(estate.creative_a["id"], GOOD_START) for _ in range(1001)]
    before = count_plays(engine)
    response = post_at(client, estate.screen_1, plays, POSTED_AT)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert "at most 1000" in response.json()["detail"]
    assert count_plays(engine) == before


def test_1000_plays_are_taken(client: TestClient, engine: Engine, estate: Estate) -> None:
    start = POSTED_AT - timedelta(days=1)
    plays = [
        play_record(estate.creative_a["id"], (start + timedelta(seconds=10 * i)).isoformat())
        for i in range(1000)
    ]
    body = post_at(client, estate.screen_1, plays, POSTED_AT).json()
    assert len(body["accepted"]) == 1000


def test_revoked_screen_cannot_report(client: TestClient, world: World, estate: Estate) -> None:
    revoked = client.delete(
        f"/v1/screens/{estate.screen_1['id']}", headers=world.headers("partner_1")
    )
    assert revoked.status_code == 204
    play = play_record(estate.creative_a["id"], GOOD_START)
    response = post_at(client, estate.screen_1, [play], POSTED_AT)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_staff_token_cannot_report_plays(client: TestClient, world: World, estate: Estate) -> None:
    play = play_record(estate.creative_a["id"], GOOD_START)
    response = client.post(
        "/v1/player/plays", json={"plays": [play]}, headers=world.headers("partner_1")
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("content", "status"),
    [
        (b"not json", 422),
        (b'{"plays": "nope"}', 422),
        (b"{}", 422),
        (b"[]", 422),
        (b'{"plays": []}', 200),
        (b'{"plays": [{"id": "\\u0000", "creative_id": "\\ud800", "started_at": "\\u0000"}]}', 200),
        (b'{"plays": [{"creative_id": {"a": 1}, "started_at": [], "duration_ms": NaN}]}', 200),
        (b'{"plays": [{"started_at": "9999-12-31T23:00:00-05:00", "duration_ms": 1e308}]}', 200),
        (b'{"plays": [{"started_at": "0001-01-01T00:00:00+01:00", "duration_ms": 1}]}', 200),
    ],
)
def test_odd_input_is_never_a_server_error(
    client: TestClient, estate: Estate, content: bytes, status: int
) -> None:
    headers = {**device_headers(estate.screen_1), "Content-Type": "application/json"}
    response = client.post("/v1/player/plays", content=content, headers=headers)
    assert response.status_code == status, response.text
    if status == 200:
        assert all(r["reason"] for r in response.json()["rejected"])
