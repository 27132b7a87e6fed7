"""HTTP tests for /v1/venues: creation, validation and who may see or change which venue."""

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.factories import World, assert_problem, make_screen, make_venue, venue_body


def post_venue(client: TestClient, world: World, persona: str, **overrides: Any) -> httpx.Response:
    return client.post(
        "/v1/venues", json=venue_body(world, **overrides), headers=world.headers(persona)
    )


def venue_ids(client: TestClient, world: World, persona: str) -> set[str]:
    response = client.get("/v1/venues", headers=world.headers(persona))
    assert response.status_code == 200, response.text
    return {v["id"] for v in response.json()}


# --- creation -------------------------------------------------------------------------------


def test_partner_creates_venue_with_fields_echoed(client: TestClient, world: World) -> None:
    response = post_venue(client, world, "partner_1", name="  The Crown  ", kind="nightclub")
    assert response.status_code == 201, response.text
    venue = response.json()
    assert len(venue["id"]) == 36
    assert venue["name"] == "The Crown"
    assert venue["kind"] == "nightclub"
    assert venue["force_id"] == world.org_id("force_a")
    assert venue["organisation_id"] == world.org_id("partner_1")
    assert venue["nation"] == "england"
    assert venue["timezone"] == "Europe/London"
    assert venue["created_at"]


def test_partner_admin_creates_venue(client: TestClient, world: World) -> None:
    response = post_venue(client, world, "partner_1_admin")
    assert response.status_code == 201, response.text
    assert response.json()["organisation_id"] == world.org_id("partner_1")


def test_postcode_is_normalised(client: TestClient, world: World) -> None:
    venue = make_venue(client, world, postcode="  le1   1aa ")
    assert venue["postcode"] == "LE1 1AA"


def test_blank_postcode_becomes_null(client: TestClient, world: World) -> None:
    venue = make_venue(client, world, postcode="   ")
    assert venue["postcode"] is None


