"""The front-end assets shipped in the package: pinned, unmodified but for what the manifest
says, licensed, served from /console/static with their cache headers, and in the wheel.

The files are committed copies made by signage/console/vendor/update_assets.py from the npm
lock file; these tests check the copies against that lock and MANIFEST.json, so no test needs
npm or a network.
"""

import hashlib
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Request

from tests.live import LiveServer
from tests.player.web_helpers import chromium
from tests.wheel import built_wheel_names

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "signage/console/vendor"
STATIC = ROOT / "signage/console/static"
SHIPPED = STATIC / "vendor"
MANIFEST: dict[str, Any] = json.loads((SHIPPED / "MANIFEST.json").read_text())
PACKAGE_JSON: dict[str, Any] = json.loads((VENDOR / "package.json").read_text())
LOCK: dict[str, Any] = json.loads((VENDOR / "package-lock.json").read_text())
# The folder names are part of the URLs the console's templates use.
ASSET_NAMES = {"govuk-frontend", "htmx", "swagger-ui", "redoc"}
GOVUK_CSS = SHIPPED / "govuk-frontend/govuk-frontend.min.css"
ARTIFACTS = ROOT / "test-artifacts"
EXACT_VERSION = re.compile(r"^\d+\.\d+\.\d+$")


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """Static files touch no database: SQLite alone (overrides the suite's two databases)."""
    path = tmp_path / "signage.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def locked(npm_name: str) -> dict[str, Any]:
    entry: dict[str, Any] = LOCK["packages"][f"node_modules/{npm_name}"]
    return entry


def test_package_json_pins_exact_versions() -> None:
    dependencies: dict[str, str] = PACKAGE_JSON["dependencies"]
    assert all(EXACT_VERSION.match(v) for v in dependencies.values()), dependencies
    assert LOCK["packages"][""]["dependencies"] == dependencies


def test_lock_file_pins_each_asset_with_an_integrity_hash() -> None:
    for name, version in PACKAGE_JSON["dependencies"].items():
        assert locked(name)["version"] == version
        assert locked(name)["integrity"].startswith("sha512-")


def test_pinned_release_lines() -> None:
    majors = {name: entry["version"].split(".")[0] for name, entry in MANIFEST["packages"].items()}
    assert majors == {"govuk-frontend": "6", "htmx": "2", "swagger-ui": "5", "redoc": "2"}


def test_manifest_names_the_locked_version_and_integrity_of_each_asset() -> None:
    assert set(MANIFEST["packages"]) == ASSET_NAMES
    for entry in MANIFEST["packages"].values():
        assert entry["version"] == locked(entry["npm"])["version"]
        assert entry["integrity"] == locked(entry["npm"])["integrity"]


def test_every_shipped_file_has_the_sha256_in_the_manifest() -> None:
    for name, entry in MANIFEST["packages"].items():
        for relative, digest in entry["files"].items():
            assert sha256(SHIPPED / name / relative) == digest, f"{name}/{relative}"


def test_no_file_is_shipped_that_the_manifest_does_not_list() -> None:
    listed = {
        f"{name}/{relative}"
        for name, entry in MANIFEST["packages"].items()
        for relative in entry["files"]
    }
    on_disk = {
        p.relative_to(SHIPPED).as_posix()
        for p in SHIPPED.rglob("*")
        if p.is_file() and p.name != "MANIFEST.json"
    }
    assert on_disk == listed


def test_each_asset_ships_its_licence() -> None:
    for name in ASSET_NAMES:
        licence = SHIPPED / name / "LICENSE"
        assert licence.is_file(), name
        assert len(licence.read_text().strip()) > 200, name
    assert (SHIPPED / "govuk-frontend/LICENSE").read_text().startswith("The MIT License")
    # Apache-2.0 (swagger-ui-dist) asks for its NOTICE to travel with the work.
    assert (SHIPPED / "swagger-ui/NOTICE").is_file()


def test_only_the_files_the_manifest_says_were_changed_differ_from_npm() -> None:
    """Changes to upstream files are declared, with their reason, in the manifest."""
    changed = {
        f"{name}/{relative}": why
        for name, entry in MANIFEST["packages"].items()
        for relative, why in entry.get("changed", {}).items()
    }
    assert set(changed) == {
        "govuk-frontend/govuk-frontend.min.css",
        "redoc/redoc.standalone.js",
    }
    assert all(changed.values())


def test_no_font_files_are_shipped() -> None:
    fonts = [p for p in STATIC.rglob("*") if p.suffix in {".woff", ".woff2", ".ttf", ".otf"}]
    assert fonts == []


def test_govuk_css_neither_loads_nor_names_the_gds_transport_font() -> None:
    css = GOVUK_CSS.read_text()
    assert "@font-face" not in css
    assert "GDS Transport" not in css
    assert 'font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial' in css


