"""/docs (Swagger UI) and /redoc load and work with no network but the server's own: their
scripts, styles and favicon come from the package (signage/console/docs.py), not a CDN.

The browser tests abort every request to any host but the server's loopback address and then
require that none was attempted, so a page that silently reaches out fails here rather than on a
force's closed network.
"""

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Page, Route

from tests.factories import PASSWORD, World
from tests.live import LiveServer
from tests.player.web_helpers import chromium

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ATTRIBUTE_URL = re.compile(r"""(?:src|href|spec-url)\s*=\s*["']([^"']*)["']""")
OPERATIONS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
RENDER_TIMEOUT_MS = 20_000


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """The docs pages do not depend on the database: SQLite alone (overrides the suite's two)."""
    path = tmp_path / "signage.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@dataclass
class OfflinePage:
    page: Page
    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


@pytest.fixture
def offline(live_server: LiveServer) -> Iterator[OfflinePage]:
    """A Chromium page that may reach only the live server's loopback address."""
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        result = OfflinePage(page)

        def only_loopback(route: Route) -> None:
            url = route.request.url
            if urlsplit(url).hostname == "127.0.0.1":
                route.continue_()
            else:
                result.blocked.append(url)
                route.abort("internetdisconnected")

        page.route("**/*", only_loopback)
        page.on(
            "response",
            lambda response: response.status >= 400 and result.failed.append(response.url),
        )
        yield result


def operation_count(live_server: LiveServer) -> int:
    paths = httpx.get(f"{live_server.url}/openapi.json").json()["paths"]
    return sum(1 for item in paths.values() for method in item if method in OPERATIONS)


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_page_references_only_local_urls(live_server: LiveServer, path: str) -> None:
    response = httpx.get(f"{live_server.url}{path}")
    assert response.status_code == 200
    assert "://" not in response.text
    urls = ATTRIBUTE_URL.findall(response.text)
    assert urls
    for url in urls:
        assert url.startswith("/"), url
        assert not url.startswith("//"), url
        assert httpx.get(f"{live_server.url}{url}").status_code == 200, url


def test_swagger_oauth2_redirect_page_is_served(live_server: LiveServer) -> None:
    response = httpx.get(f"{live_server.url}/docs/oauth2-redirect")
    assert response.status_code == 200
    assert "://" not in response.text


def test_docs_pages_are_not_in_the_openapi_document(live_server: LiveServer) -> None:
    paths = httpx.get(f"{live_server.url}/openapi.json").json()["paths"]
    assert not {"/docs", "/docs/oauth2-redirect", "/redoc"} & set(paths)


@pytest.mark.browser
def test_swagger_ui_renders_every_operation_offline(
    live_server: LiveServer, offline: OfflinePage
) -> None:
    page = offline.page
    page.goto(f"{live_server.url}/docs")
    token_route = page.locator(".opblock-summary-path", has_text=re.compile(r"^/v1/auth/token$"))
    token_route.wait_for(timeout=RENDER_TIMEOUT_MS)
    assert page.locator(".opblock-post .opblock-summary-path[data-path='/v1/auth/token']").count()
    assert page.locator(".opblock").count() == operation_count(live_server)
    assert page.locator("button.authorize").first.is_visible()
    screenshot(page, "docs-swagger-ui-offline.png")
    assert offline.blocked == []
    assert offline.failed == []


@pytest.mark.browser
def test_swagger_ui_authorize_signs_in_with_the_password_flow(
    live_server: LiveServer, offline: OfflinePage, world: World
) -> None:
    page = offline.page
    page.goto(f"{live_server.url}/docs")
    page.locator("button.authorize").first.click(timeout=RENDER_TIMEOUT_MS)
    page.locator("#oauth_username").fill(world.users["force_a_editor"].email)
    page.locator("#oauth_password").fill(PASSWORD)
    page.locator(".auth-container .auth-btn-wrapper button.authorize").first.click()
    page.get_by_role("button", name="Logout").first.wait_for()
    page.get_by_role("button", name="Close").first.click()

    me = page.locator(".opblock-get", has=page.locator("[data-path='/v1/users/me']"))
    me.locator(".opblock-summary").click()
    me.get_by_role("button", name="Try it out").click()
    me.get_by_role("button", name="Execute").click()
    live_status = me.locator(".live-responses-table tbody .response-col_status").first
    live_status.wait_for()
    assert live_status.inner_text().strip() == "200"
    assert world.users["force_a_editor"].email in me.locator(".live-responses-table").inner_text()
    live_status.scroll_into_view_if_needed()
    screenshot(page, "docs-swagger-ui-authorized.png")
    assert offline.blocked == []


@pytest.mark.browser
def test_redoc_renders_every_operation_offline(
    live_server: LiveServer, offline: OfflinePage
) -> None:
    page = offline.page
    page.goto(f"{live_server.url}/redoc")
    # Each operation's section in the content, and its entry in the sidebar menu.
    operations = page.locator("[data-section-id^='operation/']")
    operations.first.wait_for(timeout=RENDER_TIMEOUT_MS)
    assert operations.count() == operation_count(live_server)
    assert page.locator("[data-item-id*='operation/']").count() == operation_count(live_server)
    assert page.get_by_text("/v1/auth/token", exact=True).count() >= 1
    screenshot(page, "docs-redoc-offline.png")
    assert offline.blocked == []
    assert offline.failed == []
