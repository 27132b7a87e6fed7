"""Outsmart SPACE ids (screens' frameid; campaigns' buyer, agency and brand) and a playout file
that Playout's own validation accepts: checked by tests/plays/outsmart_rules.py, written from
the standard's text. Each test names the rule it is about."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from signage.plays.models import Play
from tests.factories import World, play_record, upload_creative
from tests.plays.conftest import POSTED_AT, WEEKEND, Estate, approve, post_at, schedule
from tests.plays.outsmart_rules import check_file


def patch(client: TestClient, world: World, path: str, body: Any, persona: str) -> Any:
    return client.patch(path, json=body, headers=world.headers(persona))


def set_space_ids(client: TestClient, world: World, estate: Estate) -> None:
    for screen, frame, persona in (
        (estate.screen_1, "1000000001", "partner_1"),
        (estate.screen_2, "1000000002", "partner_2"),
    ):
        answer = patch(client, world, f"/v1/screens/{screen['id']}", {"frameid": frame}, persona)
        assert answer.status_code == 200, answer.text
    for creative, persona in (
        (estate.creative_a, "force_a_editor"),
        (estate.creative_b, "force_b_editor"),
    ):
        ids = {"spacebuyerid": 4401, "spaceagencyid": 4402, "spacebrandid": 4403}
        answer = patch(client, world, f"/v1/campaigns/{creative['campaign_id']}", ids, persona)
        assert answer.status_code == 200, answer.text


def playout(
    client: TestClient, world: World, persona: str = "national_editor", **params: Any
) -> Any:
    return client.get(
        "/v1/reports/plays.csv", params={**WEEKEND, **params}, headers=world.headers(persona)
    )


def test_frameid_is_set_read_back_and_cleared(
    client: TestClient, world: World, estate: Estate
) -> None:
    url = f"/v1/screens/{estate.screen_1['id']}"
    answer = patch(client, world, url, {"frameid": "1234567890"}, "partner_1")
    assert answer.status_code == 200, answer.text
    assert answer.json()["frameid"] == "1234567890"
    assert client.get(url, headers=world.headers("partner_1")).json()["frameid"] == "1234567890"
    cleared = patch(client, world, url, {"frameid": None}, "partner_1")
    assert cleared.json()["frameid"] is None


@pytest.mark.parametrize(
    "frameid", ["123456789", "12345678901", "12345abcde", " 1234567890", 1234567890]
)
def test_frameid_is_exactly_10_digits_rule_5_field_specific(
    client: TestClient, world: World, estate: Estate, frameid: Any
) -> None:
    url = f"/v1/screens/{estate.screen_1['id']}"
    answer = patch(client, world, url, {"frameid": frameid}, "partner_1")
    assert answer.status_code == 422, answer.text
    assert "frameid" in answer.json()["detail"]


def test_a_frameid_belongs_to_one_screen(client: TestClient, world: World, estate: Estate) -> None:
    first = patch(
        client,
        world,
        f"/v1/screens/{estate.screen_1['id']}",
        {"frameid": "1234567890"},
        "partner_1",
    )
    assert first.status_code == 200
    second = patch(
        client,
        world,
        f"/v1/screens/{estate.screen_2['id']}",
        {"frameid": "1234567890"},
        "partner_2",
    )
    assert second.status_code == 409, second.text
    assert "frameid" in second.json()["detail"]


def test_campaign_space_ids_are_int4_and_read_back(
    client: TestClient, world: World, estate: Estate
) -> None:
    url = f"/v1/campaigns/{estate.creative_a['campaign_id']}"
    ids = {"spacebuyerid": 2147483647, "spaceagencyid": 0, "spacebrandid": 77}
    answer = patch(client, world, url, ids, "force_a_editor")
    assert answer.status_code == 200, answer.text
    read = client.get(url, headers=world.headers("force_a_editor")).json()
    assert {k: read[k] for k in ids} == ids
    for wrong in ({"spacebuyerid": -1}, {"spacebrandid": 2147483648}, {"spaceagencyid": "x"}):
        refused = patch(client, world, url, wrong, "force_a_editor")
        assert refused.status_code == 422, (wrong, refused.text)
    created = client.post(
        "/v1/campaigns",
        json={"name": "With ids", "spacebuyerid": 1, "spacebrandid": 2},
        headers=world.headers("force_a_editor"),
    )
    assert created.status_code == 201, created.text
    assert created.json()["spacebuyerid"] == 1


def test_the_file_is_refused_while_mandatory_space_ids_are_missing_rule_2(
    client: TestClient, world: World, estate: Estate
) -> None:
    answer = playout(client, world)
    assert answer.status_code == 409, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert "allow_incomplete=true" in problem["detail"]
    missing = {(m["object"], m["id"], m["field"]) for m in problem["missing"]}
    assert missing == {
        ("screen", estate.screen_1["id"], "frameid"),
        ("screen", estate.screen_2["id"], "frameid"),
        ("campaign", estate.creative_a["campaign_id"], "spacebuyerid"),
        ("campaign", estate.creative_a["campaign_id"], "spacebrandid"),
        ("campaign", estate.creative_b["campaign_id"], "spacebuyerid"),
        ("campaign", estate.creative_b["campaign_id"], "spacebrandid"),
    }
    # Each caller hears only of its own: partner 2's screen, force B's campaign.
    partner_2 = playout(client, world, "partner_2").json()["missing"]
    assert {m["id"] for m in partner_2 if m["object"] == "screen"} == {estate.screen_2["id"]}
    assert playout(client, world, allow_incomplete="true").status_code == 200


def test_every_line_passes_the_field_validation_rules(
    client: TestClient, world: World, estate: Estate
) -> None:
    set_space_ids(client, world, estate)
    answer = playout(client, world)
    assert answer.status_code == 200, answer.text
    assert len(answer.content.splitlines()) == 5
    # Submitted the Monday after: within the 14-day window.
    assert check_file(answer.content, now=POSTED_AT.replace(tzinfo=None)) == []
    first = answer.text.splitlines()[0].split(",")
    assert first[0] == "1000000001"
    assert first[9:12] == ["4401", "4402", "4403"]


def test_a_play_not_yet_over_is_left_out_rule_5_not_in_the_future(
    client: TestClient, world: World, estate: Estate, engine: Engine
) -> None:
    set_space_ids(client, world, estate)
    now = datetime.now(UTC)
    with Session(engine) as session:
        session.add(
            Play(
                id=str(uuid.uuid4()),
                screen_id=estate.screen_1["id"],
                venue_id=estate.venue_1["id"],
                organisation_id=world.org_id("force_a"),
                campaign_id=estate.creative_a["campaign_id"],
                creative_id=estate.creative_a["id"],
                creative_name="Walk Away poster",
                started_at=now - timedelta(seconds=5),
                duration_ms=60_000,  # ends in 55 s
                received_at=now,
            )
        )
        session.commit()
    params = {"from": (now - timedelta(minutes=1)).isoformat(), "to": now.isoformat()}
    answer = client.get(
        "/v1/reports/plays.csv", params=params, headers=world.headers("national_editor")
    )
    assert answer.status_code == 200, answer.text
    assert answer.content == b""
    assert check_file(answer.content, now=now.replace(tzinfo=None)) == []


def test_an_overlapping_play_on_a_frame_is_left_out_rule_6_overlapping_play(
    client: TestClient, world: World, estate: Estate
) -> None:
    set_space_ids(client, world, estate)
    a = estate.creative_a["id"]
    # 10 s plays: the second starts 3 s into the first (beyond the 1.5 s tolerance), the
    # third 1 s before the first ends (within it).
    plays = [
        play_record(a, "2026-11-28T20:00:00Z", 10000),
        play_record(a, "2026-11-28T20:00:03Z", 10000),
        play_record(a, "2026-11-28T20:00:09Z", 10000),
    ]
    assert post_at(client, estate.screen_1, plays, POSTED_AT).status_code == 200
    params = {"from": "2026-11-28T20:00:00Z", "to": "2026-11-28T20:01:00Z"}
    body = playout(client, world, **params).content
    refs = [line.split(b",")[-1].decode() for line in body.splitlines()]
    assert refs == [plays[0]["id"], plays[2]["id"]]
    assert check_file(body, now=POSTED_AT.replace(tzinfo=None)) == []


def test_a_name_a_spreadsheet_would_run_is_written_as_text(
    client: TestClient, world: World, estate: Estate
) -> None:
    set_space_ids(client, world, estate)
    campaign = client.get(
        f"/v1/campaigns/{estate.creative_a['campaign_id']}", headers=world.headers("force_a_editor")
    ).json()
    risky = upload_creative(client, world, campaign["id"], name='=HYPERLINK("http://x","y")')
    approve(client, world, risky, "force_a_approver")
    schedule(client, world, [risky["id"]], "force_a_editor")
    play = play_record(risky["id"], "2026-11-28T21:30:00Z")
    assert post_at(client, estate.screen_1, [play], POSTED_AT).json()["accepted"] == [play["id"]]
    params = {"from": "2026-11-28T21:30:00Z", "to": "2026-11-28T21:30:01Z"}
    line = playout(client, world, **params).text
    assert ',"\'=HYPERLINK(""http://x"",""y"")",' in line
    assert check_file(line.encode(), now=POSTED_AT.replace(tzinfo=None)) == []


def test_each_export_has_a_file_name_of_its_own_file_specification_2(
    client: TestClient, world: World, estate: Estate
) -> None:
    names = {
        playout(client, world, allow_incomplete="true").headers["content-disposition"]
        for _ in range(3)
    }
    assert len(names) == 3
