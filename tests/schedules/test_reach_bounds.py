"""The expensive reads have documented upper bounds: a longer range is a 422 that says so."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import World, assert_problem, schedule_body


@pytest.fixture
def schedule(client: TestClient, world: World, approved_creative: dict[str, Any]) -> Any:
    response = client.post(
        "/v1/schedules",
        json=schedule_body([approved_creative["id"]]),
        headers=world.headers("force_a_editor"),
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_reach_over_92_days_is_a_422_naming_the_bound(
    client: TestClient, world: World, schedule: Any
) -> None:
    response = client.get(
        f"/v1/schedules/{schedule['id']}/reach",
        params={"from": "2026-12-01T00:00:00Z", "to": "2027-03-03T00:00:01Z"},
        headers=world.headers("force_a_editor"),
    )
    assert_problem(response, 422, "at most 92 days")


def test_reach_of_92_days_is_answered(client: TestClient, world: World, schedule: Any) -> None:
    response = client.get(
        f"/v1/schedules/{schedule['id']}/reach",
        params={"from": "2026-12-01T00:00:00Z", "to": "2027-03-03T00:00:00Z"},
        headers=world.headers("force_a_editor"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["to"] == "2027-03-03T00:00:00Z"


def test_reach_range_is_documented(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/v1/schedules/{schedule_id}/reach"]
    assert "at most 92 days" in operation["get"]["description"]


@pytest.mark.parametrize("path", ["/v1/schedules.ics", "/v1/schedules/{id}.ics"])
def test_calendar_beyond_366_days_is_a_422_naming_days(
    client: TestClient, world: World, schedule: Any, path: str
) -> None:
    response = client.get(
        path.format(id=schedule["id"]),
        params={"days": 367},
        headers=world.headers("force_a_editor"),
    )
    assert_problem(response, 422, "days")


@pytest.mark.parametrize("path", ["/v1/schedules.ics", "/v1/schedules/{id}.ics"])
def test_calendar_of_366_days_is_answered(
    client: TestClient, world: World, schedule: Any, path: str
) -> None:
    response = client.get(
        path.format(id=schedule["id"]),
        params={"days": 366},
        headers=world.headers("force_a_editor"),
    )
    assert response.status_code == 200, response.text
    assert response.text.startswith("BEGIN:VCALENDAR")


def test_calendar_bound_is_documented(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/v1/schedules.ics"]["get"]
    days = next(p for p in operation["parameters"] if p["name"] == "days")
    assert days["schema"]["maximum"] == 366
    assert "at most 366" in operation["description"]
