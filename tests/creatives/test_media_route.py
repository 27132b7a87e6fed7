"""GET /media/{sha256} over real HTTP: caching headers, conditional requests and byte ranges."""

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.factories import World, png_bytes, upload_creative
from tests.live import LiveServer


@pytest.fixture
def creative(client: TestClient, world: World, campaign: dict[str, Any]) -> dict[str, Any]:
    return upload_creative(client, world, campaign["id"], content=png_bytes(200, 100))


@pytest.fixture
def stored(creative: dict[str, Any], media_root: Path) -> bytes:
    sha = creative["sha256"]
    return (media_root / sha[:2] / sha).read_bytes()


@pytest.fixture
def http(live_server: LiveServer) -> Any:
    with httpx.Client(base_url=live_server.url, timeout=10) as session:
        yield session


def test_full_get_has_caching_headers(
    http: httpx.Client, creative: dict[str, Any], stored: bytes
) -> None:
    response = http.get(creative["url"])
    assert response.status_code == 200
    assert response.content == stored
    assert response.headers["etag"] == f'"{creative["sha256"]}"'
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-length"] == str(len(stored))
    assert response.headers["accept-ranges"] == "bytes"


def test_video_is_served_with_its_type(
    http: httpx.Client,
    client: TestClient,
    world: World,
    campaign: dict[str, Any],
    mp4_bytes: bytes,
) -> None:
    video = upload_creative(client, world, campaign["id"], content=mp4_bytes)
    response = http.get(video["url"])
    assert response.headers["content-type"] == "video/mp4"
    assert int(response.headers["content-length"]) == video["bytes"]


@pytest.mark.parametrize("template", ['"{sha}"', 'W/"{sha}"', '"other", "{sha}"', "*"])
def test_matching_if_none_match_is_304_without_body(
    http: httpx.Client, creative: dict[str, Any], template: str
) -> None:
    header = template.format(sha=creative["sha256"])
    response = http.get(creative["url"], headers={"If-None-Match": header})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == f'"{creative["sha256"]}"'
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_other_etag_gets_the_file(
    http: httpx.Client, creative: dict[str, Any], stored: bytes
) -> None:
    response = http.get(creative["url"], headers={"If-None-Match": '"something-else"'})
    assert response.status_code == 200
    assert response.content == stored


def test_first_ten_bytes(http: httpx.Client, creative: dict[str, Any], stored: bytes) -> None:
    response = http.get(creative["url"], headers={"Range": "bytes=0-9"})
    assert response.status_code == 206
    assert response.content == stored[:10]
    assert response.headers["content-range"] == f"bytes 0-9/{len(stored)}"
    assert response.headers["content-length"] == "10"
    assert response.headers["content-type"] == "image/png"


def test_suffix_range(http: httpx.Client, creative: dict[str, Any], stored: bytes) -> None:
    response = http.get(creative["url"], headers={"Range": "bytes=-20"})
    assert response.status_code == 206
    assert response.content == stored[-20:]
    size = len(stored)
    assert response.headers["content-range"] == f"bytes {size - 20}-{size - 1}/{size}"


def test_open_range(http: httpx.Client, creative: dict[str, Any], stored: bytes) -> None:
    response = http.get(creative["url"], headers={"Range": "bytes=100-"})
    assert response.status_code == 206
    assert response.content == stored[100:]
    assert response.headers["content-range"] == f"bytes 100-{len(stored) - 1}/{len(stored)}"


def test_range_past_the_end_is_clamped(
    http: httpx.Client, creative: dict[str, Any], stored: bytes
) -> None:
    response = http.get(creative["url"], headers={"Range": f"bytes=10-{len(stored) + 500}"})
    assert response.status_code == 206
    assert response.content == stored[10:]


def test_range_beyond_the_size_is_416(
    http: httpx.Client, creative: dict[str, Any], stored: bytes
) -> None:
    response = http.get(creative["url"], headers={"Range": f"bytes={len(stored)}-"})
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{len(stored)}"
    assert response.headers["content-type"] == "application/problem+json"


def test_several_ranges_get_the_whole_file(
    http: httpx.Client, creative: dict[str, Any], stored: bytes
) -> None:
    response = http.get(creative["url"], headers={"Range": "bytes=0-1,5-9"})
    assert response.status_code == 200
    assert response.content == stored


def test_malformed_range_gets_the_whole_file(
    http: httpx.Client, creative: dict[str, Any], stored: bytes
) -> None:
    response = http.get(creative["url"], headers={"Range": "pages=1-2"})
    assert response.status_code == 200
    assert response.content == stored


def test_if_range_with_another_etag_gets_the_whole_file(
    http: httpx.Client, creative: dict[str, Any], stored: bytes
) -> None:
    response = http.get(creative["url"], headers={"Range": "bytes=0-9", "If-Range": '"old"'})
    assert response.status_code == 200
    assert response.content == stored


def test_head_has_the_headers_and_no_body(
    http: httpx.Client, creative: dict[str, Any], stored: bytes
) -> None:
    response = http.head(creative["url"])
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(len(stored))
    assert response.headers["etag"] == f'"{creative["sha256"]}"'
    assert response.headers["content-type"] == "image/png"


def test_head_with_a_range(http: httpx.Client, creative: dict[str, Any], stored: bytes) -> None:
    response = http.head(creative["url"], headers={"Range": "bytes=0-9"})
    assert response.status_code == 206
    assert response.headers["content-length"] == "10"


def test_unknown_sha_is_404(http: httpx.Client) -> None:
    response = http.get("/media/" + "0" * 64)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("address", ["..%2Fetc", "../etc", "..%2F..%2Fsecret_key", "ABC"])
def test_malformed_sha_is_404(http: httpx.Client, address: str) -> None:
    assert http.get(f"/media/{address}").status_code == 404


def test_uppercase_sha_is_404(http: httpx.Client, creative: dict[str, Any]) -> None:
    assert http.get(f"/media/{creative['sha256'].upper()}").status_code == 404


def test_media_needs_no_credentials_but_staff_thumbnails_do(
    http: httpx.Client, creative: dict[str, Any]
) -> None:
    assert http.get(creative["url"]).status_code == 200
    assert http.get(creative["thumbnail_url"]).status_code == 401


@pytest.mark.parametrize("header", ['"something-else"', 'W/"{etag}"', '"a", "b"'])
def test_a_failed_if_match_is_412_rfc_9110_13_1_1(
    http: httpx.Client, creative: dict[str, Any], header: str
) -> None:
    etag = f'"{creative["sha256"]}"'
    response = http.get(creative["url"], headers={"If-Match": header.replace('"{etag}"', etag)})
    assert response.status_code == 412, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Precondition Failed"
    assert response.headers["etag"] == etag


@pytest.mark.parametrize("header", ["*", '"{etag}"', '"other", "{etag}"'])
def test_a_matching_if_match_gets_the_file(
    http: httpx.Client, creative: dict[str, Any], stored: bytes, header: str
) -> None:
    etag = f'"{creative["sha256"]}"'
    response = http.get(creative["url"], headers={"If-Match": header.replace('"{etag}"', etag)})
    assert response.status_code == 200
    assert response.content == stored
