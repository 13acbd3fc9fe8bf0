"""A patient's outcome sheet: per treated region its sessions, clearance at each check and the
photos before and after, in plain words; linked from the chart; clinical roles only, audited."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from sclero.core.audit import AuditEntry
from sclero.core.db import Database
from sclero.models import metadata
from tests.factories.reports import KnownClinic


def add_photo(session: Session, patient_id: int, taken_on: date) -> int:
    result = session.execute(
        insert(metadata.tables["photos"]).values(
            patient_id=patient_id,
            side="right",
            region="leg_medial",
            taken_on=taken_on,
            sha256="0" * 64,
            content_type="image/png",
            size_bytes=10,
        )
    )
    session.commit()
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def test_the_sheet_tells_each_regions_course_with_photos_before_and_after(
    doctor: TestClient, session: Session, known: KnownClinic, db: Database
) -> None:
    berta = known.patients["berta"]
    before = add_photo(session, berta, date(2026, 1, 5))
    after = add_photo(session, berta, date(2026, 3, 9))
    chart = doctor.get(f"/patients/{berta}")
    assert f'href="/patients/{berta}/outcomes"' in chart.text
    page = doctor.get(f"/patients/{berta}/outcomes")
    assert page.status_code == 200, page.text
    html = page.text
    assert "You have had <strong>2</strong> treatment sessions" in html
    assert (
        "Treated in 2 sessions. At the last check (09 March 2026): 75–100 % gone — the result "
        "the treatment aims for."
    ) in html
    assert html.index("25–49 % gone") < html.index("75–100 % gone")  # the checks in order
    assert f'<img src="/photos/{before}"' in html and f'<img src="/photos/{after}"' in html
    assert "data-print" in html
    with db.sessions() as reader:
        entries = reader.scalars(select(AuditEntry).where(AuditEntry.patient_id == berta)).all()
    assert any(e.username == "test-physician" and e.action == "read" for e in entries)


def test_a_region_never_checked_says_so(nurse: TestClient, known: KnownClinic) -> None:
    page = nurse.get(f"/patients/{known.patients['dora']}/outcomes")
    assert page.status_code == 200
    assert "Treated in 1 session; not yet checked at a follow-up." in page.text


def test_the_front_desk_does_not_see_outcomes(
    signed_in,
    known: KnownClinic,  # type: ignore[no-untyped-def]
) -> None:
    desk = signed_in("front_desk")
    assert desk.get(f"/patients/{known.patients['berta']}/outcomes").status_code == 403
