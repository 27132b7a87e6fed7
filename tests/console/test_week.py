"""Week at a glance, per screen and per schedule: seven nights from 12:00 to 12:00 in the
venue's local time, each drawn as long as it really is (the 25-hour and 23-hour nights), with
the venue's nation's bank holidays and their eves written on their rows; who may see which."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient

from signage.console.week_grid import HOUR
from tests.console.console_helpers import signed_in
from tests.factories import (
    World,
    make_campaign,
    make_screen,
    make_venue,
    schedule_body,
    upload_creative,
)

ALL_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
EVENINGS = [{"days": ALL_DAYS, "start": "20:00", "end": "04:00"}]
# Friday 4 December 2026, 21:30 in London (GMT).
FRIDAY_NIGHT = datetime(2026, 12, 4, 21, 30, tzinfo=UTC)


@pytest.fixture
def friday_night() -> Iterator[None]:
    # Requested before `world`, so that the world's tokens are issued at the travelled time.
    with time_machine.travel(FRIDAY_NIGHT, tick=False):
        yield


def _approved(client: TestClient, world: World, name: str = "Walk home safe") -> dict[str, Any]:
    campaign = make_campaign(client, world)
    creative = upload_creative(client, world, campaign["id"], name=name)
    decided = client.post(
        f"/v1/creatives/{creative['id']}/approve", headers=world.headers("force_a_approver")
    )
    assert decided.status_code == 200, decided.text
    return creative


def _schedule(
    client: TestClient, world: World, creative_id: str, persona: str = "force_a_editor", **body: Any
) -> dict[str, Any]:
    fields: dict[str, Any] = {"windows": EVENINGS, "start_date": None, **body}
    response = client.post(
        "/v1/schedules", json=schedule_body([creative_id], **fields), headers=world.headers(persona)
    )
    assert response.status_code == 201, response.text
    schedule: dict[str, Any] = response.json()
    return schedule


@pytest.fixture
def crown(client: TestClient, world: World) -> dict[str, Any]:
    """The Crown (England, force A's area) with a screen, and an evenings schedule."""
    venue = make_venue(client, world)
    screen = make_screen(client, world, venue["id"], name="Bar screen")
    creative = _approved(client, world)
    schedule = _schedule(client, world, creative["id"], name="Walk home evenings")
    return {"venue": venue, "screen": screen, "creative": creative, "schedule": schedule}


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _table(html: str) -> str:
    return _text(html.split('id="week-table">', 1)[1].split("</table>", 1)[0])


def _svg(html: str) -> str:
    return _text(html.split('<svg class="console-week__grid"', 1)[1].split("</svg>", 1)[0])


def _track_widths(html: str) -> list[float]:
    return [float(w) for w in re.findall(r'class="console-week__track"[^>]*width="([\d.]+)"', html)]


def test_the_autumn_night_is_25_hours_and_says_so(
    client: TestClient, world: World, crown: dict[str, Any]
) -> None:
    signed_in(client, world, "partner_1")
    page = client.get(f"/console/screens/{crown['screen']['id']}/week?from=2026-10-21")
    assert page.status_code == 200, page.text
    # Wednesday 21 to Tuesday 27 October: the fourth row is Saturday night into Sunday 25th.
    assert _track_widths(page.text) == [24 * HOUR] * 3 + [25 * HOUR] + [24 * HOUR] * 3
    table = _table(page.text)
    assert "Saturday 24 October 25-hour night: the clocks go back at 02:00 on 25 October" in table
    # 20:00 to 04:00 that night is nine real hours; eight on the others.
    assert (
        "Saturday 24 October 25-hour night: the clocks go back at 02:00 on 25 October "
        "20:00 04:00 9 hours Walk home safe" in table
    )
    assert "Friday 23 October 20:00 04:00 8 hours Walk home safe" in table
    assert "25-hour night: the clocks go back at 02:00 on 25 October" in _svg(page.text)
    assert page.text.count('class="console-week__change"') == 1


def test_the_spring_night_is_23_hours_and_says_so(
    client: TestClient, world: World, crown: dict[str, Any]
) -> None:
    signed_in(client, world, "force_a_editor")
    page = client.get(f"/console/screens/{crown['screen']['id']}/week?from=2027-03-27")
    assert page.status_code == 200, page.text
    assert _track_widths(page.text) == [23 * HOUR] + [24 * HOUR] * 6
    table = _table(page.text)
    assert (
        "Saturday 27 March 23-hour night: the clocks go forward at 01:00 on 28 March "
        "20:00 04:00 7 hours Walk home safe" in table
    )


def test_bank_holidays_and_their_eves_are_labelled(
    client: TestClient, world: World, crown: dict[str, Any]
) -> None:
    signed_in(client, world, "partner_1")
    page = client.get(f"/console/screens/{crown['screen']['id']}/week?from=2026-12-21")
    table = _table(page.text)
    assert "Thursday 24 December Bank-holiday eve 20:00" in table
    # Christmas Day is a bank holiday and Boxing Day's eve.
    assert "Friday 25 December Bank holiday; Bank-holiday eve 20:00" in table
    # Boxing Day falls on a Saturday: its substitute is Monday 28th, whose eve is Sunday.
    assert "Saturday 26 December Bank holiday 20:00" in table
    assert "Sunday 27 December Bank-holiday eve 20:00" in table
    assert "Tuesday 22 December 20:00" in table  # nothing special


def test_a_scottish_holiday_is_labelled_for_a_scottish_venue_only(
    client: TestClient, world: World, crown: dict[str, Any]
) -> None:
    scottish = make_venue(
        client,
        world,
        "partner_1",
        name="The Thistle",
        nation="scotland",
        force_id=world.org_id("force_a"),
    )
    screen = make_screen(client, world, scottish["id"], name="Door screen")
    signed_in(client, world, "partner_1")
    # St Andrew's Day, Monday 30 November 2026: a bank holiday in Scotland only.
    there = _table(client.get(f"/console/screens/{screen['id']}/week?from=2026-11-28").text)
    assert "Sunday 29 November Bank-holiday eve" in there
    assert "Monday 30 November Bank holiday" in there
    here = client.get(f"/console/screens/{crown['screen']['id']}/week?from=2026-11-28").text
    assert "Bank holiday" not in _table(here)
    assert "Bank-holiday eve" not in _table(here)


def test_the_screen_week_is_what_the_poll_returns_each_night(
    client: TestClient, world: World, crown: dict[str, Any]
) -> None:
    late = _approved(client, world, name="Taxi marshals")
    _schedule(
        client,
        world,
        late["id"],
        name="Late",
        priority=80,
        windows=[{"days": ["sat"], "start": "23:00", "end": "02:00"}],
    )
    signed_in(client, world, "partner_1")
    page = client.get(f"/console/screens/{crown['screen']['id']}/week?from=2026-12-04")
    table = _table(page.text)
    assert "Saturday 5 December 20:00 23:00 3 hours Walk home safe" in table
    assert "23:00 02:00 3 hours Taxi marshals" in table
    assert "02:00 04:00 2 hours Walk home safe" in table
    # The same segments as the API's preview at the start of that night.
    api = client.get(
        f"/v1/screens/{crown['screen']['id']}/playlist",
        params={"at": "2026-12-05T12:00:00Z"},
        headers=world.headers("partner_1"),
    ).json()
    played = [
        (s["starts_at"], [i["creative_id"] for i in s["items"]])
        for s in api["timeline"]
        if s["items"] and s["starts_at"] < "2026-12-06T12:00"
    ]
    assert played == [
        ("2026-12-05T20:00:00.000Z", [crown["creative"]["id"]]),
        ("2026-12-05T23:00:00.000Z", [late["id"]]),
        ("2026-12-06T02:00:00.000Z", [crown["creative"]["id"]]),
    ]
    # Two creatives: two colours.
    assert "console-week__bar--0" in page.text
    assert "console-week__bar--1" in page.text


def test_a_week_starts_tonight_by_default_and_links_to_the_next_and_previous(
    friday_night: None, client: TestClient, world: World, crown: dict[str, Any]
) -> None:
    signed_in(client, world, "partner_1")
    page = client.get(f"/console/screens/{crown['screen']['id']}/week")
    assert page.status_code == 200
    assert _table(page.text).startswith(
        "What it plays, night by night Night From Until Length What it shows Friday 4 December"
    )
    assert 'href="?from=2026-11-27"' in page.text
    assert 'href="?from=2026-12-11"' in page.text
    text = _text(page.text)
    assert "Previous week : 27 November to 3 December" in text
    assert "Next week : 11 December to 17 December" in text


def test_in_the_small_hours_the_week_still_starts_last_night(
    client: TestClient, world: World, crown: dict[str, Any]
) -> None:
    with time_machine.travel(datetime(2026, 12, 5, 3, 0, tzinfo=UTC), tick=False):
        signed_in(client, world, "partner_1")
        small_hours = client.get(f"/console/screens/{crown['screen']['id']}/week")
    assert "Night From Until Length What it shows Friday 4 December" in _table(small_hours.text)


def test_a_bad_week_date_is_an_error_on_its_field(
    friday_night: None, client: TestClient, world: World, crown: dict[str, Any]
) -> None:
    signed_in(client, world, "partner_1")
    for value, message in (
        ("4 December", "Enter a real date, such as 2026-12-25"),
        ("2026-02-30", "Enter a real date, such as 2026-12-25"),
        ("1999-12-31", "Enter a date between 2000 and 2100"),
        ("2100-12-30", "Enter a date between 2000 and 2100"),
    ):
        page = client.get(f"/console/screens/{crown['screen']['id']}/week", params={"from": value})
        assert page.status_code == 422, value
        summary = page.text.split("govuk-error-summary", 1)[1]
        assert 'href="#from"' in summary
        assert message in summary
        assert page.text.count(message) == 2  # in the summary and on the field
        assert "Friday 4 December" in _table(page.text)  # tonight's week meanwhile
    client.cookies.clear()
    signed_in(client, world, "force_a_editor")
    schedule_week = client.get(f"/console/schedules/{crown['schedule']['id']}/week?from=x")
    assert schedule_week.status_code == 422
    assert 'href="#from"' in schedule_week.text


def test_the_screen_page_links_to_its_week(
    client: TestClient, world: World, crown: dict[str, Any]
) -> None:
    signed_in(client, world, "partner_1")
    page = client.get(f"/console/screens/{crown['screen']['id']}")
    assert f'href="/console/screens/{crown["screen"]["id"]}/week">Week at a glance</a>' in page.text


def test_another_organisations_screen_week_is_not_found(
    client: TestClient, world: World, crown: dict[str, Any]
) -> None:
    signed_in(client, world, "partner_2")
    assert client.get(f"/console/screens/{crown['screen']['id']}/week").status_code == 404
    assert client.get("/console/screens/no-such-screen/week").status_code == 404
    client.cookies.clear()
    signed_in(client, world, "force_b_editor")  # the Crown is in force A's area
    assert client.get(f"/console/screens/{crown['screen']['id']}/week").status_code == 404


# --- a schedule's week --------------------------------------------------------------------


def test_a_schedule_week_offers_the_venues_it_reaches(
    client: TestClient, world: World, crown: dict[str, Any]
) -> None:
    scottish = make_venue(
        client, world, name="Albion", nation="scotland", force_id=world.org_id("force_a")
    )
    make_screen(client, world, scottish["id"], name="Albion screen")
    elsewhere = make_venue(
        client, world, "partner_2", name="Aardvark", force_id=world.org_id("force_b")
    )
    make_screen(client, world, elsewhere["id"], "partner_2")
    make_venue(client, world, name="Abbey, no screens", force_id=world.org_id("force_a"))
    signed_in(client, world, "force_a_editor")
    url = f"/console/schedules/{crown['schedule']['id']}/week"
    page = client.get(url, params={"from": "2026-11-28"})
    assert page.status_code == 200, page.text
    options = re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', page.text)
    # Force A's schedule reaches force A's area only; a venue with no screen is not reached.
    assert [name for _id, name in options] == ["Albion", "The Crown"]
    assert re.search(rf'<option value="{scottish["id"]}" selected', page.text)  # first by name
    table = _table(page.text)
    assert "Monday 30 November Bank holiday 20:00 04:00 8 hours Walk home evenings" in table
    crown_page = client.get(url, params={"from": "2026-11-28", "venue": crown["venue"]["id"]})
    assert "Bank holiday" not in _table(crown_page.text)
    assert "Monday 30 November 20:00 04:00 8 hours Walk home evenings" in _table(crown_page.text)
    assert f'href="?venue={crown["venue"]["id"]}&amp;from=2026-12-05"' in crown_page.text


def test_a_schedule_week_follows_the_engine_for_dates_and_bank_holidays(
    client: TestClient, world: World, crown: dict[str, Any]
) -> None:
    schedule = _schedule(
        client,
        world,
        crown["creative"]["id"],
        name="Christmas",
        windows=[{"days": ["bank_holiday"], "start": "close-01:00", "end": "close"}],
        exclude_dates=["2026-12-28"],
    )
    signed_in(client, world, "force_a_editor")
    page = client.get(f"/console/schedules/{schedule['id']}/week?from=2026-12-24")
    table = _table(page.text)
    # The Crown opens Fridays (25th) and Saturdays (26th), until 02:00 and 03:00.
    assert "Friday 25 December Bank holiday; Bank-holiday eve 01:00 02:00 1 hour Christmas" in table
    assert "Saturday 26 December Bank holiday 02:00 03:00 1 hour Christmas" in table
    assert "Monday 28 December Bank holiday Not on air" in table  # excluded (and closed)
    assert "Thursday 24 December Bank-holiday eve Not on air" in table


def test_a_schedule_that_reaches_no_venue_says_so(
    client: TestClient, world: World, crown: dict[str, Any]
) -> None:
    schedule = _schedule(
        client, world, crown["creative"]["id"], name="Nowhere", target={"tags": ["no-such-tag"]}
    )
    signed_in(client, world, "force_a_editor")
    page = client.get(f"/console/schedules/{schedule['id']}/week")
    assert page.status_code == 200
    assert "This schedule reaches no venue you can see" in page.text
    assert "<svg" not in page.text


def test_a_tag_target_reaches_the_venues_with_a_tagged_screen(
    client: TestClient, world: World, crown: dict[str, Any]
) -> None:
    other = make_venue(client, world, name="Bell", force_id=world.org_id("force_a"))
    make_screen(client, world, other["id"], tags=["door"])
    make_screen(client, world, other["id"], name="Untagged")
    schedule = _schedule(
        client, world, crown["creative"]["id"], name="Doors", target={"tags": ["door"]}
    )
    signed_in(client, world, "national_editor")
    page = client.get(f"/console/schedules/{schedule['id']}/week")
    options = re.findall(r'<option value="[^"]+"[^>]*>([^<]+)</option>', page.text)
    assert options == ["Bell"]


def test_a_venue_the_schedule_does_not_reach_is_an_error_on_the_select(
    client: TestClient, world: World, crown: dict[str, Any]
) -> None:
    signed_in(client, world, "force_a_editor")
    page = client.get(
        f"/console/schedules/{crown['schedule']['id']}/week", params={"venue": "somewhere-else"}
    )
    assert page.status_code == 422
    assert 'href="#venue"' in page.text
    assert "Select one of the venues this schedule reaches" in page.text


def test_partners_may_not_see_a_schedule_week(
    client: TestClient, world: World, crown: dict[str, Any]
) -> None:
    signed_in(client, world, "partner_1")
    page = client.get(f"/console/schedules/{crown['schedule']['id']}/week")
    assert page.status_code == 403
    assert "Only police staff see a schedule’s week" in page.text
    assert 'href="/console/schedules"' not in page.text  # and no navigation link


def test_another_forces_schedule_week_is_not_found(
    client: TestClient, world: World, crown: dict[str, Any]
) -> None:
    signed_in(client, world, "force_b_editor")
    assert client.get(f"/console/schedules/{crown['schedule']['id']}/week").status_code == 404
    client.cookies.clear()
    signed_in(client, world, "national_editor")  # the national unit reads every schedule
    assert client.get(f"/console/schedules/{crown['schedule']['id']}/week").status_code == 200


def test_the_week_pages_are_in_welsh(
    client: TestClient, world: World, crown: dict[str, Any]
) -> None:
    client.get("/console/language?to=cy")
    signed_in(client, world, "force_a_editor")
    page = client.get(f"/console/screens/{crown['screen']['id']}/week?from=2026-10-24")
    assert '<html lang="cy"' in page.text
    assert "Dydd Sadwrn 24 Hydref" in page.text
    assert "25 awr" in page.text
    week = client.get(f"/console/schedules/{crown['schedule']['id']}/week?from=2026-12-24")
    assert "Gŵyl y banc" in week.text


def test_signed_out_visitors_are_sent_to_sign_in(client: TestClient, crown: dict[str, Any]) -> None:
    for path in (
        f"/console/screens/{crown['screen']['id']}/week",
        f"/console/schedules/{crown['schedule']['id']}/week?from=2026-12-04",
    ):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/console/sign-in?next=")


def test_a_kept_schedule_week_follows_edits_of_the_estate_and_of_the_schedule(
    client: TestClient, world: World, crown: dict[str, Any]
) -> None:
    """The venues a schedule reaches are kept per version of the estate and the programme:
    a new venue, or a narrower target, shows on the next page."""
    signed_in(client, world, "force_a_editor")
    url = f"/console/schedules/{crown['schedule']['id']}/week"

    def options() -> list[str]:
        page = client.get(url, params={"from": "2026-11-28"})
        assert page.status_code == 200, page.text
        return [
            n for _v, n in re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', page.text)
        ]

    assert options() == ["The Crown"]
    albion = make_venue(client, world, name="Albion", force_id=world.org_id("force_a"))
    make_screen(client, world, albion["id"], name="Albion screen")
    assert options() == ["Albion", "The Crown"]
    narrowed = client.patch(
        f"/v1/schedules/{crown['schedule']['id']}",
        json={"target": {"venue_ids": [crown["venue"]["id"]]}},
        headers=world.headers("force_a_editor"),
    )
    assert narrowed.status_code == 200, narrowed.text
    assert options() == ["The Crown"]
