"""The Venues pages: the list, "Add venue" with past-midnight opening hours, editing, the
API's validation errors on their fields, and who may see and change what."""

from fastapi.testclient import TestClient

from tests.console.console_helpers import signed_in
from tests.factories import World, make_venue


def _form(world: World, token: str, **overrides: str) -> dict[str, str]:
    form = {
        "csrf_token": token,
        "name": "The Swan",
        "kind": "pub",
        "force_id": world.org_id("force_a"),
        "nation": "england",
        "timezone": "Europe/London",
        "postcode": "le1 2bb",
        "fri-open": "18:00",
        "fri-close": "02:00",
    }
    form.update(overrides)
    return form


def test_a_partner_adds_a_venue_closing_after_midnight(client: TestClient, world: World) -> None:
    token = signed_in(client, world, "partner_1")
    page = client.get("/console/venues/add")
    assert page.status_code == 200
    assert "after midnight" in page.text
    added = client.post("/console/venues/add", data=_form(world, token), follow_redirects=False)
    assert added.status_code == 303, added.text
    venue_id = added.headers["location"].rsplit("/", 1)[1]
    api = client.get(f"/v1/venues/{venue_id}", headers=world.headers("partner_1")).json()
    assert api["opening_hours"] == [{"day": "fri", "open": "18:00", "close": "02:00"}]
    assert api["postcode"] == "LE1 2BB"
    listed = client.get("/console/venues")
    assert "The Swan" in listed.text
    assert "18:00 to 02:00" in listed.text


def test_validation_errors_link_to_their_fields(client: TestClient, world: World) -> None:
    token = signed_in(client, world, "partner_1")
    answer = client.post(
        "/console/venues/add",
        data=_form(world, token, name="  ", **{"sat-open": "25:00", "sat-close": "02:00"}),
    )
    assert answer.status_code == 422
    assert 'href="#name"' in answer.text
    assert 'href="#sat-open"' in answer.text
    assert "is not a time of day as HH:MM" in answer.text  # the API's own message
    assert 'value="18:00"' in answer.text  # what was typed is kept


def test_one_time_without_the_other_is_an_error(client: TestClient, world: World) -> None:
    token = signed_in(client, world, "partner_1")
    answer = client.post("/console/venues/add", data=_form(world, token, **{"mon-open": "20:00"}))
    assert answer.status_code == 422
    assert 'href="#mon-close"' in answer.text


def test_a_force_that_is_not_a_force_is_refused_on_its_field(
    client: TestClient, world: World
) -> None:
    token = signed_in(client, world, "partner_1")
    answer = client.post(
        "/console/venues/add", data=_form(world, token, force_id=world.org_id("partner_2"))
    )
    assert answer.status_code == 422
    assert 'href="#force_id"' in answer.text
    assert "is not a police force organisation" in answer.text


def test_a_partner_edits_its_venue(client: TestClient, world: World) -> None:
    venue = make_venue(client, world)
    token = signed_in(client, world, "partner_1")
    page = client.get(f"/console/venues/{venue['id']}")
    assert page.status_code == 200
    assert 'value="The Crown"' in page.text
    saved = client.post(
        f"/console/venues/{venue['id']}",
        data=_form(world, token, name="The Crown and Sceptre", **{"fri-close": "03:30"}),
        follow_redirects=False,
    )
    assert saved.status_code == 303
    api = client.get(f"/v1/venues/{venue['id']}", headers=world.headers("partner_1")).json()
    assert api["name"] == "The Crown and Sceptre"
    assert api["opening_hours"] == [{"day": "fri", "open": "18:00", "close": "03:30"}]


def test_another_partners_venue_is_not_found(client: TestClient, world: World) -> None:
    venue = make_venue(client, world, "partner_2")
    token = signed_in(client, world, "partner_1")
    assert client.get(f"/console/venues/{venue['id']}").status_code == 404
    posted = client.post(f"/console/venues/{venue['id']}", data=_form(world, token))
    assert posted.status_code == 404
    assert venue["id"] not in client.get("/console/venues").text


def test_a_force_reads_venues_in_its_area_but_cannot_edit(client: TestClient, world: World) -> None:
    venue = make_venue(client, world)
    token = signed_in(client, world, "force_a_editor")
    listed = client.get("/console/venues")
    assert venue["id"] in listed.text
    assert "/console/venues/add" not in listed.text
    page = client.get(f"/console/venues/{venue['id']}")
    assert page.status_code == 200
    assert '<form method="post" action="/console/venues/' not in page.text
    assert "Fri" in page.text or "Friday" in page.text
    assert (
        client.post(f"/console/venues/{venue['id']}", data=_form(world, token)).status_code == 403
    )
    assert client.get("/console/venues/add").status_code == 403
    assert client.post("/console/venues/add", data=_form(world, token)).status_code == 403


def test_another_forces_venue_is_not_found(client: TestClient, world: World) -> None:
    venue = make_venue(client, world)
    signed_in(client, world, "force_b_editor")
    assert client.get(f"/console/venues/{venue['id']}").status_code == 404


def test_a_form_without_the_csrf_token_is_refused(client: TestClient, world: World) -> None:
    venue = make_venue(client, world)
    signed_in(client, world, "partner_1")
    form = _form(world, "")
    del form["csrf_token"]
    assert client.post("/console/venues/add", data=form).status_code == 403
    assert client.post(f"/console/venues/{venue['id']}", data=form).status_code == 403
    api = client.get(f"/v1/venues/{venue['id']}", headers=world.headers("partner_1")).json()
    assert api["name"] == "The Crown"
