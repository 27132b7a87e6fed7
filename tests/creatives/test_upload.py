"""POST /v1/creatives: each accepted type is measured, cleaned, stored once and left pending."""

import hashlib
import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from PIL import ExifTags, Image

from tests.creatives.conftest import files_under, image_bytes, jpeg_with_gps
from tests.factories import World, make_campaign, png_bytes, post_creative, upload_creative
from tests.live import LiveServer


def stored_file(media_root: Path, sha256: str) -> Path:
    return media_root / sha256[:2] / sha256


def test_png_upload_is_pending_and_measured(
    client: TestClient, world: World, campaign: dict[str, Any], media_root: Path
) -> None:
    creative = upload_creative(client, world, campaign["id"], content=png_bytes(64, 48))
    assert creative["status"] == "pending"
    assert creative["kind"] == "image"
    assert creative["mime_type"] == "image/png"
    assert (creative["width"], creative["height"]) == (64, 48)
    assert creative["duration_ms"] == 10000
    assert creative["campaign_id"] == campaign["id"]
    assert creative["name"] == "Walk Away poster"
    assert creative["uploaded_by"] == world.users["force_a_editor"].id
    assert creative["rejection_reason"] is None
    stored = stored_file(media_root, creative["sha256"]).read_bytes()
    assert creative["bytes"] == len(stored)
    assert creative["sha256"] == hashlib.sha256(stored).hexdigest()
    assert creative["url"] == f"/media/{creative['sha256']}"
    assert creative["thumbnail_url"] == f"/v1/creatives/{creative['id']}/thumbnail"


def test_jpeg_upload_is_measured(
    client: TestClient, world: World, campaign: dict[str, Any]
) -> None:
    creative = upload_creative(
        client,
        world,
        campaign["id"],
        content=image_bytes("JPEG", (120, 90)),
        filename="poster.jpg",
        content_type="image/jpeg",
    )
    assert creative["mime_type"] == "image/jpeg"
    assert (creative["width"], creative["height"]) == (120, 90)


def test_webp_upload_is_measured(
    client: TestClient, world: World, campaign: dict[str, Any]
) -> None:
    creative = upload_creative(
        client,
        world,
        campaign["id"],
        content=image_bytes("WEBP", (50, 100)),
        filename="poster.webp",
        content_type="image/webp",
    )
    assert creative["mime_type"] == "image/webp"
    assert (creative["width"], creative["height"]) == (50, 100)


def test_mp4_upload_takes_its_own_duration(
    client: TestClient, world: World, campaign: dict[str, Any], mp4_bytes: bytes
) -> None:
    creative = upload_creative(
        client, world, campaign["id"], content=mp4_bytes, filename="a.mp4", content_type="video/mp4"
    )
    assert creative["kind"] == "video"
    assert creative["mime_type"] == "video/mp4"
    assert (creative["width"], creative["height"]) == (320, 240)
    assert creative["duration_ms"] == pytest.approx(2000, abs=100)


def test_webm_upload_takes_its_own_duration(
    client: TestClient, world: World, campaign: dict[str, Any], webm_bytes: bytes
) -> None:
    creative = upload_creative(
        client,
        world,
        campaign["id"],
        content=webm_bytes,
        filename="a.webm",
        content_type="video/webm",
    )
    assert creative["mime_type"] == "video/webm"
    assert (creative["width"], creative["height"]) == (256, 144)
    assert creative["duration_ms"] == pytest.approx(1500, abs=100)


def test_type_comes_from_the_bytes_not_the_name(
    client: TestClient, world: World, campaign: dict[str, Any]
) -> None:
    creative = upload_creative(
        client,
        world,
        campaign["id"],
        content=image_bytes("JPEG"),
        filename="actually.png",
        content_type="image/png",
    )
    assert creative["mime_type"] == "image/jpeg"


def test_served_jpeg_has_no_gps(client: TestClient, world: World, campaign: dict[str, Any]) -> None:
    original = jpeg_with_gps()
    with Image.open(io.BytesIO(original)) as image:
        assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the upload really carries GPS
    creative = upload_creative(
        client, world, campaign["id"], content=original, content_type="image/jpeg"
    )
    served = client.get(creative["url"])
    assert served.status_code == 200
    with Image.open(io.BytesIO(served.content)) as image:
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert len(image.getexif()) == 0


def test_same_file_twice_makes_two_creatives_and_one_blob(
    client: TestClient, world: World, campaign: dict[str, Any], media_root: Path
) -> None:
    content = png_bytes(30, 30)
    first = upload_creative(client, world, campaign["id"], content=content)
    second = upload_creative(client, world, campaign["id"], content=content, name="Copy")
    assert first["id"] != second["id"]
    assert first["sha256"] == second["sha256"]
    blobs = {f for f in files_under(media_root) if not f.startswith(("thumbnails", ".tmp"))}
    assert blobs == {f"{first['sha256'][:2]}/{first['sha256']}"}