def test_govuk_css_urls_are_relative_and_name_shipped_files() -> None:
    urls = re.findall(r"url\(([^)]*)\)", GOVUK_CSS.read_text())
    assert urls
    for url in urls:
        assert not url.startswith(("/", "http:", "https:", "//")), url
        assert (GOVUK_CSS.parent / url.strip("\"'")).is_file(), url


def test_console_css_sets_the_system_font_stack() -> None:
    css = (STATIC / "console.css").read_text()
    assert 'system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif' in css
    assert '[class*="govuk-"]' in css


def test_vendor_file_is_served_with_a_long_cache_lifetime(live_server: LiveServer) -> None:
    response = httpx.get(f"{live_server.url}/console/static/vendor/htmx/htmx.min.js")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=604800"
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert (
        hashlib.sha256(response.content).hexdigest()
        == (MANIFEST["packages"]["htmx"]["files"]["htmx.min.js"])
    )


def test_vendor_file_revalidates_with_its_etag(live_server: LiveServer) -> None:
    url = f"{live_server.url}/console/static/vendor/govuk-frontend/govuk-frontend.min.css"
    first = httpx.get(url)
    again = httpx.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.headers["cache-control"] == "public, max-age=604800"


def test_console_css_is_revalidated_on_every_use(live_server: LiveServer) -> None:
    response = httpx.get(f"{live_server.url}/console/static/console.css")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["content-type"].startswith("text/css")


def test_missing_static_file_is_a_problem_404(live_server: LiveServer) -> None:
    response = httpx.get(f"{live_server.url}/console/static/vendor/htmx/nope.js")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_static_files_outside_the_folder_are_not_served(live_server: LiveServer) -> None:
    response = httpx.get(f"{live_server.url}/console/static/%2e%2e/docs.py")
    assert response.status_code == 404


@pytest.fixture
def wheel_names(tmp_path: Path) -> set[str]:
    return built_wheel_names(tmp_path)


def test_wheel_ships_the_console_static_files(wheel_names: set[str]) -> None:
    shipped = {p.relative_to(ROOT).as_posix() for p in STATIC.rglob("*") if p.is_file()}
    assert "signage/console/static/vendor/govuk-frontend/govuk-frontend.min.css" in shipped
    assert shipped <= wheel_names
    assert not any("node_modules" in name for name in wheel_names)


GOVUK_PAGE = """<!DOCTYPE html><html class="govuk-template"><head>
<link rel="stylesheet" href="/console/static/vendor/govuk-frontend/govuk-frontend.min.css">
<link rel="stylesheet" href="/console/static/console.css"></head>
<body class="govuk-template__body">
<h1 class="govuk-heading-l" id="heading">Screens</h1>
<p class="govuk-body" id="body">Text</p>
<a class="govuk-footer__link govuk-footer__copyright-logo" href="#">Crest</a>
</body></html>"""


@pytest.fixture
def font_page_requests(live_server: LiveServer) -> Iterator[tuple[Any, list[Request]]]:
    """A page of GOV.UK markup styled by the shipped CSS, and the requests it made.

    The page is answered by the browser itself but at the server's origin: mask images (the
    footer crest) are fetched with CORS, which a page at about:blank would fail.
    """
    page_url = f"{live_server.url}/__govuk-markup"
    with chromium() as browser:
        page = browser.new_page()
        requests: list[Request] = []
        page.on("requestfinished", lambda request: requests.append(request))
        page.route(page_url, lambda route: route.fulfill(body=GOVUK_PAGE, content_type="text/html"))
        page.goto(page_url, wait_until="networkidle")
        yield page, requests


@pytest.mark.browser
def test_govuk_text_is_drawn_in_the_system_font(
    font_page_requests: tuple[Any, list[Request]],
) -> None:
    page, requests = font_page_requests
    for element in ("heading", "body"):
        family = page.evaluate(f"getComputedStyle(document.getElementById('{element}')).fontFamily")
        assert family.startswith("system-ui"), family
    assert page.evaluate("[...document.fonts].map(f => f.family)") == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "govuk-frontend-system-font.png"))
    assert not [r.url for r in requests if re.search(r"\.(woff2?|ttf|otf)$", r.url)]


@pytest.mark.browser
def test_govuk_css_images_load_from_the_package(
    font_page_requests: tuple[Any, list[Request]],
) -> None:
    _, requests = font_page_requests
    crest = [r for r in requests if r.url.endswith("govuk-crest.svg")]
    assert crest
    assert urlsplit(crest[0].url).path == (
        "/console/static/vendor/govuk-frontend/assets/images/govuk-crest.svg"
    )
    response = crest[0].response()
    assert response is not None
    assert response.status == 200
