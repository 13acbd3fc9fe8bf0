"""A charted injection is voided or corrected with a reason: the original stays in the record
(struck through on the chart), the live tally follows the correction, both are audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from sclero.core.audit import AuditEntry
from sclero.core.db import Database
from tests.conftest import Headers
from tests.factories.api import poster
from tests.factories.charting import inject, start
from tests.factories.planning import consented_patient

REASON = "Charted 0.3 mL, 0.2 mL was given."


def _session_with_one_injection(client: TestClient, headers: Headers) -> tuple[int, int]:
    pid = consented_patient(poster(client, headers["physician"]))
    sid = start(client, pid, headers["nurse"])
    charted = inject(client, sid, headers["nurse"], volume_ml=0.3)
    assert charted.status_code == 201, charted.text
    return sid, int(charted.json()["id"])


def _agent_mg(client: TestClient, sid: int, headers: Headers) -> float:
    tally = client.get(f"/api/v1/sessions/{sid}/tally", headers=headers["nurse"]).json()
    return float(tally["totals"]["agent_mg"])


def _audit(db: Database, action: str, entity_id: int) -> list[dict[str, Any]]:
    with db.sessions() as session:
        query = select(AuditEntry.detail).where(
            AuditEntry.entity == "injection",
            AuditEntry.action == action,
            AuditEntry.entity_id == entity_id,
        )
        return list(session.scalars(query))


def test_a_correction_keeps_the_original_voided_and_the_tally_follows_it(
    client: TestClient, headers: Headers, db: Database
) -> None:
    sid, original = _session_with_one_injection(client, headers)
    assert _agent_mg(client, sid, headers) == 3.0  # 0.3 mL of 1 % polidocanol
    corrected = client.post(
        f"/api/v1/injections/{original}/correct",
        json={"reason": REASON, "volume_ml": 0.2},
        headers=headers["nurse"],
    )
    assert corrected.status_code == 201, corrected.text
    assert corrected.json()["replaces_id"] == original
    assert _agent_mg(client, sid, headers) == 2.0

    session = client.get(f"/api/v1/sessions/{sid}", headers=headers["nurse"]).json()
    assert [i["id"] for i in session["injections"]] == [corrected.json()["id"]]
    kept = next(i for i in session["charted"] if i["id"] == original)
    assert kept["volume_ml"] == 0.3 and kept["void_reason"] == REASON and kept["voided_at"]

    [detail] = _audit(db, "correct", original)
    assert detail["reason"] == REASON
    assert (detail["was"]["volume_ml"], detail["now"]["volume_ml"]) == (0.3, 0.2)


def test_a_void_needs_a_reason_and_happens_once(
    client: TestClient, headers: Headers, db: Database
) -> None:
    sid, original = _session_with_one_injection(client, headers)
    url = f"/api/v1/injections/{original}/void"
    assert client.post(url, json={"reason": ""}, headers=headers["nurse"]).status_code == 422
    assert (
        client.post(url, json={"reason": REASON}, headers=headers["front_desk"]).status_code == 403
    )
    voided = client.post(url, json={"reason": "Wrong patient's syringe"}, headers=headers["nurse"])
    assert voided.status_code == 200, voided.text
    assert _agent_mg(client, sid, headers) == 0.0
    assert client.post(url, json={"reason": REASON}, headers=headers["nurse"]).status_code == 409
    assert _audit(db, "void", original)[0]["was"]["volume_ml"] == 0.3
    # Nothing given is left: the session cannot be closed as if it treated something.
    closed = client.post(
        f"/api/v1/sessions/{sid}/close",
        json={"compression_given": "stockings", "aftercare_given": True},
        headers=headers["nurse"],
    )
    assert closed.status_code == 409


def test_a_correction_the_guard_refuses_changes_nothing(
    client: TestClient, headers: Headers
) -> None:
    sid, original = _session_with_one_injection(client, headers)
    refused = client.post(
        f"/api/v1/injections/{original}/correct",
        json={"reason": REASON, "volume_ml": 0.6},  # above the 0.5 mL per reticular injection
        headers=headers["nurse"],
    )
    assert refused.status_code == 409, refused.text
    session = client.get(f"/api/v1/sessions/{sid}", headers=headers["nurse"]).json()
    assert [i["id"] for i in session["injections"]] == [original]
    assert _agent_mg(client, sid, headers) == 3.0


def test_the_chart_strikes_the_voided_injection_through(
    client: TestClient, headers: Headers, signed_in: Callable[[str], TestClient]
) -> None:
    sid, original = _session_with_one_injection(client, headers)
    nurse = signed_in("nurse")
    response = nurse.post(
        f"/injections/{original}/correct",
        data={"reason": REASON, "volume_ml": "0.2", "csrf_token": nurse.headers["X-CSRF-Token"]},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    page = nurse.get(f"/sessions/{sid}").text
    assert 'data-testid="voided-injection"' in page and "<s>0.3</s>" in page
    assert REASON in page and "Corrects #1" in page
