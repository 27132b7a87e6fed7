"""Preview: a screen at a date and time on its venue's clock shows the thumbnails of exactly
what its poll would return then (the same creatives as ``GET /v1/screens/{id}/playlist?at=``),
and the next changes; wall-clock times the clocks skip or repeat are resolved by the engine's
rule and said in words; the form's errors are in the GOV.UK error summary."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

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
THUMBNAIL = re.compile(r'src="/console/screens/([^/"]+)/thumbnails/([^"]+)"')


def _approved(client: TestClient, world: World, name: str, colour: tuple[int, int, int]) -> str:
    campaign = make_campaign(client, world, name=f"{name} campaign")
    creative = upload_creative(
        client, world, campaign["id"], name=name, content=png_bytes(160, 90, colour)
    )
    decided = client.post(
        f"/v1/creatives/{creative['id']}/approve", headers=world.headers("force_a_approver")
    )
    assert decided.status_code == 200, decided.text
    return str(creative["id"])


def _schedule(client: TestClient, world: World, creative_ids: list[str], **body: Any) -> None:
    fields: dict[str, Any] = {"start_date": None, **body}
    response = client.post(
        "/v1/schedules",
        json=schedule_body(creative_ids, **fields),
        headers=world.headers("force_a_editor"),
    )
    assert response.status_code == 201, response.text


@pytest.fixture
def crown(client: TestClient, world: World) -> dict[str, Any]:
    """The Crown's bar screen: two posters in turn from 20:00 to 04:00 every night, and a
    third on top from 23:00 to 01:00 on Saturdays."""
    venue = make_venue(client, world)
    screen = make_screen(client, world, venue["id"], name="Bar screen")
    walk = _approved(client, world, "Walk home safe", (200, 30, 30))
    water = _approved(client, world, "Drink water", (30, 30, 200))
    taxi = _approved(client, world, "Taxi marshals", (30, 160, 30))
    _schedule(
        client,
        world,
        [walk, water],
        name="Evenings",
        windows=[{"days": ALL_DAYS, "start": "20:00", "end": "04:00"}],
    )
    _schedule(
        client,
        world,
        [taxi],
        name="Late Saturdays",
        priority=80,
        windows=[{"days": ["sat"], "start": "23:00", "end": "01:00"}],
    )
    return {"venue": venue, "screen": screen, "walk": walk, "water": water, "taxi": taxi}


def _api_body(client: TestClient, world: World, screen_id: str, at: str, persona: str) -> Any:
    response = client.get(
        f"/v1/screens/{screen_id}/playlist", params={"at": at}, headers=world.headers(persona)
    )
    assert response.status_code == 200, response.text
    return response.json()


def _ids(segment: dict[str, Any]) -> list[str]:
    return list(dict.fromkeys(item["creative_id"] for item in segment["items"]))


def _shown(html: str, element_id: str = "playing") -> list[str]:
    after = html.split(f'id="{element_id}"', 1)[1]
    # A list of thumbnails, or a paragraph saying nothing is scheduled.
    ends = [i for i in (after.find("</ul>"), after.find("</p>")) if i >= 0]
    part = after[: min(ends)]
    return [creative for _screen, creative in THUMBNAIL.findall(part)]


def _preview(client: TestClient, screen_id: str, day: str, at: str) -> Any:
    return client.get("/console/preview", params={"screen_id": screen_id, "date": day, "time": at})


@pytest.mark.parametrize(
    ("day", "at", "instant"),
    [
        ("2026-12-05", "21:30", "2026-12-05T21:30:00Z"),  # Saturday evening: the pair in turn
        ("2026-12-05", "23:45", "2026-12-05T23:45:00Z"),  # the late schedule beats them
        ("2026-07-03", "22:15", "2026-07-03T21:15:00Z"),  # summer time: an hour ahead of UTC
        ("2026-12-07", "12:00", "2026-12-07T12:00:00Z"),  # nothing on air
    ],
)
def test_the_thumbnails_are_the_creatives_the_poll_returns(
    client: TestClient, world: World, crown: dict[str, Any], day: str, at: str, instant: str
) -> None:
    screen_id = crown["screen"]["id"]
    signed_in(client, world, "force_a_editor")
    page = _preview(client, screen_id, day, at)
    assert page.status_code == 200, page.text
    body = _api_body(client, world, screen_id, instant, "force_a_editor")
    assert _shown(page.text) == _ids(body["timeline"][0])
    for number, segment in enumerate(body["timeline"][1:6], start=1):
        assert _shown(page.text, f"change-{number}") == _ids(segment), number
    assert 'id="clock-note"' not in page.text


def test_the_next_changes_are_in_the_venues_local_time(
    client: TestClient, world: World, crown: dict[str, Any]
) -> None:
    signed_in(client, world, "partner_1")
    page = _preview(client, crown["screen"]["id"], "2026-12-05", "21:30")
    text = " ".join(re.sub(r"<[^>]+>", " ", page.text).split())
    assert "What Bar screen plays on Saturday 5 December 2026 at 21:30" in text
    assert "Until 23:00" in text
    changes = text.split("Next changes", 1)[1]
    assert changes.index("From 23:00") < changes.index("From Sunday 6 December, 01:00")
    assert changes.index("From Sunday 6 December, 01:00") < changes.index(
        "From Sunday 6 December, 04:00"
    )
    assert _shown(page.text, "change-1") == [crown["taxi"]]
    assert _shown(page.text, "change-2") == [crown["walk"], crown["water"]]


def test_a_time_the_clocks_skip_is_read_before_the_gap_and_said_in_words(
    client: TestClient, world: World, crown: dict[str, Any]
) -> None:
    screen_id = crown["screen"]["id"]
    signed_in(client, world, "force_a_editor")
    page = _preview(client, screen_id, "2027-03-28", "01:30")
    assert page.status_code == 200
    note = page.text.split('id="clock-note"', 1)[1].split("</div>", 1)[0]
    assert "01:30 does not exist on 28 March 2027: the clocks go forward; showing 02:30" in note
    assert "on Sunday 28 March 2027 at 02:30" in page.text
    # The engine reads 01:30 with the offset before the gap: 01:30 UTC, 02:30 BST.
    body = _api_body(client, world, screen_id, "2027-03-28T01:30:00Z", "force_a_editor")
    assert _shown(page.text) == _ids(body["timeline"][0]) == [crown["walk"], crown["water"]]


def test_a_time_the_clocks_repeat_is_the_first_one_and_said_in_words(
    client: TestClient, world: World, crown: dict[str, Any]
) -> None:
    screen_id = crown["screen"]["id"]
    signed_in(client, world, "force_a_editor")
    page = _preview(client, screen_id, "2026-10-25", "00:30")
    assert 'id="clock-note"' not in page.text  # 00:30 happens once
    page = _preview(client, screen_id, "2026-10-25", "01:30")
    note = page.text.split('id="clock-note"', 1)[1].split("</div>", 1)[0]
    assert (
        "01:30 happens twice on 25 October 2026: the clocks go back; showing the first 01:30, "
        "before they go back" in note
    )
    # The first 01:30 is British Summer Time: 00:30 UTC.
    body = _api_body(client, world, screen_id, "2026-10-25T00:30:00Z", "force_a_editor")
    assert _shown(page.text) == _ids(body["timeline"][0])
    later = body["timeline"][1]["starts_at"]
    assert later == "2026-10-25T04:00:00.000Z"  # 04:00 GMT: four hours, as the clock goes back
    text = " ".join(re.sub(r"<[^>]+>", " ", page.text).split())
    assert "Until 04:00" in text


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"date": "2026-12-05", "time": "21:30"}, "screen_id", "Select a screen"),
        ({"date": "", "time": "21:30"}, "date", "Enter a date"),
        ({"date": "5 December", "time": "21:30"}, "date", "Enter a real date, such as 2026-12-25"),
        ({"date": "2026-02-30", "time": "21:30"}, "date", "Enter a real date, such as 2026-12-25"),
        ({"date": "1999-12-31", "time": "21:30"}, "date", "Enter a date between 2000 and 2100"),
        ({"date": "2101-01-01", "time": "21:30"}, "date", "Enter a date between 2000 and 2100"),
        ({"date": "2026-12-05", "time": ""}, "time", "Enter a time"),
        ({"date": "2026-12-05", "time": "25:00"}, "time", "Enter a real time, such as 21:30"),
        ({"date": "2026-12-05", "time": "9pm"}, "time", "Enter a real time, such as 21:30"),
    ],
)
def test_errors_are_in_the_summary_linked_to_their_field(
    client: TestClient,
    world: World,
    crown: dict[str, Any],
    params: dict[str, str],
    field: str,
    message: str,
) -> None:
    signed_in(client, world, "partner_1")
    if field != "screen_id":
        params = {"screen_id": crown["screen"]["id"], **params}
    page = client.get("/console/preview", params=params)
    assert page.status_code == 422
    assert page.text.count(message) == 2  # in the summary and on its field
    summary = page.text.split("govuk-error-summary", 1)[1].split("</ul>", 1)[0]
    assert f'href="#{field}"' in summary
    assert f'id="{field}"' in page.text
    assert "<title>Error:" in page.text
    assert 'id="answer"' not in page.text


def test_a_first_visit_offers_the_callers_screens_and_the_present_moment(
    client: TestClient, world: World, crown: dict[str, Any]
) -> None:
    other = make_venue(
        client, world, "partner_2", name="Late Bites", force_id=world.org_id("force_b")
    )
    make_screen(client, world, other["id"], "partner_2", name="Counter screen")
    signed_in(client, world, "partner_1")
    page = client.get("/console/preview")
    assert page.status_code == 200
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]+)</option>', page.text)
    assert options == [("", "Choose a screen"), (crown["screen"]["id"], "Bar screen – The Crown")]
    assert 'type="date"' in page.text
    assert 'type="time"' in page.text
    assert 'id="answer"' not in page.text
    linked = client.get("/console/preview", params={"screen_id": crown["screen"]["id"]})
    assert re.search(rf'<option value="{crown["screen"]["id"]}" selected', linked.text)
    assert re.search(r'name="date" type="date" value="\d{4}-\d\d-\d\d"', linked.text)


def test_the_screens_pages_link_to_the_preview(
    client: TestClient, world: World, crown: dict[str, Any]
) -> None:
    signed_in(client, world, "partner_1")
    fleet = client.get("/console/screens")
    assert re.search(r'<a href="/console/preview"[^>]*>\s*Preview\s*</a>', fleet.text)
    screen = client.get(f"/console/screens/{crown['screen']['id']}")
    assert re.search(
        rf'<a href="/console/preview\?screen_id={crown["screen"]["id"]}"[^>]*>\s*Preview\s*</a>',
        screen.text,
    )


def test_partners_preview_their_own_screens_with_thumbnails(
    client: TestClient, world: World, crown: dict[str, Any]
) -> None:
    signed_in(client, world, "partner_1")
    page = _preview(client, crown["screen"]["id"], "2026-12-05", "21:30")
    assert _shown(page.text) == [crown["walk"], crown["water"]]
    for screen_id, creative_id in THUMBNAIL.findall(page.text):
        image = client.get(f"/console/screens/{screen_id}/thumbnails/{creative_id}")
        assert image.status_code == 200
        assert image.headers["content-type"] == "image/jpeg"
        again = client.get(
            f"/console/screens/{screen_id}/thumbnails/{creative_id}",
            headers={"If-None-Match": image.headers["etag"]},
        )
        assert again.status_code == 304
    # Police creatives stay out of the partner's Campaigns area all the same.
    assert client.get(f"/console/creatives/{crown['walk']}/thumbnail").status_code == 404


def test_a_thumbnail_is_only_for_a_creative_that_may_play_on_the_screen(
    client: TestClient, world: World, crown: dict[str, Any]
) -> None:
    unscheduled = _approved(client, world, "Not scheduled", (90, 90, 90))
    campaign = make_campaign(client, world, name="Pending")
    pending = upload_creative(client, world, campaign["id"], name="Pending poster")
    _schedule(client, world, [pending["id"]], name="Pending schedule")
    signed_in(client, world, "partner_1")
    screen_id = crown["screen"]["id"]
    assert client.get(f"/console/screens/{screen_id}/thumbnails/{crown['taxi']}").status_code == 200
    for creative_id in (unscheduled, pending["id"], "no-such-creative"):
        response = client.get(f"/console/screens/{screen_id}/thumbnails/{creative_id}")
        assert response.status_code == 404, creative_id


def test_another_organisations_screen_is_not_found(
    client: TestClient, world: World, crown: dict[str, Any]
) -> None:
    screen_id = crown["screen"]["id"]
    signed_in(client, world, "partner_2")
    assert _preview(client, screen_id, "2026-12-05", "21:30").status_code == 404
    assert client.get("/console/preview", params={"screen_id": screen_id}).status_code == 404
    thumbnail = client.get(f"/console/screens/{screen_id}/thumbnails/{crown['walk']}")
    assert thumbnail.status_code == 404
    client.cookies.clear()
    signed_in(client, world, "force_b_editor")
    assert _preview(client, screen_id, "2026-12-05", "21:30").status_code == 404


def test_a_force_previews_the_screens_in_its_area(
    client: TestClient, world: World, crown: dict[str, Any]
) -> None:
    signed_in(client, world, "force_a_admin")
    page = _preview(client, crown["screen"]["id"], "2026-12-05", "21:30")
    assert page.status_code == 200
    assert _shown(page.text) == [crown["walk"], crown["water"]]


def test_the_preview_is_in_welsh(client: TestClient, world: World, crown: dict[str, Any]) -> None:
    client.get("/console/language?to=cy")
    signed_in(client, world, "partner_1")
    page = _preview(client, crown["screen"]["id"], "2027-03-28", "01:30")
    assert '<html lang="cy"' in page.text
    assert "Nid yw 01:30 yn bodoli ar 28 Mawrth 2027" in page.text
    assert "Y newidiadau nesaf" in page.text


def test_signed_out_visitors_are_sent_to_sign_in(client: TestClient, crown: dict[str, Any]) -> None:
    for path in (
        f"/console/preview?screen_id={crown['screen']['id']}",
        f"/console/screens/{crown['screen']['id']}/thumbnails/{crown['walk']}",
    ):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/console/sign-in")


def test_a_preview_follows_an_edit_of_the_schedules_at_once(
    client: TestClient, world: World, crown: dict[str, Any]
) -> None:
    """One-screen previews share the schedules read for the programme's version: an edit is
    a new version, so the next preview is the poll's new answer."""
    screen_id = crown["screen"]["id"]
    signed_in(client, world, "force_a_editor")
    before = _shown(_preview(client, screen_id, "2026-12-05", "21:30").text)
    assert before
    late = _approved(client, world, "Last orders", (200, 30, 30))
    _schedule(
        client,
        world,
        [late],
        name="All evening, first",
        priority=99,
        windows=[{"days": ["sat"], "start": "18:00", "end": "23:59"}],
    )
    assert _shown(_preview(client, screen_id, "2026-12-05", "21:30").text) == [late]
    body = _api_body(client, world, screen_id, "2026-12-05T21:30:00Z", "force_a_editor")
    assert _ids(body["timeline"][0]) == [late]
