"""GET /v1/reports/plays: known totals for every grouping, scoped to what the caller may see."""

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.factories import World, assert_problem, play_record
from tests.live import LiveServer
from tests.plays.conftest import WEEKEND, Estate, post_at


def report(client: TestClient, world: World, persona: str, **params: Any) -> dict[str, Any]:
    response = client.get(
        "/v1/reports/plays", params={**WEEKEND, **params}, headers=world.headers(persona)
    )
    assert response.status_code == 200, response.text
    listed: list[dict[str, Any]] = response.json()
    # The endpoint answers with the rows; totals are what a reader would add up.
    totals = {
        "plays": sum(r["plays"] for r in listed),
        "seconds": round(sum(r["seconds"] for r in listed), 3),
    }
    return {"rows": listed, "totals": totals, "group_by": params.get("group_by", "creative")}


def rows(body: dict[str, Any]) -> list[tuple[str, int, float]]:
    return [(r["label"], r["plays"], r["seconds"]) for r in body["rows"]]


def test_by_creative(client: TestClient, world: World, estate: Estate) -> None:
    body = report(client, world, "national_editor", group_by="creative")
    assert rows(body) == [("Walk Away poster", 3, 30.0), ("Get Home Safe", 2, 30.0)]
    assert [r["key"] for r in body["rows"]] == [estate.creative_a["id"], estate.creative_b["id"]]
    assert body["totals"] == {"plays": 5, "seconds": 60.0}
    assert [r["creative_id"] for r in body["rows"]] == [r["key"] for r in body["rows"]]
    assert "venue_id" not in body["rows"][0]


def test_creative_label_survives_the_creative_being_deleted(
    client: TestClient, world: World, estate: Estate
) -> None:
    deleted = client.delete(
        f"/v1/creatives/{estate.creative_b['id']}", headers=world.headers("force_b_editor")
    )
    assert deleted.status_code == 204, deleted.text
    body = report(client, world, "national_editor", group_by="creative")
    assert ("Get Home Safe", 2, 30.0) in rows(body)


def test_by_venue(client: TestClient, world: World, estate: Estate) -> None:
    body = report(client, world, "national_editor", group_by="venue")
    assert rows(body) == [("The Crown", 3, 30.0), ("Late Bites Stirling", 2, 30.0)]
    assert body["rows"][0]["key"] == estate.venue_1["id"]


def test_by_venue_kind(client: TestClient, world: World, estate: Estate) -> None:
    body = report(client, world, "national_editor", group_by="venue_kind")
    assert rows(body) == [("pub", 3, 30.0), ("takeaway", 2, 30.0)]


def test_by_force(client: TestClient, world: World, estate: Estate) -> None:
    body = report(client, world, "national_editor", group_by="force")
    assert rows(body) == [("Leicestershire Police", 3, 30.0), ("Police Scotland", 2, 30.0)]
    assert body["rows"][0]["key"] == world.org_id("force_a")


def test_by_night_small_hours_belong_to_the_night_before(
    client: TestClient, world: World, estate: Estate
) -> None:
    body = report(client, world, "national_editor", group_by="night")
    # p2 (02:00) and p4 (01:30) on Saturday count for Friday night.
    assert rows(body) == [("2026-11-27", 3, 35.0), ("2026-11-28", 2, 25.0)]


def test_night_follows_the_venue_clock_in_summer(
    client: TestClient, world: World, estate: Estate
) -> None:
    # 05:30Z on a July Saturday is 06:30 BST: Saturday, not Friday night.
    early = play_record(estate.creative_a["id"], "2026-07-11T05:30:00Z")
    late = play_record(estate.creative_a["id"], "2026-07-11T04:30:00Z")  # 05:30 BST: Friday
    answer = post_at(client, estate.screen_1, [early, late], datetime(2026, 7, 12, tzinfo=UTC))
    assert len(answer.json()["accepted"]) == 2
    params = {"from": "2026-07-10T00:00:00Z", "to": "2026-07-12T00:00:00Z", "group_by": "night"}
    body = client.get("/v1/reports/plays", params=params, headers=world.headers("partner_1"))
    assert rows({"rows": body.json()}) == [("2026-07-10", 1, 10.0), ("2026-07-11", 1, 10.0)]
    assert [r["night"] for r in body.json()] == ["2026-07-10", "2026-07-11"]


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("national_editor", 5),
        ("national_admin", 5),
        ("force_a_editor", 3),  # creative A: p1, p2, p3
        ("force_a_admin", 3),
        ("force_b_editor", 2),  # creative B: p4, p5
        ("partner_1", 3),  # screen 1: p1, p2, p3
        ("partner_2", 2),  # screen 2: p4, p5
        ("partner_2_admin", 2),
    ],
)
def test_scoping(
    client: TestClient, world: World, estate: Estate, persona: str, expected: int
) -> None:
    body = report(client, world, persona, group_by="creative")
    assert body["totals"]["plays"] == expected


