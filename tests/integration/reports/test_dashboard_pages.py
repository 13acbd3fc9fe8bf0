"""The outcomes dashboard: figures as SVG images beside data tables, CSV per table, PDF report,
one audit entry per dashboard read; physicians only; bad filters answered with a 4xx."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from sqlalchemy import select

from sclero.core.audit import AuditEntry
from sclero.core.db import Database
from sclero.core.settings import get_settings
from sclero.reports import pdf
from sclero.reports.filters import ReportFilters
from sclero.reports.report import BUILDERS, build_report
from sclero.rules import default_protocol
from tests.conftest import Headers
from tests.factories.reports import TODAY, KnownClinic
from tests.integration.record.test_query_counts import counting

RANGE = f"date_from=2025-01-01&date_to={TODAY}"


def report_entries(db: Database) -> list[AuditEntry]:
    with db.sessions() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.entity == "report")))


def test_the_dashboard_shows_every_figure_beside_its_table_and_audits_one_read(
    doctor: TestClient, db: Database, known: KnownClinic
) -> None:
    page = doctor.get(f"/reports/outcomes?{RANGE}")
    assert page.status_code == 200, page.text
    html = page.text
    assert 'data-testid="success-share">66.7 %' in html
    for key in BUILDERS:
        assert f'<img src="/reports/outcomes/figures/{key}.svg?' in html
        assert f'data-testid="table-{key}"' in html
        assert f'href="/reports/outcomes/tables/{key}.csv?' in html
    assert ' style="' not in html  # ready for a CSP without inline styles
    [entry] = report_entries(db)
    assert entry.username == "test-physician" and entry.action == "read"
    assert entry.detail is not None and entry.detail["filters"]["date_to"] == str(TODAY)


def test_a_figure_is_an_svg_image(doctor: TestClient, known: KnownClinic) -> None:
    response = doctor.get(f"/reports/outcomes/figures/success.svg?{RANGE}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert "<svg" in response.text and "<script" not in response.text
    assert 'href="http' not in response.text  # the image fetches nothing
    assert doctor.get(f"/reports/outcomes/figures/nothing.svg?{RANGE}").status_code == 404


def test_a_table_downloads_as_csv_with_shares_as_fractions_audited_as_an_export(
    doctor: TestClient, db: Database, known: KnownClinic
) -> None:
    response = doctor.get(f"/reports/outcomes/tables/sessions_per_patient.csv?{RANGE}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert list(csv.reader(io.StringIO(response.text))) == [
        ["sessions", "patients", "patients_share"],
        ["1", "3", "0.75"],
        ["2", "1", "0.25"],
    ]
    [entry] = report_entries(db)
    assert entry.detail is not None  # core writes a lone export as a "read" entry
    assert (entry.detail["format"], entry.detail["table"]) == ("csv", "sessions_per_patient")


def test_the_report_downloads_as_pdf_for_the_view_or_one_month(
    doctor: TestClient, known: KnownClinic
) -> None:
    for query in (RANGE, "month=2026-01"):
        response = doctor.get(f"/reports/outcomes.pdf?{query}")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
    assert doctor.get("/reports/outcomes.pdf?month=2026-13").status_code == 422


def test_the_printed_report_is_headed_with_the_clinic_from_the_settings(
    db: Database, known: KnownClinic
) -> None:
    settings = get_settings().model_copy(
        update={
            "clinic_name": "Vein Clinic Lisboa",
            "clinic_address": "Rua Augusta 1, Lisboa",
            "clinic_phone": "+351 21 000 0000",
        }
    )
    filters = ReportFilters(date_from=TODAY.replace(year=2025), date_to=TODAY)
    with db.sessions() as session:
        report = build_report(session.connection(), filters, default_protocol(), TODAY)
    html = pdf.report_html(report, settings, TODAY)
    for text in ("Vein Clinic Lisboa", "Rua Augusta 1, Lisboa", "+351 21 000 0000"):
        assert text in html
    assert html.count("data:image/svg+xml;base64,") == len(BUILDERS)


def test_bad_filters_are_answered_on_the_page(doctor: TestClient, known: KnownClinic) -> None:
    response = doctor.get("/reports/outcomes?date_from=2026-02-01&date_to=2026-01-01")
    assert response.status_code == 422
    assert "The end date is before the start date." in response.text
    assert doctor.get("/reports/outcomes/tables/success.csv?technique=laser").status_code == 422


def test_only_physicians_see_the_clinic_outcomes(nurse: TestClient, known: KnownClinic) -> None:
    assert nurse.get(f"/reports/outcomes?{RANGE}").status_code == 403
    assert nurse.get(f"/reports/outcomes/figures/success.svg?{RANGE}").status_code == 403
    assert "/reports/outcomes" not in nurse.get("/today").text


def test_the_api_gives_shares_as_fractions(
    client: TestClient, headers: Headers, known: KnownClinic
) -> None:
    response = client.get(f"/api/v1/reports/outcomes?{RANGE}", headers=headers["physician"])
    assert response.status_code == 200
    body = response.json()
    assert body["headline"]["success_share"] == 2 / 3
    assert body["headline"]["benchmark_low_share"] == 0.6
    assert body["tables"]["sessions_per_patient"]["rows"][0] == {
        "sessions": 1,
        "patients": 3,
        "patients_share": 0.75,
    }


def test_the_figures_reuse_the_aggregates_the_dashboard_just_ran(
    doctor: TestClient, db: Database, known: KnownClinic
) -> None:
    def aggregates_run_by(url: str) -> int:
        with counting(db) as statements:
            assert doctor.get(url).status_code == 200
        return sum("treatment_sessions" in s for s in statements)

    figure = f"/reports/outcomes/figures/sessions_per_patient.svg?{RANGE}"
    assert aggregates_run_by(figure) > 0  # nothing computed yet for these filters
    doctor.get(f"/reports/outcomes?{RANGE}")
    assert aggregates_run_by(figure) == 0


def test_a_clinic_lead_reads_the_outcomes_but_no_patients_record(
    signed_in,
    known: KnownClinic,  # type: ignore[no-untyped-def]
) -> None:
    lead = signed_in("clinic_lead")
    home = lead.get("/", follow_redirects=False)
    assert home.headers["location"] == "/reports/outcomes"
    page = lead.get(f"/reports/outcomes?{RANGE}")
    assert page.status_code == 200
    assert 'data-testid="success-share">66.7 %' in page.text
    assert lead.get(f"/reports/outcomes/tables/success.csv?{RANGE}").status_code == 200
    berta = known.patients["berta"]
    for url in (f"/patients/{berta}", f"/patients/{berta}/outcomes", "/patients?q=Known"):
        assert lead.get(url).status_code == 403, url


def test_a_pdf_of_the_view_just_read_is_still_audited_as_an_export(
    doctor: TestClient, db: Database, known: KnownClinic
) -> None:
    doctor.get(f"/reports/outcomes?{RANGE}")
    with counting(db) as statements:
        assert doctor.get(f"/reports/outcomes.pdf?{RANGE}").status_code == 200
    assert not any("treatment_sessions" in s for s in statements)  # the page's report, reused
    formats = [(e.detail or {}).get("format") for e in report_entries(db)]
    assert formats == [None, "pdf"]
