from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.factories import (
    World,
    assert_problem,
    make_campaign,
    make_venue,
    post_creative,
    schedule_body,
)
from tests.live import LiveServer

Creative = dict[str, Any]


def create(
    client: TestClient, world: World, body: dict[str, Any], persona: str = "force_a_editor"
) -> Any:
    return client.post("/v1/schedules", json=body, headers=world.headers(persona))


def test_editor_creates_schedule_and_reads_it_back(
    client: TestClient, world: World, approved_creative: Creative
) -> None:
    response = create(client, world, schedule_body([approved_creative["id"]]))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["creative_ids"] == [approved_creative["id"]]
    assert body["windows"] == [
        {"days": ["fri", "sat", "bank_holiday_eve"], "start": "20:00", "end": "04:00"}
    ]
    assert body["start_date"] == "2026-11-01"
    assert body["end_date"] is None
    assert body["organisation_id"] == world.org_id("force_a")
    fetched = client.get(f"/v1/schedules/{body['id']}", headers=world.headers("force_a_editor"))
    assert fetched.json() == body


def test_defaults_priority_and_weight(
    client: TestClient, world: World, approved_creative: Creative
) -> None:
    body = schedule_body([approved_creative["id"]])
    del body["priority"], body["weight"], body["target"], body["exclude_dates"]
    response = create(client, world, body)
    assert response.status_code == 201
    assert (response.json()["priority"], response.json()["weight"]) == (50, 1)


