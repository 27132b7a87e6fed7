"""What the console's browser tests share: one Chromium per module (Debian's, never a
download), a fresh context (cookies) and server per test, and SQLite only: the database
behaviour behind these pages is tested on both databases over HTTP in tests/console, and a
browser start costs seconds."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.live import LiveServer
from tests.player.web_helpers import CHROMIUM, CHROMIUM_ARGS


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/console/browser/" in item.path.as_posix():
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "signage.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    # A UK browser: date and time inputs show 27/11/2026 and 21:30, as staff see them.
    made = browser.new_context(
        base_url=live_server.url, viewport={"width": 1024, "height": 768}, locale="en-GB"
    )
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A page that fails its test if the strict CSP refused anything on it."""
    opened = context.new_page()
    csp_errors: list[str] = []
    opened.on(
        "console",
        lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    yield opened
    assert csp_errors == [], csp_errors
