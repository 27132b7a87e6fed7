from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import World, make_campaign, make_venue, post_creative, schedule_body

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
