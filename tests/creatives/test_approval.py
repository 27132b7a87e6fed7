"""Four-eyes approval through HTTP: who may approve or reject, and what the history keeps."""

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from signage.core.config import Settings
from signage.core.roles import Role
from tests.factories import World, add_person, png_bytes, upload_creative
from tests.live import LiveServer


def approve(client: TestClient, world: World, creative_id: str, persona: str) -> Any:
    return client.post(f"/v1/creatives/{creative_id}/approve", headers=world.headers(persona))


def reject(client: TestClient, world: World, creative_id: str, persona: str, body: Any) -> Any:
    return client.post(
        f"/v1/creatives/{creative_id}/reject", json=body, headers=world.headers(persona)
    )


def replace_file(client: TestClient, world: World, creative_id: str, persona: str) -> Any:
    return client.put(
        f"/v1/creatives/{creative_id}/file",
        files={"file": ("new.png", png_bytes(40, 40, (0, 200, 0)), "image/png")},
        headers=world.headers(persona),
    )


def history(client: TestClient, world: World, creative_id: str) -> list[dict[str, Any]]:
    response = client.get(
        f"/v1/creatives/{creative_id}/history", headers=world.headers("force_a_editor")
    )
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()
    return events


@pytest.fixture
def creative(client: TestClient, world: World, campaign: dict[str, Any]) -> dict[str, Any]:
    """A pending creative uploaded by force A's editor."""
    return upload_creative(client, world, campaign["id"])


@pytest.fixture
def force_b_approver(world: World, engine: Engine, settings: Settings) -> str:
    assert settings.secret_key is not None
    add_person(
        world,
        engine,
        persona="force_b_approver",
        org_key="force_b",
        role=Role.approver,
        secret=settings.secret_key,
    )
    return "force_b_approver"


def test_another_approver_approves(
    client: TestClient, world: World, creative: dict[str, Any]
) -> None:
    response = approve(client, world, creative["id"], "force_a_approver")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "approved"
    read = client.get(f"/v1/creatives/{creative['id']}", headers=world.headers("force_a_editor"))
    assert read.json()["status"] == "approved"


def test_approver_cannot_approve_own_upload(
    client: TestClient, world: World, campaign: dict[str, Any]
) -> None:
    own = upload_creative(client, world, campaign["id"], "force_a_approver")
    response = approve(client, world, own["id"], "force_a_approver")
    assert response.status_code == 403
    assert "another approver" in response.json()["detail"]


def test_approver_cannot_reject_own_upload(
    client: TestClient, world: World, campaign: dict[str, Any]
) -> None:
    own = upload_creative(client, world, campaign["id"], "force_a_approver")
    response = reject(client, world, own["id"], "force_a_approver", {"reason": "changed my mind"})
    assert response.status_code == 403


def test_second_approver_approves_first_approvers_upload(
    client: TestClient, world: World, campaign: dict[str, Any], second_approver: str
) -> None:
    own = upload_creative(client, world, campaign["id"], "force_a_approver")
    assert approve(client, world, own["id"], second_approver).status_code == 200


def test_editor_cannot_approve(client: TestClient, world: World, creative: dict[str, Any]) -> None:
    response = approve(client, world, creative["id"], "force_a_editor")
    assert response.status_code == 403
    assert "approver" in response.json()["detail"]


def test_admin_cannot_approve(client: TestClient, world: World, creative: dict[str, Any]) -> None:
    assert approve(client, world, creative["id"], "force_a_admin").status_code == 403


def test_approver_of_another_force_gets_404(
    client: TestClient, world: World, creative: dict[str, Any], force_b_approver: str
) -> None:
    assert approve(client, world, creative["id"], force_b_approver).status_code == 404
    response = reject(client, world, creative["id"], force_b_approver, {"reason": "no"})
    assert response.status_code == 404


def test_national_approver_cannot_decide_on_a_force_creative(
    client: TestClient, world: World, creative: dict[str, Any]
) -> None:
    assert approve(client, world, creative["id"], "national_approver").status_code == 403


def test_partner_gets_404(client: TestClient, world: World, creative: dict[str, Any]) -> None:
    assert approve(client, world, creative["id"], "partner_1").status_code == 404


def test_unknown_creative_is_404(client: TestClient, world: World) -> None:
    assert approve(client, world, "no-such-creative", "force_a_approver").status_code == 404


def test_approving_an_approved_creative_is_409(
    client: TestClient, world: World, creative: dict[str, Any]
) -> None:
    assert approve(client, world, creative["id"], "force_a_approver").status_code == 200
    response = approve(client, world, creative["id"], "force_a_approver")
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"


def test_reject_records_the_reason(
    client: TestClient, world: World, creative: dict[str, Any]
) -> None:
    response = reject(
        client, world, creative["id"], "force_a_approver", {"reason": "  Logo is out of date  "}
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "rejected"
    assert response.json()["rejection_reason"] == "Logo is out of date"


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 1001}])
def test_reject_needs_a_reason(
    client: TestClient, world: World, creative: dict[str, Any], body: dict[str, Any]
) -> None:
    response = reject(client, world, creative["id"], "force_a_approver", body)
    assert response.status_code == 422
    assert "reason" in response.json()["detail"]


def test_rejecting_a_rejected_creative_is_409(
    client: TestClient, world: World, creative: dict[str, Any]
) -> None:
    assert reject(client, world, creative["id"], "force_a_approver", {"reason": "a"}).is_success
    response = reject(client, world, creative["id"], "force_a_approver", {"reason": "b"})
    assert response.status_code == 409


