"""A screen may report plays only of creatives it could have shown: approved, and in a schedule
that targets it. Anything else is rejected alone, with a reason, and stays out of reports."""

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from tests.factories import (
    World,
    device_headers,
    make_campaign,
    make_screen,
    play_record,
    png_bytes,
    upload_creative,
)
from tests.live import LiveServer
from tests.plays.conftest import Estate, approve, schedule


def instant(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def an_hour_ago() -> str:
    return instant(datetime.now(UTC) - timedelta(hours=1))


def post(live_server: LiveServer, screen: dict[str, Any], plays: list[Any]) -> dict[str, Any]:
    response = httpx.post(
        f"{live_server.url}/v1/player/plays",
        json={"plays": plays},
        headers=device_headers(screen),
        timeout=30,
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def reasons(answer: dict[str, Any]) -> dict[str | None, str]:
    return {r["id"]: r["reason"] for r in answer["rejected"]}


def creative_of(
    client: TestClient, world: World, persona: str, *, name: str, colour: tuple[int, int, int]
) -> dict[str, Any]:
    campaign = make_campaign(client, world, persona, name=name)
    return upload_creative(
        client, world, campaign["id"], persona, name=name, content=png_bytes(colour=colour)
    )


@pytest.fixture
def pending(client: TestClient, world: World, estate: Estate) -> dict[str, Any]:
    """A creative of force A, scheduled onto its screens but never approved."""
    creative = creative_of(client, world, "force_a_editor", name="Draft", colour=(1, 2, 3))
    schedule(client, world, [creative["id"]], "force_a_editor", name="Draft nights")
    return creative


def test_forged_plays_are_rejected_and_stay_out_of_the_other_forces_report(
    live_server: LiveServer, world: World, estate: Estate, pending: dict[str, Any]
) -> None:
    # Screen 1 is in force A's area; creative B is force B's, scheduled only in force B's area.
    forged = play_record(estate.creative_b["id"], an_hour_ago())
    unapproved = play_record(pending["id"], an_hour_ago())
    genuine = play_record(estate.creative_a["id"], an_hour_ago())
    answer = post(live_server, estate.screen_1, [forged, unapproved, genuine])
    assert answer["accepted"] == [genuine["id"]]
    assert answer["duplicates"] == []
    assert [r["index"] for r in answer["rejected"]] == [0, 1]
    why = reasons(answer)
    assert why[forged["id"]] == (
        f"no schedule targets this screen with creative {estate.creative_b['id']}"
    )
    assert why[unapproved["id"]].startswith(f"creative {pending['id']} is not approved")
    report = httpx.get(
        f"{live_server.url}/v1/reports/plays",
        params={"group_by": "venue"},
        headers=world.headers("force_b_editor"),
    )
    assert report.status_code == 200, report.text
    assert estate.venue_1["id"] not in {row["key"] for row in report.json()}


def test_play_of_an_approved_creative_in_no_schedule_is_rejected(
    live_server: LiveServer, client: TestClient, world: World, estate: Estate
) -> None:
    loose = creative_of(client, world, "force_a_editor", name="Unscheduled", colour=(9, 9, 9))
    approve(client, world, loose, "force_a_approver")
    play = play_record(loose["id"], an_hour_ago())
    answer = post(live_server, estate.screen_1, [play])
    assert answer["accepted"] == []
    assert reasons(answer) == {
        play["id"]: f"no schedule targets this screen with creative {loose['id']}"
    }


def test_play_counts_only_on_the_screens_its_schedule_targets(
    live_server: LiveServer, client: TestClient, world: World, estate: Estate
) -> None:
    other = make_screen(client, world, estate.venue_1["id"], name="Door screen")
    narrow = creative_of(client, world, "force_a_editor", name="Door only", colour=(4, 5, 6))
    approve(client, world, narrow, "force_a_approver")
    schedule(client, world, [narrow["id"]], "force_a_editor", target={"screen_ids": [other["id"]]})
    on_other = play_record(narrow["id"], an_hour_ago())
    on_first = play_record(narrow["id"], an_hour_ago())
    assert post(live_server, other, [on_other])["accepted"] == [on_other["id"]]
    answer = post(live_server, estate.screen_1, [on_first])
    assert "no schedule targets this screen" in reasons(answer)[on_first["id"]]


def test_national_creative_counts_in_every_forces_area(
    live_server: LiveServer, client: TestClient, world: World, estate: Estate
) -> None:
    national = creative_of(client, world, "national_editor", name="Nationwide", colour=(7, 8, 9))
    approve(client, world, national, "national_approver")
    schedule(client, world, [national["id"]], "national_editor")
    plays = {1: play_record(national["id"], an_hour_ago())}
    plays[2] = play_record(national["id"], an_hour_ago())
    assert post(live_server, estate.screen_1, [plays[1]])["accepted"] == [plays[1]["id"]]
    assert post(live_server, estate.screen_2, [plays[2]])["accepted"] == [plays[2]["id"]]


def test_play_from_before_an_approval_was_withdrawn_still_counts(
    live_server: LiveServer, client: TestClient, world: World, estate: Estate
) -> None:
    withdrawn = creative_of(client, world, "force_a_editor", name="Withdrawn", colour=(3, 3, 3))
    schedule(client, world, [withdrawn["id"]], "force_a_editor", name="Withdrawn nights")
    before_approval = instant(datetime.now(UTC) - timedelta(seconds=1))
    approve(client, world, withdrawn, "force_a_approver")
    time.sleep(0.01)
    while_approved = instant(datetime.now(UTC))
    time.sleep(0.01)
    rejected = client.post(
        f"/v1/creatives/{withdrawn['id']}/reject",
        json={"reason": "Wrong helpline number"},
        headers=world.headers("force_a_approver"),
    )
    assert rejected.status_code == 200, rejected.text
    shown = play_record(withdrawn["id"], while_approved, 5)
    too_early = play_record(withdrawn["id"], before_approval, 5)
    answer = post(live_server, estate.screen_1, [shown, too_early])
    assert answer["accepted"] == [shown["id"]]
    not_approved = f"creative {withdrawn['id']} is not approved"
    assert reasons(answer)[too_early["id"]].startswith(not_approved)


def test_play_of_a_deleted_schedule_is_rejected(
    live_server: LiveServer, client: TestClient, world: World, estate: Estate
) -> None:
    brief = creative_of(client, world, "force_a_editor", name="Short run", colour=(6, 6, 6))
    approve(client, world, brief, "force_a_approver")
    made = schedule(client, world, [brief["id"]], "force_a_editor", name="Short run nights")
    deleted = client.delete(f"/v1/schedules/{made['id']}", headers=world.headers("force_a_editor"))
    assert deleted.status_code == 204
    play = play_record(brief["id"], an_hour_ago())
    answer = post(live_server, estate.screen_1, [play])
    assert "no schedule targets this screen" in reasons(answer)[play["id"]]


def test_a_full_batch_is_checked_in_a_few_queries(
    live_server: LiveServer, engine: Engine, estate: Estate
) -> None:
    start = datetime.now(UTC) - timedelta(days=1)
    plays = [
        play_record(
            (estate.creative_a if i % 2 else estate.creative_b)["id"],
            instant(start + timedelta(seconds=20 * i)),
        )
        for i in range(1000)
    ]
    selects: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        answer = post(live_server, estate.screen_1, plays)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(answer["accepted"]) == 500
    assert len(answer["rejected"]) == 500
    # Authentication, the creatives, the venue, the schedules and their owners: not per play.
    assert len(selects) <= 12, selects
