"""The clinic outcomes dashboard in real Chromium: a physician opens it from the navigation,
every figure loads as an image beside its table, the CSV and the PDF download."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, screenshot, sign_in


def test_a_physician_reads_the_outcomes_and_downloads_csv_and_pdf(page: Any) -> None:
    sign_in(page, "physician")
    page.get_by_role("link", name="Outcomes").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Clinic outcomes")
    assert page.get_by_test_id("success-share").inner_text().endswith("%")
    images = page.locator("figure.report-figure img")
    expect(images).to_have_count(15)
    for index in range(images.count()):
        images.nth(index).scroll_into_view_if_needed()
    page.wait_for_function(  # 15 figures drawn one by one by the server: on a shared machine
        "() => [...document.querySelectorAll('figure.report-figure img')]"  # that takes > 8 s
        ".every(i => i.complete && i.naturalWidth > 0)",
        timeout=60_000,
    )
    expect(page.get_by_role("table", name="Treated regions reaching success")).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "outcomes-dashboard")
    assert axe_violations(page) == []

    with page.expect_download() as csv_download:
        page.get_by_test_id("csv-success").click()
    with open(csv_download.value.path(), encoding="utf-8") as downloaded:
        first_line = downloaded.readline()
    assert first_line.startswith("group,regions,assessed,successes,success_share")
    with page.expect_download(timeout=60_000) as pdf_download:  # a shared machine: be patient
        page.get_by_test_id("pdf-view").click(timeout=60_000)
    with open(pdf_download.value.path(), "rb") as printed:
        assert printed.read(4) == b"%PDF"


def test_the_outcome_sheet_opens_from_the_chart(page: Any) -> None:
    sign_in(page, "nurse")
    page.goto("/patients")
    page.locator("#results tbody tr a").first.click()
    page.get_by_role("link", name="Outcome sheet").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Your treatment results")
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    screenshot(page, "outcome-sheet")
    assert axe_violations(page) == []
