"""Users and Change password in a real Chromium: a national admin adds a user with a temporary
password and resets it; the user, in a browser of their own, signs in with it and is made to
choose their own password before anything else; the admin then disables the account. Every
page passes axe-core's WCAG 2.2 AA checks (no serious or critical violation) in English and
Welsh.
"""

from playwright.sync_api import Browser, Page

from tests.console.browser.pages import check, sign_in
from tests.factories import World
from tests.live import LiveServer

EMAIL = "sam.newcomer@example.org"
FIRST = "a first temporary one"
SECOND = "a second temporary one"
CHOSEN = "my very own passphrase"


def _sign_in_as_newcomer(page: Page, password: str) -> None:
    page.goto("/console")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_an_admin_adds_and_resets_a_user_who_then_chooses_a_password(
    page: Page, browser: Browser, live_server: LiveServer, world: World
) -> None:
    sign_in(page, "national_admin")
    page.wait_for_url("**/console")
    page.get_by_role("link", name="Users").click()
    page.wait_for_url("**/console/users")
    check(page, "users")

    page.get_by_role("button", name="Add user").click()
    page.wait_for_url("**/console/users/add")
    check(page, "user-add")
    page.get_by_role("button", name="Add user").click()  # empty: the error summary
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert "Enter the user’s email address" in summary.inner_text()
    check(page, "user-add-errors", welsh=False)  # a POST's answer
    summary.get_by_role("link", name="Select a role").click()  # the summary links to its field
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Organisation").select_option(world.org_id("force_a"))
    page.get_by_label("Editor", exact=True).check()
    page.get_by_label("Temporary password").fill(FIRST)
    page.get_by_role("button", name="Add user").click()
    page.wait_for_url("**/console/users/*?done=added")
    assert "User added" in page.locator("#done").inner_text()
    check(page, "user")

    page.get_by_label("Temporary password").fill(SECOND)
    page.get_by_role("button", name="Reset password").click()
    page.wait_for_url("**/console/users/*?done=reset")
    assert "Password reset" in page.locator("#done").inner_text()
    user_page = page.url

    # The user, in a browser of their own: the second temporary password, then their own.
    theirs = browser.new_context(
        base_url=live_server.url, viewport={"width": 1024, "height": 768}, locale="en-GB"
    )
    try:
        own = theirs.new_page()
        _sign_in_as_newcomer(own, FIRST)
        assert "Wrong email or password" in own.locator(".govuk-error-summary").inner_text()
        _sign_in_as_newcomer(own, SECOND)
        own.wait_for_url("**/console/password*")
        assert own.locator("#reset-notice").is_visible()
        assert own.get_by_role("link", name="Campaigns").count() == 0  # nowhere else to go
        check(own, "password")
        own.goto("/console/campaigns")  # and no way round it: it is where they go afterwards
        own.wait_for_url("**/console/password?next=%2Fconsole%2Fcampaigns")

        own.get_by_label("Current password").fill("not the one")
        own.get_by_label("New password", exact=True).fill(CHOSEN)
        own.get_by_label("Confirm new password").fill(CHOSEN)
        own.get_by_role("button", name="Change password").click()
        summary = own.locator(".govuk-error-summary")
        assert "That is not your current password" in summary.inner_text()
        assert own.title().startswith("Error:")
        check(own, "password-errors", welsh=False)

        own.get_by_label("Current password").fill(SECOND)
        own.get_by_label("New password", exact=True).fill(CHOSEN)
        own.get_by_label("Confirm new password").fill(CHOSEN)
        own.get_by_role("button", name="Change password").click()
        own.wait_for_url("**/console/password/changed*")
        assert own.get_by_role("heading", name="Password changed").is_visible()
        check(own, "password-changed")
        own.get_by_role("link", name="Continue").click()
        own.wait_for_url("**/console/campaigns")
        assert own.get_by_role("heading", level=1).inner_text() == "Campaigns"

        # The admin disables the account: the user's session ends with it.
        page.goto(user_page)
        assert "Chosen by them" in page.locator("#details").inner_text()
        page.get_by_role("button", name="Disable account").click()
        page.wait_for_url("**/console/users/*?done=disabled")
        assert page.get_by_role("button", name="Enable account").is_visible()
        own.reload()
        own.wait_for_url("**/console/sign-in*")
    finally:
        theirs.close()

    page.get_by_role("link", name="Back to users").click()
    assert "Disabled" in page.locator("#users").inner_text()