def test_force_b_sees_none_of_force_a_creatives(
    client: TestClient, world: World, estate: Estate
) -> None:
    body = report(client, world, "force_b_editor", group_by="creative")
    assert [r["key"] for r in body["rows"]] == [estate.creative_b["id"]]


def test_partner_2_sees_none_of_partner_1_venues(
    client: TestClient, world: World, estate: Estate
) -> None:
    body = report(client, world, "partner_2", group_by="venue")
    assert [r["key"] for r in body["rows"]] == [estate.venue_2["id"]]


def test_range_is_half_open(client: TestClient, world: World, estate: Estate) -> None:
    params = {"from": "2026-11-27T21:04:05.123Z", "to": "2026-11-28T02:00:00Z"}
    body = report(client, world, "national_editor", **params)
    assert body["totals"]["plays"] == 2  # p1 (at from) and p4; p2 starts at `to`


def test_default_range_is_the_last_seven_days(client: TestClient, world: World) -> None:
    response = client.get("/v1/reports/plays", headers=world.headers("national_editor"))
    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"from": "2026-11-28T00:00:00Z", "to": "2026-11-27T00:00:00Z"}, "after from"),
        ({"from": "2026-11-28T00:00:00Z", "to": "2026-11-28T00:00:00Z"}, "after from"),
        ({"from": "2025-01-01T00:00:00Z", "to": "2026-11-28T00:00:00Z"}, "366 days"),
        ({"from": "2026-11-28T00:00:00"}, "timezone"),
        ({"group_by": "screen"}, "group_by"),
        ({"from": "yesterday"}, "from"),
    ],
)
def test_bad_ranges_are_422(
    client: TestClient, world: World, params: dict[str, str], fragment: str
) -> None:
    response = client.get(
        "/v1/reports/plays", params=params, headers=world.headers("national_editor")
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert fragment in response.json()["detail"]


RANGE = "between 2000-01-01 and 2100-12-31"
OUTSIDE_THE_RANGE = [
    {"from": "0001-01-01T00:00:00+01:00"},
    {"from": "0001-01-01T00:00:00+14:00"},
    {"from": "9999-12-31T23:00:00Z"},
    {"to": "9999-12-31T23:59:59-12:00"},
    {"to": "0001-01-02T00:00:00Z"},
    {"from": "1999-12-31T23:59:59.999999Z", "to": "2000-01-02T00:00:00Z"},
    {"from": "2100-12-30T00:00:00Z", "to": "2101-01-01T00:00:00Z"},
    # One end given: the default week around it would reach outside the range.
    {"from": "2100-12-31T00:00:00Z"},
    {"to": "2000-01-02T00:00:00Z"},
]
REPORTS = ["/v1/reports/plays", "/v1/reports/plays.csv", "/v1/reports/screen-outages"]


@pytest.mark.parametrize("path", REPORTS)
@pytest.mark.parametrize("params", OUTSIDE_THE_RANGE)
def test_range_outside_2000_to_2100_is_422(
    live_server: LiveServer, world: World, path: str, params: dict[str, str]
) -> None:
    response = httpx.get(
        live_server.url + path, params=params, headers=world.headers("national_editor")
    )
    assert_problem(response, 422, RANGE)


@pytest.mark.parametrize("path", REPORTS)
@pytest.mark.parametrize(
    "params",
    [
        {"from": "2000-01-01T00:00:00Z"},
        {"from": "2000-01-01T01:00:00+01:00", "to": "2000-01-02T00:00:00Z"},
        {"to": "2100-12-31T23:59:59.999999Z"},
        {"from": "2100-12-24T23:59:59.999999Z", "to": "2101-01-01T00:59:59+01:00"},
    ],
)
def test_range_at_the_bounds_answers(
    live_server: LiveServer, world: World, path: str, params: dict[str, str]
) -> None:
    response = httpx.get(
        live_server.url + path, params=params, headers=world.headers("national_editor")
    )
    assert response.status_code == 200, response.text


def test_reports_need_a_login(client: TestClient) -> None:
    assert client.get("/v1/reports/plays").status_code == 401
    assert client.get("/v1/reports/plays.csv").status_code == 401
