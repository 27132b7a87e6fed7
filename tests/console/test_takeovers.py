"""Takeovers in the console over HTTP: the form (with CSRF) creating one as the API would, its
errors in the GOV.UK error summary with the fields kept, confirmation by a second approver
(never the creator), ending it after asking, break glass, and who may go there."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from signage.console.takeover_forms import default_end, read_end
from tests.console.console_helpers import signed_in
from tests.console.takeover_helpers import REASON, create, end_fields, form, takeover_id_of
from tests.factories import World, make_campaign, upload_creative
from tests.takeovers.helpers import Scene, playing_now, scene


@pytest.fixture
def here(client: TestClient, world: World) -> Scene:
    return scene(client, world)


def test_the_form_offers_approved_creatives_and_a_default_end(
    client: TestClient, world: World, here: Scene
) -> None:
    campaign = make_campaign(client, world, name="Drafts")
    pending = upload_creative(client, world, campaign["id"], name="Not approved yet")
    signed_in(client, world, "force_a_editor")
    page = client.get("/console/takeovers/new")
    assert page.status_code == 200
    assert f'value="{here.urgent["id"]}"' in page.text
    assert f'value="{here.ordinary["id"]}"' in page.text
    assert pending["id"] not in page.text  # approved creatives only
    assert 'name="end-date"' in page.text
    assert 'name="end-time"' in page.text
    assert "Needs a second approver’s confirmation (recommended)" in page.text
    assert "Start now: break glass, must be confirmed within 15 minutes" in page.text
    assert "govuk-warning-text" in page.text
    # A force is not asked for forces: its takeovers reach its own area only.
    assert 'name="force_ids"' not in page.text


def test_a_valid_form_creates_a_pending_takeover(
    client: TestClient, world: World, here: Scene
) -> None:
    token = signed_in(client, world, "force_a_editor")
    answer = client.post("/console/takeovers/new", data=form(here, token), follow_redirects=False)
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert location.endswith("?done=created")
    page = client.get(location)
    assert "Takeover created." in page.text
    assert 'data-state="pending"' in page.text
    assert REASON in page.text
    assert "force.a.editor@example.org" in page.text
    assert "Not on screens yet" in page.text
    details = page.text.split('id="details"')[1].split("</dl>")[0]
    assert "Not yet" in details  # it starts when it is confirmed
    assert 'id="delivery-summary"' in page.text
    assert here.screen["name"] in page.text  # the delivery table lists its screen
    # An editor (the creator) may end it but not confirm it.
    assert "/confirm" not in page.text
    assert "You created this takeover, so another approver must confirm it." in page.text
    assert "End takeover now" in page.text
    # Nothing changes on screen until the second person says yes.
    assert playing_now(client, here.screen) == [here.ordinary["id"]]

    listed = client.get("/console/takeovers")
    assert listed.status_code == 200
    row = listed.text.split(f'id="takeover-{takeover_id_of(location)}"')[1].split("</tr>")[0]
    assert 'data-state="pending"' in row
    assert "Pending" in row
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">1</td>' in row
    assert "Not yet" in row  # its start
    assert "Take over screens" in listed.text


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"creative_ids": None}, "creative_ids", "Select at least one approved creative to show"),
        ({"reason": "   "}, "reason", "Enter why the screens are being taken over"),
        (end_fields(timedelta(hours=13)), "end-date", "ends_at: a takeover lasts at most 12 hours"),
        ({"end-time": "25:99"}, "end-time", "The end time must be a real time, such as 04:00"),
        ({"end-date": ""}, "end-date", "Enter the date the takeover ends"),
    ],
)
def test_a_refused_form_shows_the_error_summary_and_keeps_the_fields(
    client: TestClient,
    world: World,
    here: Scene,
    changes: dict[str, Any],
    field: str,
    message: str,
) -> None:
    token = signed_in(client, world, "force_a_editor")
    answer = client.post("/console/takeovers/new", data=form(here, token, **changes))
    assert answer.status_code == 422
    assert "There is a problem" in answer.text
    assert f'href="#{field}"' in answer.text
    assert f'id="{field}"' in answer.text
    assert message in answer.text
    assert answer.text.count(message) == 2  # in the summary and at the field
    assert "<title>Error:" in answer.text
    # What was typed and chosen is kept.
    if changes.get("reason") is None:
        assert REASON in answer.text
    if "creative_ids" not in changes:
        checked = f'value="{here.urgent["id"]}" checked'
        assert checked in answer.text.replace('"\n  checked', '" checked')
    assert 'value="pub" checked' in answer.text.replace('"\n  checked', '" checked')
    assert client.get("/v1/takeovers", headers=world.headers("force_a_editor")).json() == []


def test_a_second_approver_confirms_and_it_goes_on_air(
    client: TestClient, world: World, here: Scene
) -> None:
    token = signed_in(client, world, "force_a_editor")
    url = create(client, here, token)
    takeover_id = takeover_id_of(url)
    approver = TestClient(client.app)
    approver_token = signed_in(approver, world, "force_a_approver")
    page = approver.get(f"/console/takeovers/{takeover_id}")
    assert f'action="/console/takeovers/{takeover_id}/confirm"' in page.text
    assert "Confirm takeover" in page.text
    # Without the CSRF token nothing is confirmed.
    refused = approver.post(f"/console/takeovers/{takeover_id}/confirm", data={})
    assert refused.status_code == 403
    answer = approver.post(
        f"/console/takeovers/{takeover_id}/confirm",
        data={"csrf_token": approver_token},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"].endswith("?done=confirmed")
    page = approver.get(answer.headers["location"])
    assert "Takeover confirmed." in page.text
    assert 'data-state="active"' in page.text
    assert "force.a.approver@example.org" in page.text  # confirmed by
    assert "/confirm" not in page.text  # not twice
    assert playing_now(client, here.screen) == [here.urgent["id"]]
    again = approver.post(
        f"/console/takeovers/{takeover_id}/confirm", data={"csrf_token": approver_token}
    )
    assert again.status_code == 409
    assert "already confirmed" in again.text


def test_the_creator_is_not_offered_confirm_and_is_refused(
    client: TestClient, world: World, here: Scene
) -> None:
    token = signed_in(client, world, "force_a_approver")
    url = create(client, here, token)
    takeover_id = takeover_id_of(url)
    page = client.get(url)
    assert f"/console/takeovers/{takeover_id}/confirm" not in page.text
    assert "You created this takeover, so another approver must confirm it." in page.text
    # The service's rule holds if the form is posted anyway, in its own words.
    answer = client.post(f"/console/takeovers/{takeover_id}/confirm", data={"csrf_token": token})
    assert answer.status_code == 403
    assert "its creator cannot confirm it" in answer.text
    state = client.get(f"/v1/takeovers/{takeover_id}", headers=world.headers("force_a_editor"))
    assert state.json()["state"] == "pending"


def test_end_asks_first_then_ends_it(client: TestClient, world: World, here: Scene) -> None:
    token = signed_in(client, world, "force_a_editor")
    takeover_id = takeover_id_of(create(client, here, token))
    confirm = TestClient(client.app)
    confirm.post(
        f"/console/takeovers/{takeover_id}/confirm",
        data={"csrf_token": signed_in(confirm, world, "force_a_approver")},
    )
    assert playing_now(client, here.screen) == [here.urgent["id"]]
    page = client.get(f"/console/takeovers/{takeover_id}")
    assert f'href="/console/takeovers/{takeover_id}/end"' in page.text
    asked = client.get(f"/console/takeovers/{takeover_id}/end")
    assert asked.status_code == 200
    assert "End this takeover now?" in asked.text
    assert "Yes, end it now" in asked.text
    too_long = client.post(
        f"/console/takeovers/{takeover_id}/end", data={"csrf_token": token, "reason": "x" * 501}
    )
    assert too_long.status_code == 422
    assert 'href="#reason"' in too_long.text
    answer = client.post(
        f"/console/takeovers/{takeover_id}/end",
        data={"csrf_token": token, "reason": "Incident over"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"].endswith("?done=ended")
    page = client.get(answer.headers["location"])
    assert "Takeover ended." in page.text
    assert 'data-state="ended"' in page.text
    assert "Stopped early" in page.text
    assert "End takeover now" not in page.text
    assert playing_now(client, here.screen) == [here.ordinary["id"]]
    # Over: nothing more to end, and the confirmation page says so.
    assert client.get(f"/console/takeovers/{takeover_id}/end").status_code == 409
    again = client.post(f"/console/takeovers/{takeover_id}/end", data={"csrf_token": token})
    assert again.status_code == 409


def test_break_glass_starts_at_once_with_a_deadline(
    client: TestClient, world: World, here: Scene
) -> None:
    token = signed_in(client, world, "force_a_editor")
    url = create(client, here, token, break_glass="yes")
    assert url.endswith("?done=break_glass")
    page = client.get(url)
    assert 'data-state="active"' in page.text
    assert 'id="confirm-by-warning"' in page.text
    assert "unless an approver other than its creator confirms it by" in page.text
    assert playing_now(client, here.screen) == [here.urgent["id"]]
    listed = client.get("/console/takeovers").text
    assert "Break glass: not confirmed" in listed


def test_national_staff_see_a_forces_takeover_but_do_not_change_it(
    client: TestClient, world: World, here: Scene
) -> None:
    token = signed_in(client, world, "force_a_editor")
    takeover_id = takeover_id_of(create(client, here, token))
    national = TestClient(client.app)
    national_token = signed_in(national, world, "national_approver")
    page = national.get(f"/console/takeovers/{takeover_id}")
    assert page.status_code == 200
    assert "you can see it but not change it" in page.text
    assert "/confirm" not in page.text
    assert "End takeover now" not in page.text
    listed = national.get("/console/takeovers").text
    assert "Leicestershire Police" in listed  # whose it is
    answer = national.post(
        f"/console/takeovers/{takeover_id}/confirm", data={"csrf_token": national_token}
    )
    assert answer.status_code == 403
    # The national form asks for forces.
    assert 'name="force_ids"' in national.get("/console/takeovers/new").text


def test_another_forces_takeover_is_not_found(
    client: TestClient, world: World, here: Scene
) -> None:
    token = signed_in(client, world, "force_a_editor")
    takeover_id = takeover_id_of(create(client, here, token))
    other = TestClient(client.app)
    other_token = signed_in(other, world, "force_b_editor")
    assert other.get(f"/console/takeovers/{takeover_id}").status_code == 404
    assert REASON not in other.get("/console/takeovers").text
    ended = other.post(f"/console/takeovers/{takeover_id}/end", data={"csrf_token": other_token})
    assert ended.status_code == 404


@pytest.mark.parametrize("persona", ["partner_1", "partner_1_admin", "force_a_admin"])
def test_partners_and_admins_are_not_offered_takeovers(
    client: TestClient, world: World, here: Scene, persona: str
) -> None:
    token = signed_in(client, world, persona)
    assert 'href="/console/takeovers"' not in client.get("/console").text
    for path in ("/console/takeovers", "/console/takeovers/new"):
        refused = client.get(path)
        assert refused.status_code == 403
        assert "Takeovers are for editors and approvers" in refused.text
    posted = client.post("/console/takeovers/new", data=form(here, token))
    assert posted.status_code == 403
    assert client.get("/v1/takeovers", headers=world.headers("force_a_editor")).json() == []


def test_editors_and_approvers_see_the_link(client: TestClient, world: World) -> None:
    for persona in ("force_a_editor", "national_approver"):
        browser = TestClient(client.app)
        signed_in(browser, world, persona)
        assert 'href="/console/takeovers"' in browser.get("/console").text


def test_the_pages_in_welsh(client: TestClient, world: World, here: Scene) -> None:
    client.get("/console/language?to=cy")
    token = signed_in(client, world, "force_a_editor")
    listed = client.get("/console/takeovers").text
    assert '<html lang="cy"' in listed
    assert "Meddiannu sgriniau" in listed
    new = client.get("/console/takeovers/new").text
    assert "Angen cadarnhad ail gymeradwywr (argymhellir)" in new
    assert "Dechrau nawr: torri’r gwydr, rhaid ei gadarnhau o fewn 15 munud" in new
    refused = client.post(
        "/console/takeovers/new", data=form(here, token, **end_fields(timedelta(hours=13)))
    )
    assert refused.status_code == 422
    assert "Mae yna broblem" in refused.text
    assert "ends_at: mae meddiannu’n para 12 awr ar y mwyaf" in refused.text
    url = create(client, here, token)
    page = client.get(url).text
    assert "Heb ddechrau" in page  # Pending
    assert "Dod â’r meddiannu i ben nawr" in page  # End takeover now
    assert "Cyflwyno" in page  # the delivery report's heading


def test_the_end_is_read_on_the_uk_clock() -> None:
    winter, errors = read_end("27/11/2026", "4.30")
    assert errors == []
    assert winter == datetime(2026, 11, 27, 4, 30, tzinfo=UTC)
    summer, _ = read_end("2026-07-03", "04:00")
    assert summer == datetime(2026, 7, 3, 3, 0, tzinfo=UTC)  # British Summer Time
    missing, errors = read_end("", "")
    assert missing is None
    assert [e.field for e in errors] == ["end-date", "end-time"]
    _, errors = read_end("31/02/2026", "04:00")
    assert [e.message for e in errors] == ["The end date must be a real date, such as 27/11/2026"]


def test_the_default_end_is_tonight_at_four_within_twelve_hours() -> None:
    evening = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)
    assert default_end(evening) == datetime(2026, 12, 5, 4, 0, tzinfo=UTC)
    # In the morning, 04:00 is too far off: 12 hours on, to the quarter hour.
    morning = datetime(2026, 12, 4, 10, 7, tzinfo=UTC)
    assert default_end(morning) == datetime(2026, 12, 4, 22, 0, tzinfo=UTC)
    for now in (evening, morning, datetime(2026, 7, 3, 2, 59, tzinfo=UTC)):
        assert timedelta(hours=1) <= default_end(now) - now <= timedelta(hours=12)
