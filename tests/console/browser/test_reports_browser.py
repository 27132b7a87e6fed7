"""Reports in a real Chromium: a partner opens Reports, picks the weekend's nights, sees its
plays in the charts and tables (axe-core: no serious or critical WCAG 2.2 AA violation, in
English and Welsh), gets the error summary for a range that ends before it starts, and
downloads the Outsmart CSV and reads it back."""

from pathlib import Path

from playwright.sync_api import Page

from tests.console.browser.pages import check, sign_in
from tests.plays import conftest as plays

# The estate of known plays the API's report tests use (tests/plays/conftest.py).
estate = plays.estate
force_b_approver = plays.force_b_approver


def test_a_partner_reads_its_proof_of_play_and_downloads_the_csv(
    page: Page, estate: plays.Estate, tmp_path: Path
) -> None:
    sign_in(page, "partner_1")
    page.wait_for_url("**/console")
    page.get_by_role("link", name="Reports").click()
    page.wait_for_url("**/console/reports")

    # A range that ends before it starts: the error summary, linked to the field.
    page.get_by_label("First night").fill("2026-11-29")
    page.get_by_label("Final night").fill("2026-11-27")
    page.get_by_role("button", name="Show report").click()
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert page.title().startswith("Error:")
    check(page, "reports-errors")
    summary.get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "to"

    # The weekend: Friday 27 to Sunday 29 November 2026.
    page.get_by_label("First night").fill("2026-11-27")
    page.get_by_label("Final night").fill("2026-11-29")
    page.get_by_role("button", name="Show report").click()
    page.wait_for_url("**/console/reports?from=2026-11-27&to=2026-11-29")
    chart = page.get_by_role("img", name="Plays per creative")
    assert chart.is_visible()
    creatives = page.locator("#creatives-table tbody tr")
    assert creatives.count() == 1
    assert creatives.first.inner_text().split("\t")[:2] == ["Walk Away poster", "3"]
    assert "Get Home Safe" not in page.content()  # partner_2's screen showed it
    nights = page.locator("#nights-table tbody tr")
    assert nights.count() == 3
    assert page.get_by_role("img", name="Plays per night").is_visible()
    check(page, "reports")

    with page.expect_download() as info:
        page.get_by_role("link", name="Download CSV").click()
    download = info.value
    # The nights' range, then when it was exported: a name of its own for each file.
    assert download.suggested_filename.startswith(
        "plays-20261127T060000Z-20261130T060000Z-exported-"
    )
    assert download.suggested_filename.endswith(".csv")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    lines = saved.read_text(encoding="utf-8").splitlines()
    expected = [estate.plays[p]["id"] for p in ("p1", "p2", "p3")]
    assert [line.split(",")[-1] for line in lines] == expected
    assert {line.split(",")[17] for line in lines} == {estate.screen_1["id"]}
