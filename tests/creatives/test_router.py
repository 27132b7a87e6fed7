"""/v1/creatives reading, editing, replacing and deleting, and who may do which."""

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.creatives.conftest import files_under
from tests.factories import World, make_campaign, png_bytes, upload_creative


def blob_path(creative: dict[str, Any]) -> str:
    return f"{creative['sha256'][:2]}/{creative['sha256']}"


def thumbnail_path(creative: dict[str, Any]) -> str:
    return f"thumbnails/{creative['sha256'][:2]}/{creative['sha256']}.jpg"


@pytest.fixture
def creative(client: TestClient, world: World, campaign: dict[str, Any]) -> dict[str, Any]:
    return upload_creative(client, world, campaign["id"])


def patch(client: TestClient, world: World, creative_id: str, body: Any, persona: str) -> Any:
    return client.patch(f"/v1/creatives/{creative_id}", json=body, headers=world.headers(persona))


# --- reading --------------------------------------------------------------------------------


def test_list_filters_by_campaign(
    client: TestClient, world: World, campaign: dict[str, Any], creative: dict[str, Any]
) -> None:
    other = make_campaign(client, world, name="Other")
    upload_creative(client, world, other["id"], content=png_bytes(12, 12))
    response = client.get(
        "/v1/creatives",
        params={"campaign_id": campaign["id"]},
        headers=world.headers("force_a_editor"),
    )
    assert [c["id"] for c in response.json()] == [creative["id"]]


def test_list_filters_by_status(
    client: TestClient, world: World, campaign: dict[str, Any], creative: dict[str, Any]
) -> None:
    approved = upload_creative(client, world, campaign["id"], content=png_bytes(13, 13))
    client.post(
        f"/v1/creatives/{approved['id']}/approve", headers=world.headers("force_a_approver")
    )
    response = client.get(
        "/v1/creatives", params={"status": "approved"}, headers=world.headers("force_a_editor")
    )
    assert [c["id"] for c in response.json()] == [approved["id"]]


def test_list_rejects_an_unknown_status(client: TestClient, world: World) -> None:
    response = client.get(
        "/v1/creatives", params={"status": "live"}, headers=world.headers("force_a_editor")
    )
    assert response.status_code == 422


def test_read_one(client: TestClient, world: World, creative: dict[str, Any]) -> None:
    response = client.get(
        f"/v1/creatives/{creative['id']}", headers=world.headers("force_a_approver")
    )
    assert response.status_code == 200
    assert response.json() == creative


# --- editing --------------------------------------------------------------------------------


def test_patch_edits_details(client: TestClient, world: World, creative: dict[str, Any]) -> None:
    body = {
        "name": "Winter poster",
        "duration_ms": 7000,
        "valid_from": "2026-12-01T00:00:00Z",
        "valid_until": "2027-01-01T00:00:00+00:00",
        "alt_text": "Snow outside a pub.",
    }
    response = patch(client, world, creative["id"], body, "force_a_editor")
    assert response.status_code == 200, response.text
    edited = response.json()
    assert edited["name"] == "Winter poster"
    assert edited["duration_ms"] == 7000
    assert edited["alt_text"] == "Snow outside a pub."
    assert edited["valid_until"].startswith("2027-01-01T00:00:00")
    assert edited["updated_at"] >= creative["updated_at"]


def test_patch_checks_validity_against_the_stored_value(
    client: TestClient, world: World, creative: dict[str, Any]
) -> None:
    body = {"valid_from": "2026-12-10T00:00:00Z"}
    assert patch(client, world, creative["id"], body, "force_a_editor").status_code == 200
    response = patch(
        client, world, creative["id"], {"valid_until": "2026-12-01T00:00:00Z"}, "force_a_editor"
    )
    assert response.status_code == 422
    assert "valid_from must be before valid_until" in response.json()["detail"]


def test_patch_can_clear_validity(
    client: TestClient, world: World, creative: dict[str, Any]
) -> None:
    patch(client, world, creative["id"], {"valid_until": "2027-01-01T00:00:00Z"}, "force_a_editor")
    response = patch(client, world, creative["id"], {"valid_until": None}, "force_a_editor")
    assert response.json()["valid_until"] is None


@pytest.mark.parametrize(
    "body",
    [{"duration_ms": 999}, {"name": ""}, {"name": None}, {"alt_text": "a" * 501}, {"kind": "x"}],
)
def test_patch_refuses_bad_values(
    client: TestClient, world: World, creative: dict[str, Any], body: dict[str, Any]
) -> None:
    assert patch(client, world, creative["id"], body, "force_a_editor").status_code == 422


def test_patch_refuses_a_duration_for_video(
    client: TestClient, world: World, campaign: dict[str, Any], mp4_bytes: bytes
) -> None:
    video = upload_creative(client, world, campaign["id"], content=mp4_bytes)
    response = patch(client, world, video["id"], {"duration_ms": 5000}, "force_a_editor")
    assert response.status_code == 422


def test_replace_keeps_an_images_duration(
    client: TestClient, world: World, campaign: dict[str, Any]
) -> None:
    creative = upload_creative(client, world, campaign["id"], duration_ms="4000")
    response = client.put(
        f"/v1/creatives/{creative['id']}/file",
        files={"file": ("b.png", png_bytes(20, 20, (1, 2, 3)), "image/png")},
        headers=world.headers("force_a_editor"),
    )
    assert response.json()["duration_ms"] == 4000


