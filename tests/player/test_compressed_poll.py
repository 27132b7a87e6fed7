"""The poll's gzip bodies, decoded by the clients screens really are: httpx (the Python
player's), curl, Chromium's fetch in a page and in the web player's service worker.

Each body is one gzip member spliced from a per-screen prefix and a tail compressed once
(signage/player/gzip_body.py); every client must read it as the plain body, byte for byte.
"""

import gzip
import json
import os
import random
import shutil
import subprocess
import zlib
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from signage.core.http import accepts_gzip
from signage.player.gzip_body import SplicedGzip
from tests.factories import World, make_screen, make_venue
from tests.live import LiveServer
from tests.player.test_hotpath import device, on_air_now
from tests.player.web_helpers import chromium


def test_a_spliced_body_is_the_gzip_of_prefix_and_tail() -> None:
    generator = random.Random(7)
    for size in (1, 100, 70_000, 300_000):
        tail = bytes(generator.randrange(256) for _ in range(size // 2)) + b"ab" * (size // 4)
        spliced = SplicedGzip(tail)
        for prefix in (b"", b"{", os.urandom(40), os.urandom(70_000)):
            body = spliced.body(prefix)
            assert gzip.decompress(body) == prefix + tail
            # One member, nothing after it: what Chromium (which reads one member) needs.
            stream = zlib.decompressobj(16 + zlib.MAX_WBITS)
            assert stream.decompress(body) == prefix + tail
            assert stream.eof
            assert stream.unused_data == b""
            assert spliced.crc32(prefix) == zlib.crc32(prefix + tail)


@pytest.mark.parametrize(
    ("header", "wanted"),
    [
        (b"gzip", True),
        (b"gzip, deflate, br, zstd", True),
        (b"br;q=1.0, gzip;q=0.5", True),
        (b"GZIP", True),
        (b"x-gzip", True),
        (b"*", True),
        (b"identity", False),
        (b"gzip;q=0", False),
        (b"*;q=0.5, gzip;q=0", False),
        (b"br", False),
        (b"gzip;q=nonsense", False),
        (b"", False),
    ],
)
def test_accept_encoding_is_read_as_rfc_9110_says(header: bytes, wanted: bool) -> None:
    assert accepts_gzip(header) is wanted


def _fleet(
    client: TestClient, world: World, creative: dict[str, Any], count: int = 3
) -> list[dict[str, Any]]:
    venue = make_venue(client, world)
    screens = [make_screen(client, world, venue["id"]) for _ in range(count)]
    on_air_now(client, world, creative["id"])
    return screens


def _plain(server: LiveServer, token: str) -> httpx.Response:
    response = httpx.get(
        f"{server.url}/v1/player/playlist",
        headers={**device(token), "Accept-Encoding": "identity"},
    )
    assert response.status_code == 200
    assert "content-encoding" not in response.headers
    return response


def test_httpx_and_curl_decode_the_gzipped_poll(
    client: TestClient, world: World, approved_creative: dict[str, Any], live_server: LiveServer
) -> None:
    screens = _fleet(client, world, approved_creative)
    for screen in screens:
        token = screen["device_token"]
        plain = _plain(live_server, token)
        assert plain.json()["screen_id"] == screen["id"]
        # httpx asks for gzip by itself, as the Python player does.
        zipped = httpx.get(f"{live_server.url}/v1/player/playlist", headers=device(token))
        assert zipped.headers["content-encoding"] == "gzip"
        assert zipped.headers["vary"] == "Accept-Encoding"
        assert zipped.content == plain.content
        assert zipped.headers["etag"] != plain.headers["etag"]  # another representation
        assert int(zipped.headers["content-length"]) < len(plain.content)
        raw = subprocess.run(
            [
                "curl",
                "--silent",
                "--fail",
                "--compressed",
                "-H",
                f"Authorization: Bearer {token}",
                f"{live_server.url}/v1/player/playlist",
            ],
            capture_output=True,
            check=True,
        ).stdout
        assert raw == plain.content
        # The ETag of either representation gets its 304, asked for in either encoding.
        for etag in (plain.headers["etag"], zipped.headers["etag"]):
            for encoding in ("gzip", "identity"):
                again = httpx.get(
                    f"{live_server.url}/v1/player/playlist",
                    headers={**device(token), "If-None-Match": etag, "Accept-Encoding": encoding},
                )
                assert again.status_code == 304, (etag, encoding)
                assert again.content == b""


def test_the_system_gzip_tool_reads_the_body_as_a_single_valid_member(
    client: TestClient, world: World, approved_creative: dict[str, Any], live_server: LiveServer
) -> None:
    (screen,) = _fleet(client, world, approved_creative, count=1)
    token = screen["device_token"]
    with httpx.stream(
        "GET",
        f"{live_server.url}/v1/player/playlist",
        headers={**device(token), "Accept-Encoding": "gzip"},
    ) as response:
        body = b"".join(response.iter_raw())
    tool = shutil.which("gzip")
    assert tool is not None
    checked = subprocess.run([tool, "-t", "-v"], input=body, capture_output=True)
    assert checked.returncode == 0, checked.stderr
    decoded = subprocess.run([tool, "-d", "-c"], input=body, capture_output=True, check=True)
    assert json.loads(decoded.stdout)["screen_id"] == screen["id"]


@pytest.mark.browser
def test_chromium_decodes_the_gzipped_poll_in_a_page_and_in_the_service_worker(
    client: TestClient, world: World, approved_creative: dict[str, Any], live_server: LiveServer
) -> None:
    screens = _fleet(client, world, approved_creative, count=2)
    fetch = """async (token) => {
        const response = await fetch('/v1/player/playlist',
            {headers: {Authorization: 'Bearer ' + token}, cache: 'no-store'});
        return [response.status, response.headers.get('content-encoding'), await response.text()];
    }"""
    with chromium() as browser:
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{live_server.url}/player/")
        page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=15_000)
        (worker,) = context.service_workers
        for screen in screens:
            plain = _plain(live_server, screen["device_token"])
            for where in (page, worker):
                status, encoding, text = where.evaluate(fetch, screen["device_token"])
                assert status == 200
                assert encoding == "gzip"  # Chromium asked for it and got it
                assert text.encode() == plain.content
        context.close()