def test_postcode_is_normalised_on_patch(client: TestClient, world: World) -> None:
    venue = make_venue(client, world)
    response = client.patch(
        f"/v1/venues/{venue['id']}",
        json={"postcode": " g2  3ab"},
        headers=world.headers("partner_1"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["postcode"] == "G2 3AB"


def test_timezone_defaults_to_europe_london(client: TestClient, world: World) -> None:
    body = venue_body(world)
    del body["timezone"]
    response = client.post("/v1/venues", json=body, headers=world.headers("partner_1"))
    assert response.status_code == 201, response.text
    assert response.json()["timezone"] == "Europe/London"


def test_other_iana_timezone_is_kept(client: TestClient, world: World) -> None:
    venue = make_venue(client, world, timezone="Europe/Dublin")
    assert venue["timezone"] == "Europe/Dublin"


def test_opening_hours_closing_after_midnight_are_kept(client: TestClient, world: World) -> None:
    hours = [
        {"day": "sat", "open": "20:00", "close": "03:00"},
        {"day": "fri", "open": "20:00", "close": "03:00"},
        {"day": "sun", "open": "12:00", "close": "12:00"},
    ]
    venue = make_venue(client, world, opening_hours=hours)
    # Kept as given (sorted by day); a close at or before the open means the next day.
    assert venue["opening_hours"] == [
        {"day": "fri", "open": "20:00", "close": "03:00"},
        {"day": "sat", "open": "20:00", "close": "03:00"},
        {"day": "sun", "open": "12:00", "close": "12:00"},
    ]
    read = client.get(f"/v1/venues/{venue['id']}", headers=world.headers("partner_1"))
    assert read.json()["opening_hours"] == venue["opening_hours"]


def test_opening_hours_and_postcode_are_optional(client: TestClient, world: World) -> None:
    body = {
        "name": "Kebab Corner",
        "kind": "takeaway",
        "force_id": world.org_id("force_b"),
        "nation": "scotland",
    }
    response = client.post("/v1/venues", json=body, headers=world.headers("partner_2"))
    assert response.status_code == 201, response.text
    venue = response.json()
    assert venue["opening_hours"] == []
    assert venue["postcode"] is None
    assert venue["nation"] == "scotland"


@pytest.mark.parametrize("persona", ["force_a_editor", "force_a_admin", "national_admin"])
def test_police_and_national_staff_cannot_create_venues(
    client: TestClient, world: World, persona: str
) -> None:
    assert_problem(post_venue(client, world, persona), 403, "partner")
    assert venue_ids(client, world, "national_admin") == set()


# --- scoping --------------------------------------------------------------------------------


def test_partner_lists_only_own_venues(client: TestClient, world: World) -> None:
    own = make_venue(client, world, "partner_1")
    make_venue(client, world, "partner_2", name="Late Bites")
    assert venue_ids(client, world, "partner_1") == {own["id"]}
    assert venue_ids(client, world, "partner_1_admin") == {own["id"]}


def test_partner_reads_own_venue(client: TestClient, world: World) -> None:
    venue = make_venue(client, world)
    response = client.get(f"/v1/venues/{venue['id']}", headers=world.headers("partner_1"))
    assert response.status_code == 200
    assert response.json() == venue


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_partner_cannot_see_other_partners_venue(
    client: TestClient, world: World, method: str
) -> None:
    venue = make_venue(client, world, "partner_1")
    kwargs: dict[str, Any] = {"json": {"name": "Mine now"}} if method == "PATCH" else {}
    response = client.request(
        method, f"/v1/venues/{venue['id']}", headers=world.headers("partner_2"), **kwargs
    )
    assert_problem(response, 404, "not found")
    assert client.get(f"/v1/venues/{venue['id']}", headers=world.headers("partner_1")).json() == (
        venue
    )


def test_force_sees_venues_in_its_area(client: TestClient, world: World) -> None:
    in_area = make_venue(client, world, force_id=world.org_id("force_a"))
    make_venue(client, world, name="Glasgow", force_id=world.org_id("force_b"), nation="scotland")
    assert venue_ids(client, world, "force_a_editor") == {in_area["id"]}
    response = client.get(f"/v1/venues/{in_area['id']}", headers=world.headers("force_a_editor"))
    assert response.status_code == 200
    assert response.json() == in_area


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_force_cannot_change_venues_in_its_area(
    client: TestClient, world: World, method: str
) -> None:
    venue = make_venue(client, world, force_id=world.org_id("force_a"))
    kwargs: dict[str, Any] = {"json": {"name": "Renamed"}} if method == "PATCH" else {}
    response = client.request(
        method, f"/v1/venues/{venue['id']}", headers=world.headers("force_a_admin"), **kwargs
    )
    assert_problem(response, 403, "not change")
    assert client.get(f"/v1/venues/{venue['id']}", headers=world.headers("partner_1")).json() == (
        venue
    )


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_other_force_gets_404_for_venue_outside_its_area(
    client: TestClient, world: World, method: str
) -> None:
    venue = make_venue(client, world, force_id=world.org_id("force_a"))
    kwargs: dict[str, Any] = {"json": {"name": "Renamed"}} if method == "PATCH" else {}
    response = client.request(
        method, f"/v1/venues/{venue['id']}", headers=world.headers("force_b_editor"), **kwargs
    )
    assert_problem(response, 404, "not found")
    assert venue_ids(client, world, "force_b_editor") == set()


@pytest.mark.parametrize("persona", ["national_admin", "national_editor", "national_approver"])
def test_national_sees_all_venues(client: TestClient, world: World, persona: str) -> None:
    first = make_venue(client, world, "partner_1")
    second = make_venue(
        client, world, "partner_2", force_id=world.org_id("force_b"), nation="scotland"
    )
    assert venue_ids(client, world, persona) == {first["id"], second["id"]}
    response = client.get(f"/v1/venues/{second['id']}", headers=world.headers(persona))
    assert response.status_code == 200
    assert response.json() == second


@pytest.mark.parametrize("persona", ["national_admin", "national_editor"])
@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_national_cannot_change_venues(
    client: TestClient, world: World, persona: str, method: str
) -> None:
    venue = make_venue(client, world)
    kwargs: dict[str, Any] = {"json": {"name": "Renamed"}} if method == "PATCH" else {}
    response = client.request(
        method, f"/v1/venues/{venue['id']}", headers=world.headers(persona), **kwargs
    )
    assert_problem(response, 403, "not change")


def test_list_is_ordered_by_name(client: TestClient, world: World) -> None:
    for name in ("Zebra Bar", "Anchor", "Moon"):
        make_venue(client, world, name=name)
    response = client.get("/v1/venues", headers=world.headers("partner_1"))
    assert [v["name"] for v in response.json()] == ["Anchor", "Moon", "Zebra Bar"]


def test_unknown_venue_id_is_404(client: TestClient, world: World) -> None:
    response = client.get("/v1/venues/no-such-venue", headers=world.headers("national_admin"))
    assert_problem(response, 404, "no-such-venue")


# --- editing --------------------------------------------------------------------------------


def test_partner_patches_only_given_fields(client: TestClient, world: World) -> None:
    venue = make_venue(client, world)
    response = client.patch(
        f"/v1/venues/{venue['id']}",
        json={"name": "The Crown & Sceptre", "kind": "bar", "timezone": "Europe/Dublin"},
        headers=world.headers("partner_1"),
    )
    assert response.status_code == 200, response.text
    patched = response.json()
    assert patched == {
        **venue,
        "name": "The Crown & Sceptre",
        "kind": "bar",
        "timezone": "Europe/Dublin",
    }
    read = client.get(f"/v1/venues/{venue['id']}", headers=world.headers("partner_1"))
    assert read.json() == patched


def test_patch_moves_venue_to_another_force(client: TestClient, world: World) -> None:
    venue = make_venue(client, world, force_id=world.org_id("force_a"))
    response = client.patch(
        f"/v1/venues/{venue['id']}",
        json={"force_id": world.org_id("force_b")},
        headers=world.headers("partner_1"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["force_id"] == world.org_id("force_b")
    assert venue_ids(client, world, "force_a_editor") == set()
    assert venue_ids(client, world, "force_b_editor") == {venue["id"]}


def test_patch_replaces_opening_hours(client: TestClient, world: World) -> None:
    venue = make_venue(client, world)
    hours = [{"day": "thu", "open": "22:00", "close": "04:00"}]
    response = client.patch(
        f"/v1/venues/{venue['id']}",
        json={"opening_hours": hours},
        headers=world.headers("partner_1"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["opening_hours"] == hours


@pytest.mark.parametrize(
    "field", ["name", "kind", "force_id", "nation", "timezone", "opening_hours"]
)
def test_patch_cannot_null_a_required_field(client: TestClient, world: World, field: str) -> None:
    venue = make_venue(client, world)
    response = client.patch(
        f"/v1/venues/{venue['id']}", json={field: None}, headers=world.headers("partner_1")
    )
    assert_problem(response, 422, field)


def test_patch_to_partner_force_id_is_422(client: TestClient, world: World) -> None:
    venue = make_venue(client, world)
    response = client.patch(
        f"/v1/venues/{venue['id']}",
        json={"force_id": world.org_id("partner_2")},
        headers=world.headers("partner_1"),
    )
    assert_problem(response, 422, "force_id")


def test_patch_with_bad_hours_is_422(client: TestClient, world: World) -> None:
    venue = make_venue(client, world)
    response = client.patch(
        f"/v1/venues/{venue['id']}",
        json={"opening_hours": [{"day": "mon", "open": "25:00", "close": "02:00"}]},
        headers=world.headers("partner_1"),
    )
    assert_problem(response, 422, "opening_hours.0.open")


# --- deletion -------------------------------------------------------------------------------


def test_delete_venue_with_live_screens_is_409(client: TestClient, world: World) -> None:
    venue = make_venue(client, world)
    make_screen(client, world, venue["id"])
    response = client.delete(f"/v1/venues/{venue['id']}", headers=world.headers("partner_1"))
    assert_problem(response, 409, "screen")
    assert client.get(f"/v1/venues/{venue['id']}", headers=world.headers("partner_1")).json() == (
        venue
    )


def test_delete_venue_after_revoking_its_screens(client: TestClient, world: World) -> None:
    venue = make_venue(client, world)
    screens = [make_screen(client, world, venue["id"], name=f"Screen {n}") for n in range(2)]
    for screen in screens:
        revoked = client.delete(f"/v1/screens/{screen['id']}", headers=world.headers("partner_1"))
        assert revoked.status_code == 204
    response = client.delete(f"/v1/venues/{venue['id']}", headers=world.headers("partner_1"))
    assert response.status_code == 204
    assert response.content == b""
    gone = client.get(f"/v1/venues/{venue['id']}", headers=world.headers("partner_1"))
    assert_problem(gone, 404, "not found")
    assert venue_ids(client, world, "partner_1") == set()
    assert venue_ids(client, world, "national_admin") == set()


def test_deleted_venue_cannot_be_deleted_or_patched_again(client: TestClient, world: World) -> None:
    venue = make_venue(client, world)
    url = f"/v1/venues/{venue['id']}"
    assert client.delete(url, headers=world.headers("partner_1")).status_code == 204
    assert_problem(client.delete(url, headers=world.headers("partner_1")), 404, "not found")
    patch = client.patch(url, json={"name": "Back"}, headers=world.headers("partner_1"))
    assert_problem(patch, 404, "not found")


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"kind": "casino"}, "kind", id="unknown-kind"),
        pytest.param({"nation": "cornwall"}, "nation", id="unknown-nation"),
        pytest.param({"timezone": "Mars/Olympus"}, "timezone", id="timezone-mars"),
        pytest.param({"timezone": "localtime"}, "timezone", id="timezone-localtime"),
        pytest.param({"timezone": ""}, "timezone", id="timezone-empty"),
        pytest.param({"name": ""}, "name", id="empty-name"),
        pytest.param({"name": "   "}, "name", id="blank-name"),
        pytest.param({"name": "x" * 201}, "name", id="long-name"),
        pytest.param({"name": 42}, "name", id="numeric-name"),
        pytest.param({"postcode": "x" * 17}, "postcode", id="long-postcode"),
        pytest.param({"force_id": ""}, "force_id", id="empty-force"),
        pytest.param({"colour": "red"}, "colour", id="extra-field"),
        pytest.param(
            {"opening_hours": [{"day": "fri", "open": "25:00", "close": "02:00"}]},
            "opening_hours.0.open",
            id="hour-25",
        ),
        pytest.param(
            {"opening_hours": [{"day": "fri", "open": "7pm", "close": "02:00"}]},
            "opening_hours.0.open",
            id="7pm",
        ),
        pytest.param(
            {"opening_hours": [{"day": "fri", "open": "18:00", "close": "24:00"}]},
            "opening_hours.0.close",
            id="24-00",
        ),
        pytest.param(
            {"opening_hours": [{"day": "fri", "open": "18:00", "close": "2:00"}]},
            "opening_hours.0.close",
            id="single-digit-hour",
        ),
        pytest.param(
            {"opening_hours": [{"day": "friday", "open": "18:00", "close": "02:00"}]},
            "opening_hours.0.day",
            id="bad-day",
        ),
        pytest.param(
            {"opening_hours": [{"day": "fri", "open": "18:00"}]},
            "opening_hours.0.close",
            id="missing-close",
        ),
        pytest.param(
            {"opening_hours": [{"day": "fri", "open": "18:00", "close": "02:00", "x": 1}]},
            "opening_hours.0.x",
            id="extra-period-field",
        ),
        pytest.param(
            {
                "opening_hours": [
                    {"day": "fri", "open": "12:00", "close": "15:00"},
                    {"day": "fri", "open": "18:00", "close": "02:00"},
                ]
            },
            "opening_hours",
            id="two-periods-same-day",
        ),
        pytest.param({"opening_hours": {"fri": "18:00"}}, "opening_hours", id="hours-not-list"),
    ],
)
def test_bad_venue_is_422_naming_the_field(
    client: TestClient, world: World, overrides: dict[str, Any], field: str
) -> None:
    body = assert_problem(post_venue(client, world, "partner_1", **overrides), 422)
    assert body["detail"].startswith(f"{field}:"), body["detail"]
    assert venue_ids(client, world, "partner_1") == set()


@pytest.mark.parametrize("field", ["name", "kind", "force_id", "nation"])
def test_missing_required_field_is_422(client: TestClient, world: World, field: str) -> None:
    body = venue_body(world)
    del body[field]
    response = client.post("/v1/venues", json=body, headers=world.headers("partner_1"))
    problem = assert_problem(response, 422, field, "required")
    assert problem["detail"].startswith(f"{field}:")


def test_two_periods_on_same_day_names_the_day(client: TestClient, world: World) -> None:
    hours = [
        {"day": "sat", "open": "12:00", "close": "15:00"},
        {"day": "sat", "open": "18:00", "close": "02:00"},
    ]
    response = post_venue(client, world, "partner_1", opening_hours=hours)
    assert_problem(response, 422, "opening_hours", "sat")


@pytest.mark.parametrize("force_key", ["partner_2", "national"])
def test_force_id_of_non_force_organisation_is_422(
    client: TestClient, world: World, force_key: str
) -> None:
    response = post_venue(client, world, "partner_1", force_id=world.org_id(force_key))
    assert_problem(response, 422, "force_id", "police force")


def test_force_id_that_does_not_exist_is_422(client: TestClient, world: World) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    response = post_venue(client, world, "partner_1", force_id=missing)
    assert_problem(response, 422, "force_id", missing)


def test_malformed_json_is_422(client: TestClient, world: World) -> None:
    response = client.post(
        "/v1/venues",
        content=b'{"name": "The Crown", ',
        headers={**world.headers("partner_1"), "Content-Type": "application/json"},
    )
    assert_problem(response, 422, "JSON")


def test_json_array_instead_of_object_is_422(client: TestClient, world: World) -> None:
    response = client.post(
        "/v1/venues", json=[venue_body(world)], headers=world.headers("partner_1")
    )
    assert_problem(response, 422, "object")


def test_patch_with_extra_field_is_422(client: TestClient, world: World) -> None:
    venue = make_venue(client, world)
    response = client.patch(
        f"/v1/venues/{venue['id']}",
        json={"organisation_id": world.org_id("partner_2")},
        headers=world.headers("partner_1"),
    )
    assert_problem(response, 422, "organisation_id")
    assert venue_ids(client, world, "partner_1") == {venue["id"]}


@pytest.mark.parametrize(
    "raw_name",
    ['"The \\u0000 Crown"', '"\\ud800"'],
    ids=["nul-character", "lone-surrogate"],
)
def test_unstorable_name_is_4xx_not_5xx(client: TestClient, world: World, raw_name: str) -> None:
    raw = (
        f'{{"name": {raw_name}, "kind": "pub", "nation": "england", '
        f'"force_id": "{world.org_id("force_a")}"}}'
    )
    response = client.post(
        "/v1/venues",
        content=raw.encode(),
        headers={**world.headers("partner_1"), "Content-Type": "application/json"},
    )
    assert 400 <= response.status_code < 500, response.text
    assert_problem(response, response.status_code, "name")


# --- authentication -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic dXNlcjpwYXNz"}],
    ids=["no-token", "garbage-token", "basic-auth"],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/venues"), ("POST", "/v1/venues"), ("GET", "/v1/venues/x")],
)
def test_venues_need_a_valid_token(
    client: TestClient, world: World, headers: dict[str, str], method: str, path: str
) -> None:
    kwargs: dict[str, Any] = {"json": venue_body(world)} if method == "POST" else {}
    response = client.request(method, path, headers=headers, **kwargs)
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("venue_id", ["%00", "x" * 300, "%ED%A0%80", "' OR 1=1 --"])
def test_odd_venue_ids_are_404(client: TestClient, world: World, venue_id: str) -> None:
    response = client.get(f"/v1/venues/{venue_id}", headers=world.headers("partner_1"))
    assert_problem(response, 404, "not found")
