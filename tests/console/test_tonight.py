"""The "Tonight" page: schedules on air now and later tonight, screens, approvals; each for
the caller's area only."""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient

from signage.console import tonight
from signage.console.i18n import CONSOLE_TIMEZONE
from signage.console.overview import night_end
from tests.console.console_helpers import signed_in
from tests.factories import (
    World,
    make_campaign,
    make_screen,
    make_venue,
    png_bytes,
    schedule_body,
    upload_creative,
)

ALL_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# Friday 4 December 2026, 21:30 in London (GMT).
FRIDAY_NIGHT = datetime(2026, 12, 4, 21, 30, tzinfo=UTC)


SUMMER_EVENING = datetime(2026, 7, 3, 20, 30, tzinfo=UTC)  # 21:30 in London (BST)


# Requested before `world`, so that the world's tokens are issued at the travelled time.
@pytest.fixture
def friday_night() -> Iterator[None]:
    with time_machine.travel(FRIDAY_NIGHT, tick=False):
        yield


@pytest.fixture
def summer_evening() -> Iterator[None]:
    with time_machine.travel(SUMMER_EVENING, tick=False):
        yield


def _schedule(
    client: TestClient, world: World, persona: str, creative_id: str, name: str, **body: Any
) -> dict[str, Any]:
    response = client.post(
        "/v1/schedules",
        json=schedule_body([creative_id], name=name, **body),
        headers=world.headers(persona),
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.fixture
def estate(friday_night: None, client: TestClient, world: World) -> dict[str, Any]:
    """Force A's area: a pub with two screens (one polling), and three of its schedules."""
    venue = make_venue(client, world)
    polling = make_screen(client, world, venue["id"], name="Bar")
    make_screen(client, world, venue["id"], name="Door")
    poll = client.get(
        "/v1/player/playlist", headers={"Authorization": f"Bearer {polling['device_token']}"}
    )
    assert poll.status_code == 200
    campaign = make_campaign(client, world)
    approved = upload_creative(client, world, campaign["id"], content=png_bytes(160, 90))
    decided = client.post(
        f"/v1/creatives/{approved['id']}/approve", headers=world.headers("force_a_approver")
    )
    assert decided.status_code == 200, decided.text
    pending = upload_creative(client, world, campaign["id"], content=png_bytes(160, 90, (0, 90, 0)))
    evening = [{"days": ALL_DAYS, "start": "20:00", "end": "04:00"}]
    late = [{"days": ALL_DAYS, "start": "23:00", "end": "02:00"}]
    morning = [{"days": ALL_DAYS, "start": "07:00", "end": "09:00"}]
    persona = "force_a_editor"
    _schedule(client, world, persona, approved["id"], "Walk Away evenings", windows=evening)
    _schedule(client, world, persona, pending["id"], "Taxi marshals late", windows=late)
    _schedule(client, world, persona, approved["id"], "Breakfast", windows=morning)
    return {"venue": venue}


def _tonight(client: TestClient, world: World, persona: str) -> str:
    signed_in(client, world, persona)
    page = client.get("/console")
    assert page.status_code == 200, page.text
    return " ".join(page.text.split())


def test_night_ends_at_six_on_the_console_clock() -> None:
    assert night_end(FRIDAY_NIGHT, CONSOLE_TIMEZONE) == datetime(
        2026, 12, 5, 6, 0, tzinfo=CONSOLE_TIMEZONE
    )
    small_hours = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
    assert night_end(small_hours, CONSOLE_TIMEZONE) == datetime(
        2026, 12, 5, 6, 0, tzinfo=CONSOLE_TIMEZONE
    )


def test_on_air_now_and_later_tonight_are_listed(
    estate: dict[str, Any], client: TestClient, world: World
) -> None:
    html = _tonight(client, world, "force_a_editor")
    assert "Friday, 4 December 2026" in html
    now_at = html.index("Walk Away evenings")
    later_at = html.index("Taxi marshals late")
    assert now_at < later_at  # on air now first
    assert "until 04:00" in html[now_at:later_at]
    assert "On air now" in html[now_at:later_at]
    assert "23:00 to 02:00" in html[later_at:]
    assert "Later tonight" in html[later_at:]
    assert "No approved creative" in html[later_at:]
    assert "Breakfast" not in html  # not tonight


def test_screens_are_counted_with_their_latest_reports(
    estate: dict[str, Any], client: TestClient, world: World
) -> None:
    html = _tonight(client, world, "force_a_editor")
    screens = html[html.index('id="screens"') :]
    assert 'Online </dt> <dd class="govuk-summary-list__value"> 1' in screens
    assert 'Offline </dt> <dd class="govuk-summary-list__value"> 0' in screens
    assert 'Never seen </dt> <dd class="govuk-summary-list__value"> 1' in screens


def test_waiting_for_approval_is_counted(
    estate: dict[str, Any], client: TestClient, world: World
) -> None:
    html = _tonight(client, world, "force_a_approver")
    assert "Waiting for approval" in html
    assert "1 creative" in html
    assert "1 creatives" not in html


def test_another_force_sees_nothing_of_it(
    estate: dict[str, Any], client: TestClient, world: World
) -> None:
    html = _tonight(client, world, "force_b_editor")
    assert "Walk Away evenings" not in html
    assert "Taxi marshals late" not in html
    assert "None of your schedules is on air" in html
    assert "0 creatives" in html
    screens = html[html.index('id="screens"') :]
    assert 'Online </dt> <dd class="govuk-summary-list__value"> 0' in screens
    assert 'Never seen </dt> <dd class="govuk-summary-list__value"> 0' in screens


def test_a_partner_sees_its_screens_and_no_schedules(
    estate: dict[str, Any], client: TestClient, world: World
) -> None:
    html = _tonight(client, world, "partner_1")
    assert "Walk Away evenings" not in html
    assert "On air tonight" not in html
    assert "Waiting for approval" not in html
    screens = html[html.index('id="screens"') :]
    assert 'Online </dt> <dd class="govuk-summary-list__value"> 1' in screens


def test_a_schedule_targeting_no_screen_of_the_area_is_not_listed(
    estate: dict[str, Any], client: TestClient, world: World
) -> None:
    campaign = make_campaign(client, world, name="Elsewhere")
    creative = upload_creative(client, world, campaign["id"], content=png_bytes(90, 160))
    _schedule(
        client,
        world,
        "force_a_editor",
        creative["id"],
        "Nightclubs only",
        windows=[{"days": ALL_DAYS, "start": "20:00", "end": "04:00"}],
        target={"venue_kinds": ["nightclub"]},
    )
    html = _tonight(client, world, "force_a_editor")
    assert "Nightclubs only" not in html


def test_times_are_on_the_console_clock_in_summer(
    summer_evening: None, client: TestClient, world: World
) -> None:
    make_screen(client, world, make_venue(client, world)["id"])
    campaign = make_campaign(client, world)
    creative = upload_creative(client, world, campaign["id"], content=png_bytes(160, 90))
    windows = [{"days": ALL_DAYS, "start": "20:00", "end": "04:00"}]
    _schedule(
        client,
        world,
        "force_a_editor",
        creative["id"],
        "Summer",
        windows=windows,
        start_date="2026-06-01",
    )
    html = _tonight(client, world, "force_a_editor")
    assert "Friday, 3 July 2026" in html
    assert "From 21:30 until 06:00" in html
    assert "until 04:00" in html


def test_an_edit_shows_at_once_though_the_night_is_kept(
    estate: dict[str, Any], client: TestClient, world: World
) -> None:
    assert "Walk Away evenings" in _tonight(client, world, "force_a_editor")
    campaign = make_campaign(client, world, name="New")
    creative = upload_creative(client, world, campaign["id"], content=png_bytes(160, 90))
    windows = [{"days": ALL_DAYS, "start": "22:00", "end": "23:00"}]
    _schedule(client, world, "force_a_editor", creative["id"], "Added just now", windows=windows)
    assert "Added just now" in " ".join(client.get("/console").text.split())


def test_the_kept_night_follows_the_clock(
    estate: dict[str, Any], client: TestClient, world: World
) -> None:
    html = _tonight(client, world, "force_a_editor")
    late = html[html.index("Taxi marshals late") :]
    assert "Later tonight" in late[:400]
    # Two hours on (so signed in afresh: the first session has been idle too long).
    with time_machine.travel(FRIDAY_NIGHT.replace(hour=23, minute=30), tick=False):
        html = _tonight(client, world, "force_a_editor")
    late = html[html.index("Taxi marshals late") :]
    assert "On air now" in late[:400]
    assert "until 02:00" in late[:400]


def test_an_edit_of_a_schedule_reuses_the_area_and_an_edit_of_the_estate_does_not(
    estate: dict[str, Any],
    client: TestClient,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The area's screens are read again only when the estate changes (its own version):
    after a schedule's edit only the programme is; both show at once."""
    loads: list[str] = []
    for name in ("load_screens", "load_programme"):
        original = getattr(tonight, name)

        def counted(*args: Any, _name: str = name, _original: Any = original, **kw: Any) -> Any:
            loads.append(_name)
            return _original(*args, **kw)

        monkeypatch.setattr(tonight, name, counted)
    assert "Walk Away evenings" in _tonight(client, world, "force_a_editor")
    assert loads == ["load_programme", "load_screens"]
    schedules = client.get("/v1/schedules", headers=world.headers("force_a_editor")).json()
    evening = next(s for s in schedules if s["name"] == "Walk Away evenings")
    renamed = client.patch(
        f"/v1/schedules/{evening['id']}",
        json={"name": "Walk Away, every evening"},
        headers=world.headers("force_a_editor"),
    )
    assert renamed.status_code == 200, renamed.text
    loads.clear()
    assert "Walk Away, every evening" in " ".join(client.get("/console").text.split())
    assert loads == ["load_programme"]
    # A venue in a force's area that had no screen gets one: the estate changed.
    other = make_venue(client, world, name="The Anchor")
    make_screen(client, world, other["id"], name="Till")
    loads.clear()
    html = " ".join(client.get("/console").text.split())
    assert loads == ["load_programme", "load_screens"]
    assert 'Never seen </dt> <dd class="govuk-summary-list__value"> 2' in html
