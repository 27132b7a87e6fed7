"""The audit log records the staff actions that matter, each in its owner's log."""

from typing import Any

from fastapi.testclient import TestClient

from tests.factories import (
    World,
    make_campaign,
    make_screen,
    make_venue,
    post_creative,
    schedule_body,
)
from tests.takeovers.helpers import ALWAYS


def _log(client: TestClient, world: World, persona: str) -> list[dict[str, Any]]:
    response = client.get("/v1/audit", headers=world.headers(persona))
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()
    return entries


def test_approvals_schedule_changes_revocations_and_user_changes_are_recorded(
    client: TestClient, world: World
) -> None:
    campaign = make_campaign(client, world)
    creative = post_creative(client, world, campaign["id"]).json()
    approver = world.headers("force_a_approver")
    client.post(
        f"/v1/creatives/{creative['id']}/reject", json={"reason": "Too dark"}, headers=approver
    )
    client.post(f"/v1/creatives/{creative['id']}/approve", headers=approver)
    editor = world.headers("force_a_editor")
    body = schedule_body([creative["id"]], windows=ALWAYS)
    schedule = client.post("/v1/schedules", json=body, headers=editor).json()
    client.patch(f"/v1/schedules/{schedule['id']}", json={"priority": 70}, headers=editor)
    assert client.delete(f"/v1/schedules/{schedule['id']}", headers=editor).status_code == 204

    force = [
        (e["what"], e["object"]["id"]) for e in reversed(_log(client, world, "force_a_editor"))
    ]
    assert force == [
        ("creative.rejected", creative["id"]),
        ("creative.approved", creative["id"]),
        ("schedule.created", schedule["id"]),
        ("schedule.updated", schedule["id"]),
        ("schedule.deleted", schedule["id"]),
    ]
    entries = {e["what"]: e for e in _log(client, world, "force_a_editor")}
    assert entries["creative.rejected"]["detail"]["reason"] == "Too dark"
    assert entries["creative.approved"]["who"]["email"] == "force.a.approver@example.org"
    assert entries["schedule.updated"]["detail"]["fields"] == ["priority"]

    venue = make_venue(client, world)
    screen = make_screen(client, world, venue["id"])
    revoked = client.delete(f"/v1/screens/{screen['id']}", headers=world.headers("partner_1"))
    assert revoked.status_code == 204, revoked.text
    partner = _log(client, world, "partner_1")
    assert [(e["what"], e["object"]) for e in partner] == [
        ("screen.revoked", {"kind": "screen", "id": screen["id"]}),
        ("screen.created", {"kind": "screen", "id": screen["id"]}),
    ]
    assert partner[0]["who"]["email"] == "partner.1@example.org"

    admin = world.headers("force_a_admin")
    made = client.post(
        "/v1/users",
        json={
            "email": "new.editor@example.org",
            "password": "a long enough password",
            "role": "editor",
            "organisation_id": world.org_id("force_a"),
        },
        headers=admin,
    )
    assert made.status_code == 201, made.text
    client.patch(f"/v1/users/{made.json()['id']}", json={"role": "approver"}, headers=admin)
    users = [e for e in _log(client, world, "force_a_admin") if e["object"]["kind"] == "user"]
    assert [(e["what"], e["detail"].get("role")) for e in reversed(users)] == [
        ("user.created", "editor"),
        ("user.updated", "approver"),
    ]
    # Each organisation reads its own log only; national staff read them all.
    assert _log(client, world, "force_b_editor") == []
    everything = {e["what"] for e in _log(client, world, "national_admin")}
    assert {"screen.revoked", "user.created", "schedule.deleted", "creative.approved"} <= everything
