"""GET /v1/reports/plays.csv: the Outsmart Playout digital file format, line for line."""

from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi.testclient import TestClient

from signage.plays import csv_export
from tests.factories import World, make_campaign, play_record, upload_creative
from tests.plays.conftest import WEEKEND, Estate, approve, post_at, schedule


def playout(client: TestClient, world: World, persona: str, **params: Any) -> httpx.Response:
    """The file, SPACE ids or not: these tests are about its format (test_outsmart.py has the
    ids and the refusal without them)."""
    query = {**WEEKEND, "allow_incomplete": "true", **params}
    response = client.get("/v1/reports/plays.csv", params=query, headers=world.headers(persona))
    assert response.status_code == 200, response.text
    return response


def test_exact_line_for_a_winter_play(client: TestClient, world: World, estate: Estate) -> None:
    text = playout(client, world, "partner_1").text
    p1 = estate.plays["p1"]["id"]
    expected = (
        f",2026-11-27T21:04:05.123,Z,2026-11-27T21:04:15.123,Z,10000,,"
        f"{estate.creative_a['campaign_id']},,,,,,{estate.creative_a['id']},Walk Away poster,,,"
        f"{estate.screen_1['id']},{p1}\n"
    )
    assert text.startswith(expected)
    assert len(expected.rstrip("\n").split(",")) == 19


def test_file_format_utf8_lf_no_header(client: TestClient, world: World, estate: Estate) -> None:
    response = playout(client, world, "national_editor")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith('attachment; filename="plays-')
    body = response.content
    assert body.endswith(b"\n")
    assert b"\r" not in body
    lines = body.decode("utf-8").split("\n")
    assert lines[-1] == ""
    assert len(lines[:-1]) == 5
    assert not lines[0].startswith("frameid")
    # In start order.
    starts = [line.split(",")[1] for line in lines[:-1]]
    assert starts == sorted(starts)


def test_header_row_on_request(client: TestClient, world: World, estate: Estate) -> None:
    lines = playout(client, world, "national_editor", header="true").text.split("\n")
    assert lines[0] == ",".join(csv_export.FIELDS)
    assert lines[0].startswith("frameid,startdate,startutcoffset,enddate,endutcoffset,spotlength")
    assert len(lines) == 7


def test_summer_play_has_the_bst_offset(client: TestClient, world: World, estate: Estate) -> None:
    july = play_record(estate.creative_a["id"], "2026-07-10T20:00:00.5Z", 12345)
    answer = post_at(client, estate.screen_1, [july], datetime(2026, 7, 11, tzinfo=UTC))
    assert answer.json()["accepted"] == [july["id"]]
    params = {"from": "2026-07-10T00:00:00Z", "to": "2026-07-11T00:00:00Z"}
    line = playout(client, world, "partner_1", **params).text
    fields = line.rstrip("\n").split(",")
    assert fields[1:6] == [
        "2026-07-10T20:00:00.500",
        "+01:00",
        "2026-07-10T20:00:12.845",
        "+01:00",
        "12345",
    ]


def test_offset_changes_within_a_play_over_the_clock_change(
    client: TestClient, world: World, estate: Estate
) -> None:
    # 25 Oct 2026: BST ends at 01:00Z. A play from 00:59:59Z to 01:00:01Z.
    play = play_record(estate.creative_a["id"], "2026-10-25T00:59:59Z", 2000)
    post_at(client, estate.screen_1, [play], datetime(2026, 10, 26, tzinfo=UTC))
    params = {"from": "2026-10-25T00:00:00Z", "to": "2026-10-26T00:00:00Z"}
    fields = playout(client, world, "partner_1", **params).text.rstrip("\n").split(",")
    assert fields[2] == "+01:00"
    assert fields[4] == "Z"


def test_names_with_commas_and_quotes_are_quoted(
    client: TestClient, world: World, estate: Estate
) -> None:
    campaign = make_campaign(client, world, name="Night Safe")
    tricky = upload_creative(client, world, campaign["id"], name='Walk Away, "Stay Safe"')
    approve(client, world, tricky, "force_a_approver")
    schedule(client, world, [tricky["id"]], "force_a_editor")
    play = play_record(tricky["id"], "2026-11-28T21:00:00Z")
    answer = post_at(client, estate.screen_1, [play], datetime(2026, 11, 30, tzinfo=UTC))
    assert answer.json()["accepted"] == [play["id"]], answer.text
    params = {"from": "2026-11-28T21:00:00Z", "to": "2026-11-28T21:00:01Z"}
    line = playout(client, world, "partner_1", **params).text
    assert ',"Walk Away, ""Stay Safe""",' in line
    assert line.endswith(f",{play['id']}\n")


def test_partner_2_file_holds_none_of_partner_1_plays(
    client: TestClient, world: World, estate: Estate
) -> None:
    text = playout(client, world, "partner_2").text
    refs = {line.split(",")[-1] for line in text.splitlines()}
    assert refs == {estate.plays["p4"]["id"], estate.plays["p5"]["id"]}


def test_force_b_file_holds_only_its_creatives(
    client: TestClient, world: World, estate: Estate
) -> None:
    text = playout(client, world, "force_b_editor").text
    creatives = {line.split(",")[13] for line in text.splitlines()}
    assert creatives == {estate.creative_b["id"]}


def test_big_files_are_paged(
    client: TestClient, world: World, estate: Estate, monkeypatch: Any
) -> None:
    monkeypatch.setattr(csv_export, "PAGE_SIZE", 2)
    text = playout(client, world, "national_editor").text
    refs = [line.split(",")[-1] for line in text.splitlines()]
    assert sorted(refs) == sorted(p["id"] for p in estate.plays.values())


def test_bad_range_is_problem_json(client: TestClient, world: World) -> None:
    response = client.get(
        "/v1/reports/plays.csv",
        params={"from": "2026-11-28T00:00:00Z", "to": "2026-11-27T00:00:00Z"},
        headers=world.headers("national_editor"),
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_offsets_and_timestamps() -> None:
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    winter = datetime(2026, 1, 1, 12, 0, 0, 7000, tzinfo=UTC)
    assert csv_export.utc_timestamp(winter) == "2026-01-01T12:00:00.007"
    assert csv_export.utc_offset(winter, london) == "Z"
    assert csv_export.utc_offset(winter, ZoneInfo("America/St_Johns")) == "-03:30"
    assert csv_export.utc_offset(winter, ZoneInfo("Asia/Kathmandu")) == "+05:45"