def test_replace_with_video_takes_its_length(
    client: TestClient, world: World, creative: dict[str, Any], webm_bytes: bytes
) -> None:
    response = client.put(
        f"/v1/creatives/{creative['id']}/file",
        files={"file": ("b.webm", webm_bytes, "video/webm")},
        headers=world.headers("force_a_editor"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["kind"] == "video"
    assert response.json()["duration_ms"] == pytest.approx(1500, abs=100)


def test_replace_with_a_bad_file_changes_nothing(
    client: TestClient, world: World, creative: dict[str, Any], media_root: Path
) -> None:
    before = files_under(media_root)
    response = client.put(
        f"/v1/creatives/{creative['id']}/file",
        files={"file": ("b.png", b"not an image at all", "image/png")},
        headers=world.headers("force_a_editor"),
    )
    assert response.status_code == 415
    assert files_under(media_root) == before
    read = client.get(f"/v1/creatives/{creative['id']}", headers=world.headers("force_a_editor"))
    assert read.json() == creative


def test_replace_deletes_the_old_unused_blob(
    client: TestClient, world: World, creative: dict[str, Any], media_root: Path
) -> None:
    response = client.put(
        f"/v1/creatives/{creative['id']}/file",
        files={"file": ("b.png", png_bytes(21, 21), "image/png")},
        headers=world.headers("force_a_editor"),
    )
    files = files_under(media_root)
    assert blob_path(response.json()) in files
    assert blob_path(creative) not in files
    assert thumbnail_path(creative) not in files


# --- deleting -------------------------------------------------------------------------------


def test_delete_removes_the_creative_and_its_blob(
    client: TestClient, world: World, creative: dict[str, Any], media_root: Path
) -> None:
    assert blob_path(creative) in files_under(media_root)
    response = client.delete(
        f"/v1/creatives/{creative['id']}", headers=world.headers("force_a_editor")
    )
    assert response.status_code == 204
    read = client.get(f"/v1/creatives/{creative['id']}", headers=world.headers("force_a_editor"))
    assert read.status_code == 404
    files = files_under(media_root)
    assert blob_path(creative) not in files
    assert thumbnail_path(creative) not in files
    assert client.get(creative["url"]).status_code == 404


def test_delete_keeps_a_blob_another_creative_uses(
    client: TestClient, world: World, campaign: dict[str, Any], media_root: Path
) -> None:
    first = upload_creative(client, world, campaign["id"], content=png_bytes(9, 9))
    second = upload_creative(client, world, campaign["id"], content=png_bytes(9, 9))
    client.delete(f"/v1/creatives/{first['id']}", headers=world.headers("force_a_editor"))
    assert blob_path(second) in files_under(media_root)
    assert client.get(second["url"]).status_code == 200


def test_delete_of_an_approved_creative_removes_its_history(
    client: TestClient, world: World, creative: dict[str, Any]
) -> None:
    client.post(
        f"/v1/creatives/{creative['id']}/approve", headers=world.headers("force_a_approver")
    )
    response = client.delete(
        f"/v1/creatives/{creative['id']}", headers=world.headers("force_a_editor")
    )
    assert response.status_code == 204
    history = client.get(
        f"/v1/creatives/{creative['id']}/history", headers=world.headers("force_a_editor")
    )
    assert history.status_code == 404


# --- who may see and change what ------------------------------------------------------------

FOREIGN_CALLS = [
    ("GET", ""),
    ("PATCH", ""),
    ("DELETE", ""),
    ("POST", "/approve"),
    ("POST", "/reject"),
    ("PUT", "/file"),
    ("GET", "/thumbnail"),
    ("GET", "/history"),
]


def call(
    client: TestClient, world: World, creative_id: str, method: str, suffix: str, who: str
) -> httpx.Response:
    url = f"/v1/creatives/{creative_id}{suffix}"
    kwargs: dict[str, Any] = {"headers": world.headers(who)}
    if method == "PATCH":
        kwargs["json"] = {"name": "Mine now"}
    elif suffix == "/reject":
        kwargs["json"] = {"reason": "no"}
    elif method == "PUT":
        kwargs["files"] = {"file": ("x.png", png_bytes(5, 5), "image/png")}
    return client.request(method, url, **kwargs)


@pytest.mark.parametrize(("method", "suffix"), FOREIGN_CALLS)
def test_other_force_gets_404(
    client: TestClient, world: World, creative: dict[str, Any], method: str, suffix: str
) -> None:
    response = call(client, world, creative["id"], method, suffix, "force_b_editor")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(("method", "suffix"), FOREIGN_CALLS)
def test_partner_gets_404(
    client: TestClient, world: World, creative: dict[str, Any], method: str, suffix: str
) -> None:
    assert call(client, world, creative["id"], method, suffix, "partner_1").status_code == 404


def test_other_force_does_not_list_it(
    client: TestClient, world: World, creative: dict[str, Any]
) -> None:
    assert client.get("/v1/creatives", headers=world.headers("force_b_editor")).json() == []


def test_national_editor_reads_force_creatives(
    client: TestClient, world: World, creative: dict[str, Any]
) -> None:
    listed = client.get("/v1/creatives", headers=world.headers("national_editor"))
    assert [c["id"] for c in listed.json()] == [creative["id"]]
    for suffix in ("", "/thumbnail", "/history"):
        response = call(client, world, creative["id"], "GET", suffix, "national_editor")
        assert response.status_code == 200, suffix


@pytest.mark.parametrize(("method", "suffix"), [("PATCH", ""), ("DELETE", ""), ("PUT", "/file")])
def test_national_editor_cannot_change_force_creatives(
    client: TestClient, world: World, creative: dict[str, Any], method: str, suffix: str
) -> None:
    response = call(client, world, creative["id"], method, suffix, "national_editor")
    assert response.status_code == 403
