"""Refused uploads: the right status and problem JSON, and nothing left on disk or in the DB."""

import struct
import zlib
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.creatives.conftest import chunked, files_under, multipart
from tests.factories import World, png_bytes, post_creative, upload_creative

SVG_WITH_SCRIPT = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">
<script>alert(document.cookie)</script><rect width="10" height="10"/></svg>"""


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose header claims ten billion pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.fixture
def before(media_root: Path, client: TestClient) -> set[str]:
    """What the media folder holds before the refused upload (the app is already running)."""
    return files_under(media_root)


def assert_refused(
    response: httpx.Response,
    status: int,
    *,
    client: TestClient,
    world: World,
    media_root: Path,
    before: set[str],
) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    assert problem["detail"]
    assert files_under(media_root) == before
    listed = client.get("/v1/creatives", headers=world.headers("force_a_editor"))
    assert listed.json() == []
    return problem


@pytest.fixture
def refused(client: TestClient, world: World, media_root: Path, before: set[str]) -> Any:
    def check(response: httpx.Response, status: int) -> dict[str, Any]:
        return assert_refused(
            response, status, client=client, world=world, media_root=media_root, before=before
        )

    return check


def test_truncated_png_is_422(
    client: TestClient, world: World, campaign: dict[str, Any], refused: Any
) -> None:
    content = png_bytes(200, 200)
    response = post_creative(client, world, campaign["id"], content=content[: len(content) // 2])
    refused(response, 422)


def test_text_named_png_is_415(
    client: TestClient, world: World, campaign: dict[str, Any], refused: Any
) -> None:
    response = post_creative(client, world, campaign["id"], content=b"hello, I am text\n" * 20)
    refused(response, 415)


def test_svg_with_script_is_415(
    client: TestClient, world: World, campaign: dict[str, Any], refused: Any
) -> None:
    response = post_creative(
        client,
        world,
        campaign["id"],
        content=SVG_WITH_SCRIPT,
        filename="logo.svg",
        content_type="image/svg+xml",
    )
    refused(response, 415)


def test_decompression_bomb_is_422(
    client: TestClient, world: World, campaign: dict[str, Any], refused: Any
) -> None:
    response = post_creative(client, world, campaign["id"], content=png_bomb())
    problem = refused(response, 422)
    assert "too large" in problem["detail"]


def test_empty_file_is_422(
    client: TestClient, world: World, campaign: dict[str, Any], refused: Any
) -> None:
    refused(post_creative(client, world, campaign["id"], content=b""), 422)


def test_missing_file_is_422(
    client: TestClient, world: World, campaign: dict[str, Any], refused: Any
) -> None:
    response = client.post(
        "/v1/creatives",
        data={"campaign_id": campaign["id"], "name": "No file"},
        files={"other": ("x.txt", b"x", "text/plain")},
        headers=world.headers("force_a_editor"),
    )
    problem = refused(response, 422)
    assert "file" in problem["detail"]


def test_body_that_is_not_multipart_is_415(
    client: TestClient, world: World, campaign: dict[str, Any], refused: Any
) -> None:
    response = client.post(
        "/v1/creatives",
        json={"campaign_id": campaign["id"], "name": "JSON"},
        headers=world.headers("force_a_editor"),
    )
    refused(response, 415)


def test_missing_name_is_422(
    client: TestClient, world: World, campaign: dict[str, Any], refused: Any
) -> None:
    body, content_type = multipart(
        [("campaign_id", None, campaign["id"].encode()), ("file", "a.png", png_bytes())]
    )
    response = client.post(
        "/v1/creatives",
        content=body,
        headers={**world.headers("force_a_editor"), "Content-Type": content_type},
    )
    problem = refused(response, 422)
    assert "name" in problem["detail"]


def test_bad_valid_from_is_422(
    client: TestClient, world: World, campaign: dict[str, Any], refused: Any
) -> None:
    response = post_creative(client, world, campaign["id"], valid_from="next friday")
    problem = refused(response, 422)
    assert "valid_from" in problem["detail"]


def test_valid_from_without_offset_is_422(
    client: TestClient, world: World, campaign: dict[str, Any], refused: Any
) -> None:
    response = post_creative(client, world, campaign["id"], valid_from="2026-12-01T20:00:00")
    refused(response, 422)


def test_valid_until_before_valid_from_is_422(
    client: TestClient, world: World, campaign: dict[str, Any], refused: Any
) -> None:
    response = post_creative(
        client,
        world,
        campaign["id"],
        valid_from="2026-12-02T00:00:00Z",
        valid_until="2026-12-01T00:00:00Z",
    )
    problem = refused(response, 422)
    assert "valid_from must be before valid_until" in problem["detail"]


def test_duration_zero_is_422(
    client: TestClient, world: World, campaign: dict[str, Any], refused: Any
) -> None:
    problem = refused(post_creative(client, world, campaign["id"], duration_ms="0"), 422)
    assert "duration_ms" in problem["detail"]


def test_duration_over_an_hour_is_422(
    client: TestClient, world: World, campaign: dict[str, Any], refused: Any
) -> None:
    refused(post_creative(client, world, campaign["id"], duration_ms="3600001"), 422)


def test_alt_text_over_500_characters_is_422(
    client: TestClient, world: World, campaign: dict[str, Any], refused: Any
) -> None:
    refused(post_creative(client, world, campaign["id"], alt_text="a" * 501), 422)


def test_unknown_form_field_is_422(
    client: TestClient, world: World, campaign: dict[str, Any], refused: Any
) -> None:
    refused(post_creative(client, world, campaign["id"], colour="red"), 422)


def test_video_with_duration_is_422(
    client: TestClient, world: World, campaign: dict[str, Any], mp4_bytes: bytes, refused: Any
) -> None:
    response = post_creative(client, world, campaign["id"], content=mp4_bytes, duration_ms="5000")
    problem = refused(response, 422)
    assert "own length" in problem["detail"]


def test_bad_field_after_the_file_leaves_no_blob(
    client: TestClient, world: World, campaign: dict[str, Any], refused: Any
) -> None:
    body, content_type = multipart(
        [
            ("file", "a.png", png_bytes()),
            ("campaign_id", None, campaign["id"].encode()),
            ("name", None, b"Late fields"),
            ("duration_ms", None, b"12"),
        ]
    )
    response = client.post(
        "/v1/creatives",
        content=body,
        headers={**world.headers("force_a_editor"), "Content-Type": content_type},
    )
    refused(response, 422)


def test_fields_after_the_file_are_accepted(
    client: TestClient, world: World, campaign: dict[str, Any]
) -> None:
    body, content_type = multipart(
        [
            ("file", "a.png", png_bytes()),
            ("campaign_id", None, campaign["id"].encode()),
            ("name", None, b"Fields last"),
        ]
    )
    response = client.post(
        "/v1/creatives",
        content=body,
        headers={**world.headers("force_a_editor"), "Content-Type": content_type},
    )
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "Fields last"


def test_two_files_are_422(
    client: TestClient, world: World, campaign: dict[str, Any], refused: Any
) -> None:
    body, content_type = multipart(
        [
            ("campaign_id", None, campaign["id"].encode()),
            ("name", None, b"Two"),
            ("file", "a.png", png_bytes()),
            ("file", "b.png", png_bytes(10, 10)),
        ]
    )
    response = client.post(
        "/v1/creatives",
        content=body,
        headers={**world.headers("force_a_editor"), "Content-Type": content_type},
    )
    refused(response, 422)


def test_unknown_campaign_is_404_before_the_file_is_read(
    client: TestClient, world: World, refused: Any
) -> None:
    # The file is damaged too: a 404 (not 422) shows the campaign was checked first.
    response = post_creative(client, world, "no-such-campaign", content=b"\x89PNG\r\n\x1a\nbroken")
    refused(response, 404)


def test_other_forces_campaign_is_404(
    client: TestClient, world: World, campaign: dict[str, Any], refused: Any
) -> None:
    refused(post_creative(client, world, campaign["id"], "force_b_editor"), 404)


def test_national_editor_cannot_upload_to_a_force_campaign(
    client: TestClient, world: World, campaign: dict[str, Any], refused: Any
) -> None:
    refused(post_creative(client, world, campaign["id"], "national_editor"), 403)


def test_partner_cannot_upload(
    client: TestClient, world: World, campaign: dict[str, Any], refused: Any
) -> None:
    refused(post_creative(client, world, campaign["id"], "partner_1"), 404)


def test_failed_upload_keeps_a_blob_another_creative_uses(
    client: TestClient, world: World, campaign: dict[str, Any], media_root: Path
) -> None:
    content = png_bytes(33, 33)
    creative = upload_creative(client, world, campaign["id"], content=content)
    response = post_creative(client, world, campaign["id"], content=content, duration_ms="1")
    assert response.status_code == 422
    assert f"{creative['sha256'][:2]}/{creative['sha256']}" in files_under(media_root)
    assert client.get(creative["url"]).status_code == 200


def test_chunked_upload_without_length_is_streamed_and_accepted(
    client: TestClient, world: World, campaign: dict[str, Any]
) -> None:
    body, content_type = multipart(
        [
            ("campaign_id", None, campaign["id"].encode()),
            ("name", None, b"Chunked"),
            ("file", "a.png", png_bytes(300, 300)),
        ]
    )
    response = client.post(
        "/v1/creatives",
        content=chunked(body),
        headers={**world.headers("force_a_editor"), "Content-Type": content_type},
    )
    assert response.status_code == 201, response.text


def test_nul_character_in_alt_text_is_422(
    client: TestClient, world: World, campaign: dict[str, Any], refused: Any
) -> None:
    refused(post_creative(client, world, campaign["id"], alt_text="bad\x00text"), 422)
