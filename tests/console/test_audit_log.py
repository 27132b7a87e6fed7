"""The Audit log in the console over HTTP: a takeover's steps in plain words, newest first, with
who did them and a link to the takeover; the date range and action filters; each organisation
seeing its own log; the system's own entries; and the page in Welsh."""

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from signage.core.db import session_scope
from signage.takeovers.service import record_ends
from tests.console.console_helpers import signed_in
from tests.console.takeover_helpers import create, takeover_id_of
from tests.factories import World
from tests.takeovers.helpers import Scene, scene

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def here(client: TestClient, world: World) -> Scene:
    return scene(client, world)


def _today() -> str:
    return datetime.now(UTC).astimezone(LONDON).date().isoformat()


def _tomorrow() -> str:
    return (datetime.now(UTC).astimezone(LONDON).date() + timedelta(days=1)).isoformat()


def _rows(html: str) -> list[str]:
    """The audit table's rows (none when the page says there are no entries)."""
    if '<tbody class="govuk-table__body">' not in html:
        return []
    body = html.split('<tbody class="govuk-table__body">')[1].split("</tbody>")[0]
    return [row for row in body.split("</tr>") if "<td" in row]


@pytest.fixture
def steps(client: TestClient, world: World, here: Scene) -> dict[str, Any]:
    """A takeover created by force A's editor, confirmed by its approver, ended by the
    editor: each step in the console."""
    editor = TestClient(client.app)
    token = signed_in(editor, world, "force_a_editor")
    takeover_id = takeover_id_of(create(editor, here, token))
    approver = TestClient(client.app)
    approver.post(
        f"/console/takeovers/{takeover_id}/confirm",
        data={"csrf_token": signed_in(approver, world, "force_a_approver")},
    ).raise_for_status()
    editor.post(
        f"/console/takeovers/{takeover_id}/end",
        data={"csrf_token": token, "reason": "Incident over"},
    ).raise_for_status()
    return {"takeover_id": takeover_id}


def test_a_takeovers_steps_newest_first_in_plain_words(
    client: TestClient, world: World, here: Scene, steps: dict[str, Any]
) -> None:
    signed_in(client, world, "force_a_editor")
    page = client.get("/console/audit")
    assert page.status_code == 200
    rows = _rows(page.text)
    takeover_rows = [r for r in rows if "takeover" in r.lower()]
    assert [r for r in takeover_rows if "Ended takeover" in r]
    whats = [
        what
        for row in takeover_rows
        for what in ("Ended takeover", "Confirmed takeover", "Created takeover")
        if what in row
    ]
    assert whats == ["Ended takeover", "Confirmed takeover", "Created takeover"]
    ended, confirmed, created = takeover_rows[:3]
    assert "force.a.editor@example.org" in ended
    assert "Reason: Incident over" in ended
    assert "force.a.approver@example.org" in confirmed
    assert "force.a.editor@example.org" in created
    for row in (ended, confirmed, created):
        assert f'href="/console/takeovers/{steps["takeover_id"]}"' in row
        assert "Takeover:" in row
    # What came before: the creatives' approvals and the schedule, in words too.
    table = "".join(rows)
    assert "Approved creative" in table
    assert "Created schedule" in table
    assert "takeover.created" not in table  # never the action's code
    assert 'href="/console/audit"' in page.text  # the navigation


def test_the_takeover_page_links_to_its_own_entries(
    client: TestClient, world: World, steps: dict[str, Any]
) -> None:
    signed_in(client, world, "force_a_approver")
    takeover_page = client.get(f"/console/takeovers/{steps['takeover_id']}").text
    link = f"/console/audit?object_id={steps['takeover_id']}"
    assert f'href="{link}"' in takeover_page
    rows = _rows(client.get(link).text)
    assert len(rows) == 3
    assert "Only the entries about one object." in client.get(link).text


def test_the_filters_narrow_the_entries(
    client: TestClient, world: World, steps: dict[str, Any]
) -> None:
    signed_in(client, world, "force_a_editor")
    confirmed = client.get("/console/audit", params={"what": "takeover.confirmed"})
    rows = _rows(confirmed.text)
    assert len(rows) == 1
    assert "Confirmed takeover" in rows[0]
    long_ago = client.get("/console/audit", params={"from": "2020-01-01", "to": "2020-01-31"})
    assert long_ago.status_code == 200
    assert "No entries on these days." in long_ago.text
    assert _rows(long_ago.text) == []
    today = client.get("/console/audit", params={"from": _today(), "to": _today()})
    assert "Ended takeover" in today.text
    # The range is kept in the form.
    assert f'value="{_today()}"' in today.text


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from": "31/02/2026"}, "from", "The start date must be a real date"),
        ({"from": "2026-12-10", "to": "2026-12-01"}, "to", "must be the same as or after"),
        ({"from": "2024-01-01", "to": "2026-01-01"}, "to", "The dates may span a year at most"),
    ],
)
def test_dates_it_cannot_use_are_in_the_error_summary(
    client: TestClient, world: World, params: dict[str, str], field: str, message: str
) -> None:
    signed_in(client, world, "force_a_editor")
    page = client.get("/console/audit", params=params)
    assert page.status_code == 422
    assert "There is a problem" in page.text
    assert f'href="#{field}"' in page.text
    assert message in page.text


def test_each_organisation_sees_its_own_log(
    client: TestClient, world: World, here: Scene, steps: dict[str, Any]
) -> None:
    partner = TestClient(client.app)
    signed_in(partner, world, "partner_1")
    home = partner.get("/console").text
    assert 'href="/console/audit"' in home
    page = partner.get("/console/audit").text
    assert "Added screen" in page  # its own screen, in its own log
    assert f'href="/console/screens/{here.screen["id"]}"' in page
    assert "takeover" not in page.lower().split('id="entries"')[1]
    other_force = TestClient(client.app)
    signed_in(other_force, world, "force_b_editor")
    theirs = other_force.get("/console/audit").text
    assert _rows(theirs) == []  # nothing happened in Police Scotland's log
    national = TestClient(client.app)
    signed_in(national, world, "national_editor")
    assert [r for r in _rows(national.get("/console/audit").text) if "Created takeover" in r]


def test_the_systems_own_entries(
    client: TestClient, world: World, engine: Engine, here: Scene
) -> None:
    token = signed_in(client, world, "force_a_editor")
    url = create(client, here, token, break_glass="yes")
    # Nobody confirms it: the job records its end, 15 minutes on.
    with contextmanager(session_scope)(engine) as session:
        assert record_ends(session, datetime.now(UTC) + timedelta(minutes=16)) == 1
    page = client.get("/console/audit", params={"from": _today(), "to": _tomorrow()}).text
    rows = _rows(page)
    assert "Takeover ended: not confirmed in time" in rows[0]
    assert "The system" in rows[0]
    assert "Started takeover at once (break glass)" in rows[1]
    assert f'href="/console/takeovers/{takeover_id_of(url)}"' in rows[0]


def test_the_audit_log_in_welsh(client: TestClient, world: World, steps: dict[str, Any]) -> None:
    client.get("/console/language?to=cy")
    signed_in(client, world, "force_a_editor")
    page = client.get("/console/audit").text
    assert '<html lang="cy"' in page
    assert "Log archwilio" in page
    assert "Creodd feddiannu" in page
    assert "Cadarnhaodd feddiannu" in page
    assert "Rheswm: Incident over" in page
