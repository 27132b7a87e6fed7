"""The README's screenshots of the console, taken from the demo's data in Debian's Chromium:

    uv run python -m tests.console.browser.readme_screenshots

writes tests/console/screenshots/*.png (committed; the README shows them). Not a test: the
browser tests take and check a screenshot of every page on every run (test-artifacts/)."""

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from signage.app import create_app
from signage.core.config import Settings
from signage.core.db import create_db_engine
from signage.core.migrate import upgrade_to_head
from signage.demo.seed import PASSWORD, seed_demo
from tests.live import serve_in_thread
from tests.player.web_helpers import CHROMIUM, CHROMIUM_ARGS

OUT = Path(__file__).resolve().parents[1] / "screenshots"
SECRET = "readme-screenshots-secret-key-0123456789"


def _sign_in(page: Page, email: str) -> None:
    page.goto("/console/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/console")


def _shoot(page: Page, name: str, *, below: str | None = None) -> None:
    """The top of the page, or from the element ``below`` picks down (the week's grid)."""
    page.wait_for_load_state("networkidle")
    if below is not None:
        page.locator(below).first.scroll_into_view_if_needed()
        top = page.evaluate(
            "(s) => document.querySelector(s).getBoundingClientRect().top + window.scrollY", below
        )
        width = page.viewport_size["width"] if page.viewport_size else 1100
        page.screenshot(
            path=str(OUT / f"{name}.png"),
            full_page=True,
            clip={"x": 0, "y": max(0, top - 20), "width": width, "height": 800},
        )
    else:
        page.screenshot(path=str(OUT / f"{name}.png"))
    print(f"wrote {OUT / name}.png")


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    url = f"sqlite:///{folder / 'signage.db'}"
    upgrade_to_head(url)
    settings = Settings(data_dir=folder, database_url=url, secret_key=SECRET, run_jobs=False)
    now = datetime.now(UTC)
    seed_demo(create_db_engine(url), settings, today=now.date(), now=now)
    OUT.mkdir(exist_ok=True)
    with serve_in_thread(create_app(settings)) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for email, pages in (
            (
                "editor@leics.demo.signage",
                [
                    ("tonight", "/console"),
                    ("schedules", "/console/schedules"),
                    ("reports", "/console/reports"),
                ],
            ),
            ("approver@leics.demo.signage", [("approvals", "/console/approvals")]),
            ("manager@crown.demo.signage", [("screens", "/console/screens")]),
        ):
            context = browser.new_context(
                base_url=server.url, viewport={"width": 1100, "height": 800}, locale="en-GB"
            )
            page = context.new_page()
            _sign_in(page, email)
            for name, path in pages:
                page.goto(path)
                _shoot(page, name)
            if email.startswith("editor"):
                page.goto("/console/schedules")
                page.locator("#schedules a").first.click()
                with page.expect_navigation():
                    page.get_by_role("button", name="Check reach").click()
                _shoot(page, "schedule-reach")
                page.goto(page.url.split("?")[0])
                week = page.get_by_role("link", name="Week at a glance")
                with page.expect_navigation():
                    week.click()
                _shoot(page, "schedule-week", below="svg")
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
