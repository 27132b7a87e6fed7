"""Steps the console's browser tests share: signing in by the form's labels, axe-core's
WCAG 2.2 AA checks, and screenshots kept as test artifacts (test-artifacts/console-*.png)."""

from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page

from tests.console.console_helpers import email_of
from tests.factories import PASSWORD

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
SERIOUS = {"serious", "critical"}
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def sign_in(page: Page, persona: str, password: str = PASSWORD) -> None:
    page.goto("/console")
    page.get_by_label("Email address").fill(email_of(persona))
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"console-{name}.png"), full_page=True)


def serious_violations(page: Page) -> list[str]:
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}})
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v.get("impact") in SERIOUS
    ]


def set_language(page: Page, language: str) -> None:
    host = page.url.split("/")[2].split(":")[0]
    page.context.add_cookies([{"name": "lang", "value": language, "domain": host, "path": "/"}])


def check(page: Page, name: str, *, welsh: bool = True) -> None:
    """No serious or critical axe violation in English and (reloaded) in Welsh, with a
    screenshot of each. ``welsh=False`` for the answer to a POST, which a reload would resend."""
    found = serious_violations(page)
    assert found == [], f"{name}: {found}"
    screenshot(page, name)
    if not welsh:
        return
    set_language(page, "cy")
    page.reload()
    try:
        assert page.locator("html").get_attribute("lang") == "cy"
        found = serious_violations(page)
        assert found == [], f"{name} in Welsh: {found}"
        screenshot(page, f"{name}-cy")
    finally:
        set_language(page, "en")
        page.reload()


def image_loaded(image: Locator) -> bool:
    """Whether the image decodes, once it has finished loading: a thumbnail swapped in by htmx
    may still be on its way when the text around it is already there."""
    return bool(
        image.evaluate(
            """img => new Promise(done => {
                const settled = () => done(img.complete && img.naturalWidth > 0);
                if (img.complete) settled();
                else {
                    img.addEventListener("load", settled);
                    img.addEventListener("error", settled);
                }
            })"""
        )
    )
