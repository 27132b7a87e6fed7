"""Campaigns and Approvals in a real Chromium: an editor creates a campaign, uploads a PNG
with the plain file input and an MP4 by dragging it onto the form, sees their thumbnails;
an approver (a second person) approves one and rejects the other with a reason; the editor
sees the reason and replaces the file. Every page passes axe in English and Welsh."""

import base64

from playwright.sync_api import Page

from tests.console.browser.pages import check, image_loaded, sign_in
from tests.factories import World, png_bytes


def _drop_file(page: Page, name: str, mime: str, content: bytes) -> None:
    """What dragging a file from the desktop does: dragover then drop, carrying the file."""
    page.evaluate(
        """([name, mime, data]) => {
            const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, { type: mime }));
            const zone = document.querySelector("[data-console-drop-zone]");
            for (const type of ["dragenter", "dragover", "drop"]) {
                zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true,
                                                         dataTransfer: transfer }));
            }
        }""",
        [name, mime, base64.b64encode(content).decode()],
    )


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/console/sign-in*")


def test_upload_approve_reject_and_replace(page: Page, world: World, mp4_bytes: bytes) -> None:
    del world  # the users signing in
    sign_in(page, "force_a_editor")
    page.wait_for_url("**/console")
    page.get_by_role("link", name="Campaigns").click()
    page.get_by_label("Campaign name").fill("Walk Away")
    page.get_by_role("button", name="Create campaign").click()
    page.wait_for_url("**/console/campaigns/*")
    check(page, "campaign-empty")

    # A PNG picked with the plain file input.
    page.get_by_label("Creative name").fill("Walk Away poster")
    page.get_by_label("Image or video file").set_input_files(
        files=[{"name": "poster.png", "mimeType": "image/png", "buffer": png_bytes(1920, 1080)}]
    )
    page.get_by_role("button", name="Upload creative").click()
    poster = page.locator(".console-creative", has_text="Walk Away poster")
    assert "Waiting for approval" in poster.inner_text()
    assert "Landscape" in poster.inner_text()
    thumbnail = poster.locator("img")
    assert image_loaded(thumbnail)

    # An MP4 dragged onto the form.
    page.get_by_label("Creative name").fill("Walk Away film")
    _drop_file(page, "film.mp4", "video/mp4", mp4_bytes)
    assert "film.mp4" in page.locator("[data-console-drop-status]").inner_text()
    page.get_by_role("button", name="Upload creative").click()
    film = page.locator(".console-creative", has_text="Walk Away film")
    assert "Video, 2 seconds" in film.inner_text()
    assert image_loaded(film.locator("img"))
    check(page, "campaign")
    campaign_url = page.url
    _sign_out(page)

    # The approver: a reason is required to reject; then one approved, one rejected.
    sign_in(page, "force_a_approver")
    page.wait_for_url("**/console")
    page.get_by_role("link", name="Approvals").click()
    check(page, "approvals")
    film_entry = page.locator(".console-creative", has_text="Walk Away film")
    film_entry.get_by_role("button", name="Reject").click()
    summary = page.locator(".govuk-error-summary")
    assert "Enter the reason for rejecting it" in summary.inner_text()
    summary.get_by_role("link").click()  # the summary's link puts the cursor in the field
    assert page.evaluate("document.activeElement.name") == "reason"
    check(page, "approvals-errors", welsh=False)
    page.keyboard.type("The crest is the old one")
    page.locator(".console-creative", has_text="Walk Away film").get_by_role(
        "button", name="Reject"
    ).click()
    assert "You rejected Walk Away film" in page.locator(".govuk-notification-banner").inner_text()
    page.locator(".console-creative", has_text="Walk Away poster").get_by_role(
        "button", name="Approve"
    ).click()
    assert (
        "You approved Walk Away poster" in page.locator(".govuk-notification-banner").inner_text()
    )
    assert "Nothing is waiting for approval." in page.locator("main").inner_text()
    check(page, "approvals-done", welsh=False)
    _sign_out(page)

    # The editor sees why, and replaces the file: it waits for approval again.
    sign_in(page, "force_a_editor")
    page.wait_for_url("**/console")
    page.goto(campaign_url)
    film = page.locator(".console-creative", has_text="Walk Away film")
    assert "The crest is the old one" in film.inner_text()
    assert "Approved" in page.locator(".console-creative", has_text="Walk Away poster").inner_text()
    check(page, "campaign-rejected")
    film.get_by_label("New file for Walk Away film").set_input_files(
        files=[{"name": "film2.png", "mimeType": "image/png", "buffer": png_bytes(1080, 1920)}]
    )
    film.get_by_role("button", name="Replace file").click()
    film = page.locator(".console-creative", has_text="Walk Away film")
    assert "Waiting for approval" in film.inner_text()
    assert "Portrait" in film.inner_text()