def test_relative_windows_are_accepted(
    client: TestClient, world: World, approved_creative: Creative
) -> None:
    windows = [{"days": ["fri"], "start": "close-01:00", "end": "close+00:30"}]
    response = create(client, world, schedule_body([approved_creative["id"]], windows=windows))
    assert response.status_code == 201
    assert response.json()["windows"][0]["start"] == "close-01:00"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"windows": [{"days": ["fri"], "start": "25:00", "end": "04:00"}]}, "windows"),
        ({"windows": [{"days": ["fri"], "start": "8pm", "end": "04:00"}]}, "windows"),
        ({"windows": [{"days": ["friday"], "start": "20:00", "end": "04:00"}]}, "windows"),
        ({"windows": [{"days": [], "start": "20:00", "end": "04:00"}]}, "windows"),
        ({"windows": [{"days": ["holiday"], "start": "20:00", "end": "04:00"}]}, "windows"),
        ({"windows": [{"days": ["fri"], "start": "close-1h", "end": "close"}]}, "windows"),
        ({"windows": [{"days": ["fri"], "start": "close*01:00", "end": "close"}]}, "windows"),
        ({"windows": [{"days": ["fri"], "start": "open+24:00", "end": "close"}]}, "windows"),
        ({"windows": []}, "windows"),
        ({"priority": 101}, "priority"),
        ({"priority": -1}, "priority"),
        ({"weight": 0}, "weight"),
        ({"weight": 101}, "weight"),
        ({"start_date": "2026-12-01", "end_date": "2026-11-30"}, "end_date"),
        ({"start_date": "2026-02-30"}, "start_date"),
        ({"exclude_dates": ["not-a-date"]}, "exclude_dates"),
        ({"creative_ids": []}, "creative_ids"),
        ({"target": {"venue_kinds": ["casino"]}}, "target"),
        ({"target": {"regions": ["x"]}}, "target"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_schedule_is_422_with_message(
    client: TestClient,
    world: World,
    approved_creative: Creative,
    change: dict[str, Any],
    field: str,
) -> None:
    response = create(client, world, {**schedule_body([approved_creative["id"]]), **change})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in response.json()["detail"]


def test_unknown_creative_is_422(client: TestClient, world: World) -> None:
    response = create(client, world, schedule_body(["no-such-creative"]))
    assert response.status_code == 422
    assert "no-such-creative" in response.json()["detail"]


def test_another_organisations_creative_is_422(
    client: TestClient, world: World, approved_creative: Creative
) -> None:
    response = create(client, world, schedule_body([approved_creative["id"]]), "force_b_editor")
    assert response.status_code == 422
    assert "not a creative of your organisation" in response.json()["detail"]


def test_duplicate_creative_is_422(
    client: TestClient, world: World, approved_creative: Creative
) -> None:
    ids = [approved_creative["id"], approved_creative["id"]]
    assert create(client, world, schedule_body(ids)).status_code == 422


def test_force_targeting_another_force_is_403(
    client: TestClient, world: World, approved_creative: Creative
) -> None:
    target = {"force_ids": [world.org_id("force_b")]}
    response = create(client, world, schedule_body([approved_creative["id"]], target=target))
    assert response.status_code == 403


def test_force_targeting_venue_outside_its_area_is_403(
    client: TestClient, world: World, approved_creative: Creative
) -> None:
    venue = make_venue(client, world, force_id=world.org_id("force_b"))
    target = {"venue_ids": [venue["id"]]}
    response = create(client, world, schedule_body([approved_creative["id"]], target=target))
    assert response.status_code == 403


def test_force_targets_venue_in_its_area(
    client: TestClient, world: World, approved_creative: Creative
) -> None:
    venue = make_venue(client, world)
    target = {"venue_ids": [venue["id"]], "venue_kinds": ["pub", "bar"], "tags": ["bar"]}
    response = create(client, world, schedule_body([approved_creative["id"]], target=target))
    assert response.status_code == 201
    assert response.json()["target"]["venue_kinds"] == ["bar", "pub"]


def test_partner_cannot_schedule(client: TestClient, world: World) -> None:
    response = create(client, world, schedule_body(["x"]), "partner_1")
    assert response.status_code == 403


def test_other_force_gets_404_on_schedule(
    client: TestClient, world: World, approved_creative: Creative
) -> None:
    schedule = create(client, world, schedule_body([approved_creative["id"]])).json()
    headers = world.headers("force_b_editor")
    url = f"/v1/schedules/{schedule['id']}"
    assert client.get(url, headers=headers).status_code == 404
    assert client.patch(url, json={"priority": 1}, headers=headers).status_code == 404
    assert client.delete(url, headers=headers).status_code == 404
    assert client.get(f"{url}/reach", headers=headers).status_code == 404
    assert client.get(f"{url}.ics", headers=headers).status_code == 404
    assert client.get("/v1/schedules", headers=headers).json() == []


def test_national_reads_force_schedule_but_cannot_change_it(
    client: TestClient, world: World, approved_creative: Creative
) -> None:
    schedule = create(client, world, schedule_body([approved_creative["id"]])).json()
    url = f"/v1/schedules/{schedule['id']}"
    assert client.get(url, headers=world.headers("national_editor")).status_code == 200
    patched = client.patch(url, json={"priority": 1}, headers=world.headers("national_editor"))
    assert patched.status_code == 403


def test_patch_changes_only_given_fields(
    client: TestClient, world: World, approved_creative: Creative
) -> None:
    schedule = create(client, world, schedule_body([approved_creative["id"]])).json()
    response = client.patch(
        f"/v1/schedules/{schedule['id']}",
        json={"priority": 80, "end_date": "2027-01-31", "exclude_dates": ["2026-12-25"]},
        headers=world.headers("force_a_editor"),
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["priority"], body["end_date"], body["exclude_dates"]) == (
        80,
        "2027-01-31",
        ["2026-12-25"],
    )
    assert body["windows"] == schedule["windows"]
    assert body["name"] == schedule["name"]


def test_patch_rejects_end_before_existing_start(
    client: TestClient, world: World, approved_creative: Creative
) -> None:
    schedule = create(client, world, schedule_body([approved_creative["id"]])).json()
    response = client.patch(
        f"/v1/schedules/{schedule['id']}",
        json={"end_date": "2026-10-01"},
        headers=world.headers("force_a_editor"),
    )
    assert response.status_code == 422


def test_patch_null_for_required_field_is_422(
    client: TestClient, world: World, approved_creative: Creative
) -> None:
    schedule = create(client, world, schedule_body([approved_creative["id"]])).json()
    response = client.patch(
        f"/v1/schedules/{schedule['id']}",
        json={"name": None},
        headers=world.headers("force_a_editor"),
    )
    assert response.status_code == 422


def test_delete_schedule(client: TestClient, world: World, approved_creative: Creative) -> None:
    schedule = create(client, world, schedule_body([approved_creative["id"]])).json()
    url = f"/v1/schedules/{schedule['id']}"
    assert client.delete(url, headers=world.headers("force_a_editor")).status_code == 204
    assert client.get(url, headers=world.headers("force_a_editor")).status_code == 404


def test_deleting_a_creative_removes_it_from_schedules(
    client: TestClient, world: World, approved_creative: Creative
) -> None:
    campaign = make_campaign(client, world, name="Second")
    other = post_creative(client, world, campaign["id"]).json()
    ids = [approved_creative["id"], other["id"]]
    schedule = create(client, world, schedule_body(ids)).json()
    deleted = client.delete(f"/v1/creatives/{other['id']}", headers=world.headers("force_a_editor"))
    assert deleted.status_code == 204
    fetched = client.get(f"/v1/schedules/{schedule['id']}", headers=world.headers("force_a_editor"))
    assert fetched.json()["creative_ids"] == [approved_creative["id"]]


# --- the range of dates and instants (2000-01-01 to 2100-12-31) --------------------------------

RANGE = "between 2000-01-01 and 2100-12-31"
DATES_OUTSIDE = ["0001-01-01", "1999-12-31", "2101-01-01", "9999-12-31"]


@pytest.mark.parametrize("field", ["start_date", "end_date"])
@pytest.mark.parametrize("sent", DATES_OUTSIDE)
def test_schedule_date_outside_the_range_is_422(
    live_server: LiveServer, world: World, approved_creative: Creative, field: str, sent: str
) -> None:
    body = {**schedule_body([approved_creative["id"]]), "start_date": None, field: sent}
    response = httpx.post(
        f"{live_server.url}/v1/schedules", json=body, headers=world.headers("force_a_editor")
    )
    assert_problem(response, 422, f"{field}: must be {RANGE}")


@pytest.mark.parametrize("sent", DATES_OUTSIDE)
def test_excluded_date_outside_the_range_is_422(
    live_server: LiveServer, world: World, approved_creative: Creative, sent: str
) -> None:
    body = schedule_body([approved_creative["id"]], exclude_dates=["2026-12-25", sent])
    response = httpx.post(
        f"{live_server.url}/v1/schedules", json=body, headers=world.headers("force_a_editor")
    )
    assert_problem(response, 422, f"exclude_dates.1: must be {RANGE}")


@pytest.mark.parametrize("field", ["start_date", "end_date", "exclude_dates"])
@pytest.mark.parametrize("sent", ["9999-12-31", "0001-01-01"])
def test_patch_with_a_date_outside_the_range_is_422(
    live_server: LiveServer,
    client: TestClient,
    world: World,
    approved_creative: Creative,
    field: str,
    sent: str,
) -> None:
    schedule = create(client, world, schedule_body([approved_creative["id"]], start_date=None))
    value: Any = [sent] if field == "exclude_dates" else sent
    response = httpx.patch(
        f"{live_server.url}/v1/schedules/{schedule.json()['id']}",
        json={field: value},
        headers=world.headers("force_a_editor"),
    )
    assert_problem(response, 422, RANGE)


@pytest.mark.parametrize(
    ("start_date", "end_date"),
    [("2000-01-01", "2000-01-01"), ("2100-12-31", "2100-12-31"), ("2000-01-01", "2100-12-31")],
)
def test_schedule_at_the_date_bounds_is_kept_and_its_calendars_answer(
    live_server: LiveServer,
    world: World,
    approved_creative: Creative,
    start_date: str,
    end_date: str,
) -> None:
    headers = world.headers("force_a_editor")
    body = schedule_body(
        [approved_creative["id"]],
        start_date=start_date,
        end_date=end_date,
        exclude_dates=[start_date, end_date],
    )
    with httpx.Client(base_url=live_server.url, headers=headers, timeout=30) as http:
        created = http.post("/v1/schedules", json=body)
        assert created.status_code == 201, created.text
        assert (created.json()["start_date"], created.json()["end_date"]) == (start_date, end_date)
        for path in (f"/v1/schedules/{created.json()['id']}.ics", "/v1/schedules.ics"):
            calendar = http.get(path)
            assert calendar.status_code == 200, (path, calendar.text)
            assert calendar.text.startswith("BEGIN:VCALENDAR")


REACH_OUTSIDE = [
    {"from": "0001-01-01T00:00:00Z"},
    {"from": "0001-01-01T00:00:00+14:00"},
    {"from": "9999-12-27T00:00:00Z"},
    {"from": "9999-12-31T23:59:59-12:00"},
    {"from": "1999-12-31T23:59:59.999999Z", "to": "2000-01-02T00:00:00Z"},
    {"from": "2100-12-30T00:00:00Z", "to": "2101-01-01T00:00:00Z"},
    {"to": "9999-12-31T00:00:00Z"},
    {"to": "0001-01-02T00:00:00Z"},
    # No `to`: the default week would end past the range.
    {"from": "2100-12-31T00:00:00Z"},
]


@pytest.mark.parametrize("params", REACH_OUTSIDE)
def test_reach_outside_the_range_is_422(
    live_server: LiveServer,
    client: TestClient,
    world: World,
    approved_creative: Creative,
    params: dict[str, str],
) -> None:
    schedule = create(client, world, schedule_body([approved_creative["id"]])).json()
    response = httpx.get(
        f"{live_server.url}/v1/schedules/{schedule['id']}/reach",
        params=params,
        headers=world.headers("force_a_editor"),
    )
    assert_problem(response, 422, RANGE)


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2000-01-01T00:00:00Z", "to": "2000-01-08T00:00:00Z"},
        {"from": "2000-01-01T01:00:00+01:00"},
        {"from": "2100-12-24T23:59:59.999999Z", "to": "2100-12-31T23:59:59.999999Z"},
        {"from": "2100-12-24T00:00:00Z", "to": "2101-01-01T00:59:59+01:00"},
    ],
)
def test_reach_at_the_bounds_answers(
    live_server: LiveServer,
    client: TestClient,
    world: World,
    approved_creative: Creative,
    params: dict[str, str],
) -> None:
    make_venue(client, world)
    body = schedule_body([approved_creative["id"]], start_date=None)
    schedule = create(client, world, body).json()
    response = httpx.get(
        f"{live_server.url}/v1/schedules/{schedule['id']}/reach",
        params=params,
        headers=world.headers("force_a_editor"),
        timeout=30,
    )
    assert response.status_code == 200, response.text


def test_reach_without_an_offset_is_422(
    live_server: LiveServer, client: TestClient, world: World, approved_creative: Creative
) -> None:
    schedule = create(client, world, schedule_body([approved_creative["id"]])).json()
    response = httpx.get(
        f"{live_server.url}/v1/schedules/{schedule['id']}/reach",
        params={"from": "2026-11-28T22:00:00"},
        headers=world.headers("force_a_editor"),
    )
    assert_problem(response, 422, "from:", "timezone")


@pytest.mark.parametrize("days", ["0", "731", "99999999999999999999", "1e9"])
def test_calendar_days_out_of_bounds_is_422(
    live_server: LiveServer, world: World, days: str
) -> None:
    response = httpx.get(
        f"{live_server.url}/v1/schedules.ics",
        params={"days": days},
        headers=world.headers("force_a_editor"),
    )
    assert_problem(response, 422, "days")
