"""The Schedules pages over HTTP: the form builds the API's schedule (a past-midnight window
relative to closing time), its errors are the API's on their inputs, "Check reach" shows the
reach and the warnings without saving, editing, scoping, CSRF and the live count."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.console.console_helpers import signed_in
from tests.factories import (
    World,
    make_campaign,
    make_screen,
    make_venue,
    schedule_body,
    upload_creative,
)

NEXT_YEAR = {"start_date": "", "end_date": ""}


@pytest.fixture
def estate(client: TestClient, world: World, approved_creative: dict[str, Any]) -> dict[str, Any]:
    venue = make_venue(client, world)
    screen = make_screen(client, world, venue["id"])
    return {"venue": venue, "screen": screen, "creative": approved_creative}


def _form(creative_id: str | None, token: str, **overrides: Any) -> dict[str, Any]:
    """Friday and Saturday from 1 hour before closing until 30 minutes after it."""
    form: dict[str, Any] = {
        "csrf_token": token,
        "name": "Walk Away closing time",
        "window-1-days": ["fri", "sat"],
        "window-1-start-kind": "close",
        "window-1-start-offset": "60",
        "window-1-start-direction": "before",
        "window-1-end-kind": "close",
        "window-1-end-offset": "30",
        "window-1-end-direction": "after",
        # The inputs of the other kinds are posted too, as a browser posts them.
        "window-1-start-time": "20:00",
        "window-1-end-time": "",
        "priority": "60",
        "weight": "1",
        "action": "save",
    }
    if creative_id is not None:
        form["creative_ids"] = [creative_id]
    form.update(overrides)
    return form


def _schedules(client: TestClient, world: World) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.get(
        "/v1/schedules", headers=world.headers("force_a_editor")
    ).json()
    return found


def test_save_builds_the_apis_schedule(
    client: TestClient, world: World, estate: dict[str, Any]
) -> None:
    token = signed_in(client, world, "force_a_editor")
    answer = client.post(
        "/console/schedules/new",
        data=_form(estate["creative"]["id"], token),
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    [saved] = _schedules(client, world)
    assert saved["windows"] == [
        {"days": ["fri", "sat"], "start": "close-01:00", "end": "close+00:30"}
    ]
    assert saved["priority"] == 60
    assert saved["creative_ids"] == [estate["creative"]["id"]]
    page = client.get(answer.headers["location"])
    assert "The schedule has been saved." in page.text
    assert "Check reach" in page.text
    # The form shows it again as it was entered.
    assert 'value="close" checked' in page.text
    assert '<option value="60" selected>' in page.text
    listing = client.get("/console/schedules").text
    assert "Walk Away closing time" in listing
    assert (
        "Fridays, Saturdays, from 1 hour before closing until 30 minutes after closing" in listing
    )


def test_an_empty_form_names_what_is_missing(client: TestClient, world: World) -> None:
    token = signed_in(client, world, "force_a_editor")
    answer = client.post("/console/schedules/new", data={"csrf_token": token, "action": "save"})
    assert answer.status_code == 422
    text = answer.text
    assert "There is a problem" in text
    assert "Enter a name for the schedule" in text
    assert 'href="#name"' in text
    assert _schedules(client, world) == []


def test_window_errors_are_linked_to_their_inputs(
    client: TestClient, world: World, estate: dict[str, Any]
) -> None:
    token = signed_in(client, world, "force_a_editor")
    form = _form(
        estate["creative"]["id"],
        token,
        **{"window-1-start-kind": "clock", "window-1-start-time": "", "window-2-days": []},
    )
    form["window-2-end-kind"] = "clock"
    form["window-2-end-time"] = "23:00"  # a second row without days
    answer = client.post("/console/schedules/new", data=form)
    assert answer.status_code == 422
    assert 'href="#window-1-start-time"' in answer.text
    assert "Enter a time such as 21:00" in answer.text
    assert 'href="#window-2-days"' in answer.text
    assert "Select at least one day for this window" in answer.text


def test_the_apis_own_message_for_a_bad_value(
    client: TestClient, world: World, estate: dict[str, Any]
) -> None:
    token = signed_in(client, world, "force_a_editor")
    answer = client.post(
        "/console/schedules/new", data=_form(estate["creative"]["id"], token, priority="101")
    )
    assert answer.status_code == 422
    assert 'href="#priority"' in answer.text
    assert "priority: Input should be less than or equal to 100" in answer.text


def test_check_reach_shows_figures_and_saves_nothing(
    client: TestClient, world: World, estate: dict[str, Any]
) -> None:
    token = signed_in(client, world, "force_a_editor")
    answer = client.post(
        "/console/schedules/new",
        data=_form(estate["creative"]["id"], token, action="check"),
    )
    assert answer.status_code == 200, answer.text
    assert 'id="reach-figures"' in answer.text
    assert _schedules(client, world) == []
    # Fridays and Saturdays 01:00 before closing (02:00, 03:00) to 30 minutes after: 3 hours
    # a week on one screen.
    figures = answer.text.split('id="reach-figures"')[1].split("</dl>")[0]
    assert "3.0" in figures


def test_check_reach_warns_about_what_can_never_air(
    client: TestClient, world: World, estate: dict[str, Any]
) -> None:
    campaign = make_campaign(client, world, name="Pending")
    pending = upload_creative(client, world, campaign["id"], name="Unapproved poster")
    token = signed_in(client, world, "force_a_editor")
    answer = client.post(
        "/console/schedules/new",
        data=_form(pending["id"], token, action="check", end_date="2020-01-31", tags="nowhere"),
    )
    assert answer.status_code == 200, answer.text
    warnings = answer.text.split('id="reach-warnings"')[1]
    assert "has passed, so it will never air again" in warnings
    assert "Unapproved poster is not approved, so it will not play until it is." in warnings
    assert "None of its creatives can play, so it cannot air." in warnings
    assert "It reaches no screen: no live screen matches its targeting." in warnings


def test_check_reach_warns_when_a_higher_priority_always_wins(
    client: TestClient, world: World, estate: dict[str, Any]
) -> None:
    higher = schedule_body(
        [estate["creative"]["id"]],
        priority=90,
        windows=[{"days": ["fri", "sat"], "start": "18:00", "end": "close+01:00"}],
        start_date=None,
    )
    made = client.post("/v1/schedules", json=higher, headers=world.headers("force_a_editor"))
    assert made.status_code == 201, made.text
    token = signed_in(client, world, "force_a_editor")
    answer = client.post(
        "/console/schedules/new", data=_form(estate["creative"]["id"], token, action="check")
    )
    warnings = answer.text.split('id="reach-warnings"')[1]
    assert "A schedule of higher priority is on air whenever this one is" in warnings


def test_edit_changes_the_schedule(
    client: TestClient, world: World, estate: dict[str, Any]
) -> None:
    token = signed_in(client, world, "force_a_editor")
    client.post("/console/schedules/new", data=_form(estate["creative"]["id"], token))
    [saved] = _schedules(client, world)
    answer = client.post(
        f"/console/schedules/{saved['id']}",
        data=_form(estate["creative"]["id"], token, name="Renamed", weight="3"),
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    [edited] = _schedules(client, world)
    assert (edited["name"], edited["weight"]) == ("Renamed", 3)
    assert edited["windows"] == saved["windows"]


def test_another_forces_schedule_is_not_found(
    client: TestClient, world: World, estate: dict[str, Any]
) -> None:
    token = signed_in(client, world, "force_a_editor")
    client.post("/console/schedules/new", data=_form(estate["creative"]["id"], token))
    [saved] = _schedules(client, world)
    other = TestClient(client.app)
    other_token = signed_in(other, world, "force_b_editor")
    assert other.get(f"/console/schedules/{saved['id']}").status_code == 404
    assert "Walk Away closing time" not in other.get("/console/schedules").text
    posted = other.post(
        f"/console/schedules/{saved['id']}", data=_form(estate["creative"]["id"], other_token)
    )
    assert posted.status_code == 404


def test_the_national_unit_reads_a_forces_schedule_but_cannot_change_it(
    client: TestClient, world: World, estate: dict[str, Any]
) -> None:
    token = signed_in(client, world, "force_a_editor")
    client.post("/console/schedules/new", data=_form(estate["creative"]["id"], token))
    [saved] = _schedules(client, world)
    national = TestClient(client.app)
    national_token = signed_in(national, world, "national_editor")
    page = national.get(f"/console/schedules/{saved['id']}")
    assert page.status_code == 200
    assert "you can see it but not change it" in page.text
    assert "Save schedule" not in page.text
    posted = national.post(
        f"/console/schedules/{saved['id']}", data=_form(estate["creative"]["id"], national_token)
    )
    assert posted.status_code == 403


def test_a_force_cannot_target_another_forces_area(
    client: TestClient, world: World, estate: dict[str, Any]
) -> None:
    token = signed_in(client, world, "force_a_editor")
    answer = client.post(
        "/console/schedules/new",
        data=_form(estate["creative"]["id"], token, force_ids=[world.org_id("force_b")]),
    )
    assert answer.status_code == 422
    assert "a force may target only its own area" in answer.text
    assert _schedules(client, world) == []


def test_without_the_csrf_token_nothing_is_saved(
    client: TestClient, world: World, estate: dict[str, Any]
) -> None:
    signed_in(client, world, "force_a_editor")
    form = _form(estate["creative"]["id"], "")
    del form["csrf_token"]
    assert client.post("/console/schedules/new", data=form).status_code == 403
    assert _schedules(client, world) == []


def test_partners_never_see_schedules(client: TestClient, world: World) -> None:
    signed_in(client, world, "partner_1")
    assert client.get("/console/schedules").status_code == 403
    assert client.get("/console/schedules/new").status_code == 403
    assert client.get("/console/schedules/screens-count").status_code == 403


def test_live_count_of_screens_reached(
    client: TestClient, world: World, estate: dict[str, Any]
) -> None:
    make_screen(client, world, estate["venue"]["id"], name="Door", tags=["entrance"])
    signed_in(client, world, "force_a_editor")
    everything = client.get("/console/schedules/screens-count").json()
    assert everything == {"screens": 2, "text": "This targeting reaches 2 screens."}
    tagged = client.get("/console/schedules/screens-count", params={"tags": "entrance"}).json()
    assert tagged["screens"] == 1
    clubs = client.get("/console/schedules/screens-count", params={"venue_kinds": "nightclub"})
    assert clubs.json()["screens"] == 0
    # Another force's editor reaches none of force A's screens, whatever they ask.
    other = TestClient(client.app)
    signed_in(other, world, "force_b_editor")
    assert other.get("/console/schedules/screens-count").json()["screens"] == 0