def test_upload_leaves_no_staging_files(
    client: TestClient, world: World, campaign: dict[str, Any], media_root: Path
) -> None:
    upload_creative(client, world, campaign["id"])
    assert not [f for f in files_under(media_root) if f.startswith(".tmp")]


def test_optional_fields_are_stored_in_utc(
    client: TestClient, world: World, campaign: dict[str, Any]
) -> None:
    creative = upload_creative(
        client,
        world,
        campaign["id"],
        duration_ms="5000",
        valid_from="2026-12-01T20:00:00+01:00",
        valid_until="2027-01-01T00:00:00Z",
        alt_text="A man walks away from an argument outside a pub.",
    )
    assert creative["duration_ms"] == 5000
    assert creative["valid_from"].startswith("2026-12-01T19:00:00")
    assert creative["valid_from"].endswith(("Z", "+00:00"))
    assert creative["valid_until"].startswith("2027-01-01T00:00:00")
    assert creative["alt_text"] == "A man walks away from an argument outside a pub."


@pytest.mark.parametrize("field", ["duration_ms", "valid_from", "valid_until", "alt_text"])
def test_empty_optional_field_means_not_given(
    live_server: LiveServer, world: World, campaign: dict[str, Any], field: str
) -> None:
    # What a form or Swagger UI sends for an optional field left empty.
    response = httpx.post(
        f"{live_server.url}/v1/creatives",
        data={"campaign_id": campaign["id"], "name": "Walk Away poster", field: ""},
        files={"file": ("poster.png", png_bytes(), "image/png")},
        headers=world.headers("force_a_editor"),
    )
    assert response.status_code == 201, response.text
    creative = response.json()
    defaults = {"duration_ms": 10000, "valid_from": None, "valid_until": None, "alt_text": None}
    assert {name: creative[name] for name in defaults} == defaults


def test_file_name_is_never_used(
    client: TestClient, world: World, campaign: dict[str, Any], media_root: Path, tmp_path: Path
) -> None:
    creative = upload_creative(
        client, world, campaign["id"], filename="../../etc/passwd.png", name="Poster"
    )
    assert creative["name"] == "Poster"
    assert not (tmp_path / "etc").exists()
    assert not (media_root.parent / "etc").exists()
    assert not any("passwd" in f for f in files_under(tmp_path))


def test_thumbnail_is_a_small_jpeg(
    client: TestClient, world: World, campaign: dict[str, Any]
) -> None:
    creative = upload_creative(client, world, campaign["id"], content=png_bytes(800, 600))
    response = client.get(creative["thumbnail_url"], headers=world.headers("force_a_editor"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(response.content)) as thumbnail:
        assert thumbnail.format == "JPEG"
        assert max(thumbnail.size) <= 320


def test_video_thumbnail_is_a_jpeg(
    client: TestClient, world: World, campaign: dict[str, Any], mp4_bytes: bytes
) -> None:
    creative = upload_creative(client, world, campaign["id"], content=mp4_bytes)
    response = client.get(creative["thumbnail_url"], headers=world.headers("force_a_editor"))
    assert response.status_code == 200
    assert response.content.startswith(b"\xff\xd8\xff")


def test_approver_and_admin_may_upload(
    client: TestClient, world: World, campaign: dict[str, Any]
) -> None:
    for persona in ("force_a_approver", "force_a_admin"):
        creative = upload_creative(client, world, campaign["id"], persona)
        assert creative["uploaded_by"] == world.users[persona].id


def test_national_editor_uploads_to_a_national_campaign(client: TestClient, world: World) -> None:
    national = make_campaign(client, world, "national_editor")
    creative = upload_creative(client, world, national["id"], "national_editor")
    assert creative["organisation_id"] == world.org_id("national")


def test_upload_needs_credentials(
    client: TestClient, world: World, campaign: dict[str, Any]
) -> None:
    response = post_creative(client, world, campaign["id"])
    assert response.status_code == 201  # sanity: the same request with a token works
    anonymous = client.post(
        "/v1/creatives",
        data={"campaign_id": campaign["id"], "name": "x"},
        files={"file": ("a.png", png_bytes(), "image/png")},
    )
    assert anonymous.status_code == 401


def test_thumbnail_is_revalidated_by_etag(
    client: TestClient, world: World, campaign: dict[str, Any]
) -> None:
    creative = upload_creative(client, world, campaign["id"])
    headers = world.headers("force_a_editor")
    first = client.get(creative["thumbnail_url"], headers=headers)
    assert first.headers["etag"] == f'"{creative["sha256"]}"'
    again = client.get(
        creative["thumbnail_url"], headers={**headers, "If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.content == b""


def test_upload_form_is_described_in_openapi(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    upload = schema["paths"]["/v1/creatives"]["post"]["requestBody"]["content"]
    assert "file" in upload["multipart/form-data"]["schema"]["properties"]
    assert "/media/{sha256}" in schema["paths"]