def test_approval_can_be_withdrawn_by_rejecting(
    client: TestClient, world: World, creative: dict[str, Any]
) -> None:
    assert approve(client, world, creative["id"], "force_a_approver").status_code == 200
    response = reject(client, world, creative["id"], "force_a_approver", {"reason": "Recalled"})
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"


def test_rejected_creative_can_be_approved_later(
    client: TestClient, world: World, creative: dict[str, Any]
) -> None:
    assert reject(client, world, creative["id"], "force_a_approver", {"reason": "a"}).is_success
    response = approve(client, world, creative["id"], "force_a_approver")
    assert response.status_code == 200
    assert response.json()["rejection_reason"] is None


def test_replacing_the_file_sends_it_back_to_pending(
    client: TestClient, world: World, creative: dict[str, Any]
) -> None:
    assert approve(client, world, creative["id"], "force_a_approver").status_code == 200
    response = replace_file(client, world, creative["id"], "force_a_editor")
    assert response.status_code == 200, response.text
    replaced = response.json()
    assert replaced["status"] == "pending"
    assert replaced["sha256"] != creative["sha256"]
    assert (replaced["width"], replaced["height"]) == (40, 40)


def test_replacer_cannot_approve_their_replacement(
    client: TestClient, world: World, creative: dict[str, Any], second_approver: str
) -> None:
    assert approve(client, world, creative["id"], "force_a_approver").status_code == 200
    replaced = replace_file(client, world, creative["id"], "force_a_approver")
    assert replaced.json()["uploaded_by"] == world.users["force_a_approver"].id
    assert approve(client, world, creative["id"], "force_a_approver").status_code == 403
    assert approve(client, world, creative["id"], second_approver).status_code == 200


def test_original_uploader_may_approve_someone_elses_replacement(
    client: TestClient, world: World, campaign: dict[str, Any], second_approver: str
) -> None:
    own = upload_creative(client, world, campaign["id"], "force_a_approver")
    assert replace_file(client, world, own["id"], second_approver).status_code == 200
    assert approve(client, world, own["id"], "force_a_approver").status_code == 200


def test_edit_keeps_the_approval(
    client: TestClient, world: World, creative: dict[str, Any]
) -> None:
    assert approve(client, world, creative["id"], "force_a_approver").status_code == 200
    response = client.patch(
        f"/v1/creatives/{creative['id']}",
        json={"name": "Renamed", "alt_text": "Two friends walk away."},
        headers=world.headers("force_a_editor"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "approved"
    assert response.json()["name"] == "Renamed"


def test_history_lists_every_decision_with_who_when_and_why(
    client: TestClient, world: World, creative: dict[str, Any], second_approver: str
) -> None:
    cid = creative["id"]
    assert reject(client, world, cid, "force_a_approver", {"reason": "Too dark"}).is_success
    assert replace_file(client, world, cid, "force_a_editor").is_success
    assert approve(client, world, cid, second_approver).is_success
    client.patch(
        f"/v1/creatives/{cid}", json={"name": "Final"}, headers=world.headers("force_a_editor")
    )
    events = history(client, world, cid)
    assert [e["action"] for e in events] == [
        "uploaded",
        "rejected",
        "replaced",
        "approved",
        "edited",
    ]
    assert [e["user_email"] for e in events] == [
        "force.a.editor@example.org",
        "force.a.approver@example.org",
        "force.a.editor@example.org",
        "force.a.approver.2@example.org",
        "force.a.editor@example.org",
    ]
    assert events[0]["user_id"] == world.users["force_a_editor"].id
    assert events[1]["reason"] == "Too dark"
    assert events[0]["sha256"] == creative["sha256"]
    assert events[2]["sha256"] != creative["sha256"]
    assert "name" in events[4]["reason"]
    instants = [e["at"] for e in events]
    assert all(instants), instants
    assert instants == sorted(instants)


def test_history_is_hidden_from_other_forces(
    client: TestClient, world: World, creative: dict[str, Any]
) -> None:
    response = client.get(
        f"/v1/creatives/{creative['id']}/history", headers=world.headers("force_b_editor")
    )
    assert response.status_code == 404


def test_reject_reason_with_nul_is_422(
    client: TestClient, world: World, creative: dict[str, Any]
) -> None:
    response = reject(client, world, creative["id"], "force_a_approver", {"reason": "a\x00b"})
    assert response.status_code == 422


def test_two_approvers_deciding_at_once_are_serialised(
    client: TestClient,
    world: World,
    engine: Engine,
    settings: Settings,
    creative: dict[str, Any],
    live_server: LiveServer,
) -> None:
    add_person(
        world,
        engine,
        persona="force_a_approver_2",
        org_key="force_a",
        role=Role.approver,
        secret=settings.effective_secret_key,
    )
    barrier = threading.Barrier(2)

    def decide(persona: str) -> int:
        with httpx.Client(base_url=live_server.url) as http:
            barrier.wait()
            url = f"/v1/creatives/{creative['id']}/approve"
            return http.post(url, headers=world.headers(persona)).status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        codes = sorted(pool.map(decide, ["force_a_approver", "force_a_approver_2"]))
    assert codes == [200, 409]
    approvals = [e for e in history(client, world, creative["id"]) if e["action"] == "approved"]
    assert len(approvals) == 1
