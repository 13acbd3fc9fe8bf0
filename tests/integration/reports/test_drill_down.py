"""The patients behind a dashboard figure: physicians only (a clinic lead sees aggregates),
paged, the same rows from the live tables and the summary, audited with the patients listed."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sclero.core.audit import AuditEntry
from sclero.core.db import Database
from sclero.reports import drill, summary
from sclero.rules import default_protocol
from tests.factories.reports import TODAY, KnownClinic

RANGE = f"date_from=2025-01-01&date_to={TODAY}"
NOT_CLEARED = f"/reports/outcomes/patients?kind=not_cleared&{RANGE}"
LOCAL_REACTION = f"/reports/outcomes/patients?kind=adverse_event&event_type=local_reaction&{RANGE}"


def listed(db: Database) -> list[dict[str, Any]]:
    with db.sessions() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "report").order_by(AuditEntry.id)
        )
        return [e.detail or {} for e in entries if (e.detail or {}).get("list")]


def test_regions_not_at_success_list_their_patients_and_the_read_names_them(
    doctor: TestClient, db: Database, known: KnownClinic
) -> None:
    page = doctor.get(NOT_CLEARED)
    assert page.status_code == 200, page.text
    html = page.text
    assert "3 treated regions" in html
    for name in ("clara", "dora"):
        assert f'href="/patients/{known.patients[name]}"' in html
    assert f'href="/patients/{known.patients["anna"]}"' not in html  # cleared
    [detail] = listed(db)
    assert detail["list"] == "not_cleared"
    assert detail["patient_ids"] == sorted([known.patients["clara"], known.patients["dora"]])
    assert detail["filters"]["date_to"] == str(TODAY)


def test_patients_with_an_adverse_event_type(
    doctor: TestClient, db: Database, known: KnownClinic
) -> None:
    page = doctor.get(LOCAL_REACTION)
    assert page.status_code == 200, page.text
    assert "Local reaction" in page.text and "2 adverse events" in page.text
    [detail] = listed(db)
    assert detail["patient_ids"] == sorted([known.patients["berta"], known.patients["clara"]])


def test_the_summary_lists_the_same_patients_as_the_live_tables(
    doctor: TestClient, session: Session, known: KnownClinic
) -> None:
    before = doctor.get(NOT_CLEARED).text
    summary.rebuild(session.connection(), default_protocol().spec.clearance_scale.success_level)
    session.commit()
    assert doctor.get(NOT_CLEARED).text == before


def test_the_list_is_paged(
    doctor: TestClient, db: Database, known: KnownClinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(drill, "PAGE_SIZE", 2)
    first = doctor.get(NOT_CLEARED)
    assert "1–2 of 3 rows" in first.text and "&amp;page=2" in first.text
    second = doctor.get(NOT_CLEARED + "&page=2")
    assert "3–3 of 3 rows" in second.text
    pages = [(d["page"], len(d["patient_ids"])) for d in listed(db)]
    assert pages == [(1, 1), (2, 1)]  # Clara's two regions, then Dora's


def test_the_dashboard_links_its_figures_to_the_lists_for_physicians_only(
    doctor: TestClient,
    signed_in,
    known: KnownClinic,  # type: ignore[no-untyped-def]
) -> None:
    html = doctor.get(f"/reports/outcomes?{RANGE}").text
    assert 'data-testid="drill-not_cleared"' in html
    assert 'data-testid="drill-event-local_reaction"' in html
    lead = signed_in("clinic_lead")
    html = lead.get(f"/reports/outcomes?{RANGE}").text
    assert "drill-" not in html
    for url in (NOT_CLEARED, LOCAL_REACTION):
        assert lead.get(url).status_code == 403
    assert signed_in("nurse").get(NOT_CLEARED).status_code == 403


@pytest.mark.parametrize(
    ("query", "status"),
    [
        (f"kind=adverse_event&event_type=sunburn&{RANGE}", 422),
        (f"kind=adverse_event&{RANGE}", 422),
        (f"kind=everyone&{RANGE}", 404),
        (f"kind=not_cleared&page=zero&{RANGE}", 422),
        ("kind=not_cleared&date_from=yesterday", 422),
    ],
)
def test_bad_requests_are_refused_in_words(
    doctor: TestClient, known: KnownClinic, query: str, status: int
) -> None:
    assert doctor.get(f"/reports/outcomes/patients?{query}").status_code == status
