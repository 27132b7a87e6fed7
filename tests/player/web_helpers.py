"""Helpers for driving the web player in a real browser against a server that can go away.

`live_server` (tests/live.py) picks a new port each time; a kiosk reconnecting after an outage
needs the server back on the same port, with the same app and database.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from playwright.sync_api import Browser, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's chromium, headless, driven by Playwright (never a downloaded browser)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def player_state(page: Any) -> dict[str, Any]:
    state: dict[str, Any] = page.evaluate("() => window.signagePlayer.state()")
    return state
