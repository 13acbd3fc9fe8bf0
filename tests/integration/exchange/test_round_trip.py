"""Round trip: a demo patient exported, imported into a database without them, exported again:
the two exports are equal except ids and timestamps (for the types Sclero imports)."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select

from sclero.core.db import Database
from sclero.exchange.bundle_entries import IMPORTED
from sclero.models import (
    AdverseEvent,
    FollowUp,
    HistoryItem,
    Injection,
    Patient,
    PatientAllergy,
    PatientMedication,
    Photo,
    PlanItem,
    TreatmentPlan,
    TreatmentSession,
)
from sclero.rules.vocabulary import Condition
from tests.conftest import Headers

FHIR = {"Content-Type": "application/fhir+json"}


def _richest(db: Database, demo_clinic: list[int]) -> int:
    """The demo patient with the most coded history, given one of each kind to be sure."""
    with db.sessions() as session:
        counts = {
            pid: session.scalar(select(func.count()).where(HistoryItem.patient_id == pid)) or 0
            for pid in demo_clinic
        }
        pid = max(counts, key=lambda p: (counts[p], -p))
        patient = session.get(Patient, pid)
        assert patient is not None
        had = {h.condition for h in patient.history}
        missing = sorted(Condition.codes() - had)[0]  # Sclero keeps one row per code
        session.add(HistoryItem(patient_id=pid, condition=missing, active=False, notes="long ago"))
        if not patient.medications:
            session.add(PatientMedication(patient_id=pid, medication="antiplatelet", notes="ASA"))
        if not patient.allergies:
            session.add(PatientAllergy(patient_id=pid, allergen="latex", reaction="rash"))
        session.commit()
    return pid


def _remove(db: Database, pid: int) -> None:
    """The patient leaves this database altogether (rows that point at their findings and
    sessions first: those keys have no cascade)."""
    sessions = select(TreatmentSession.id).where(TreatmentSession.patient_id == pid)
    plans = select(TreatmentPlan.id).where(TreatmentPlan.patient_id == pid)
    with db.sessions() as session:
        session.execute(delete(Injection).where(Injection.session_id.in_(sessions)))
        session.execute(delete(PlanItem).where(PlanItem.plan_id.in_(plans)))
        for model in (Photo, AdverseEvent, FollowUp, TreatmentSession):
            session.execute(delete(model).where(model.patient_id == pid))
        session.execute(delete(Patient).where(Patient.id == pid))
        session.commit()


def _export(client: TestClient, auth: dict[str, str], pid: int) -> dict[str, Any]:
    response = client.get(f"/fhir/Patient/{pid}/$everything", headers=auth)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _comparable(bundle: dict[str, Any]) -> list[str]:
    """The importable resources without ids, timestamps and the record number (an id)."""
    out = []
    for entry in bundle["entry"]:
        resource = dict(entry["resource"])
        if resource["resourceType"] not in IMPORTED:
            continue
        resource.pop("id", None)
        resource.pop("meta", None)
        resource.pop("identifier", None)
        text = json.dumps(resource, sort_keys=True)
        for key in ("subject", "patient"):
            if key in resource:
                text = text.replace(json.dumps(resource[key], sort_keys=True), '"<patient>"')
        out.append(text)
    return sorted(out)


def test_export_import_export_gives_the_same_record(
    client: TestClient, headers: Headers, db: Database, demo_clinic: list[int]
) -> None:
    pid = _richest(db, demo_clinic)
    first = _export(client, headers["nurse"], pid)
    _remove(db, pid)
    transaction = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {**e, "request": {"method": "POST", "url": e["resource"]["resourceType"]}}
            for e in first["entry"]
        ],
    }
    imported = client.post(
        "/fhir", content=json.dumps(transaction), headers={**headers["nurse"], **FHIR}
    )
    assert imported.status_code == 200, imported.text
    new_pid = int(imported.json()["entry"][0]["response"]["location"].split("/")[1])
    assert new_pid != pid
    second = _export(client, headers["nurse"], new_pid)
    before, after = _comparable(first), _comparable(second)
    assert sum('"Condition"' in r for r in before) >= 1
    assert after == before, "\n".join(sorted(set(before) ^ set(after)))
