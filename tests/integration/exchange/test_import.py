"""FHIR import (POST /fhir): a Bundle from another system matched or created, coded history
mapped by code system with every unmapped code listed, idempotent, all or nothing."""

from __future__ import annotations

import copy
import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sclero.core.audit import AuditEntry
from sclero.core.db import Database
from sclero.core.settings import get_settings
from sclero.patients.models import HistoryItem, Patient, PatientAllergy, PatientMedication
from tests.conftest import Headers
from tests.factories.web import Client
from tests.integration.record.test_query_counts import counting

ATC = "http://www.whocc.no/atc"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
SNOMED = "http://snomed.info/sct"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
PID = "urn:uuid:6b1f1f1e-0000-4000-8000-000000000001"
FHIR = {"Content-Type": "application/fhir+json"}


def _status(code: str) -> dict[str, Any]:
    return {"coding": [{"system": CLINICAL, "code": code}]}


def gp_bundle() -> dict[str, Any]:
    """A GP's transaction Bundle: one patient, a past DVT (ICD-10), an anticoagulant (ATC),
    a polidocanol allergy (ATC), and a condition coded only in SNOMED CT."""
    subject = {"reference": PID}
    resolved, active = _status("resolved"), _status("active")
    hypertension = {"coding": [{"system": SNOMED, "code": "38341003", "display": "Hypertension"}]}
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"fullUrl": PID, "resource": {
                "resourceType": "Patient",
                "identifier": [{"system": "http://gp.example/nhs", "value": "943 476 5919"}],
                "name": [{"family": "Okafor", "given": ["Grace"]}],
                "gender": "female", "birthDate": "1971-04-02",
            }, "request": {"method": "POST", "url": "Patient"}},
            {"resource": {
                "resourceType": "Condition", "subject": subject, "clinicalStatus": resolved,
                "code": {"coding": [{"system": ICD10, "code": "I80.2", "display": "DVT"}]},
                "onsetDateTime": "2019-03-01",
            }, "request": {"method": "POST", "url": "Condition"}},
            {"resource": {
                "resourceType": "MedicationStatement", "subject": subject, "status": "active",
                "medicationCodeableConcept": {"coding": [{"system": ATC, "code": "B01AF01"}]},
            }, "request": {"method": "POST", "url": "MedicationStatement"}},
            {"resource": {
                "resourceType": "AllergyIntolerance", "patient": subject,
                "code": {"coding": [{"system": ATC, "code": "C05BB02"}]},
                "reaction": [{"manifestation": [{"text": "hives"}]}],
            }, "request": {"method": "POST", "url": "AllergyIntolerance"}},
            {"resource": {
                "resourceType": "Condition", "subject": subject, "clinicalStatus": active,
                "code": hypertension,
            }, "request": {"method": "POST", "url": "Condition"}},
        ],
    }  # fmt: skip


def post(client: TestClient, auth: dict[str, str], body: Any, **params: str) -> Any:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post("/fhir", content=data, headers={**auth, **FHIR}, params=params)


def rows(db: Database) -> tuple[int, int, int, int]:
    with db.sessions() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(m)) or 0
            for m in (Patient, HistoryItem, PatientMedication, PatientAllergy)
        )


def test_a_gp_bundle_creates_the_patient_with_mapped_history_and_lists_the_rest(
    client: TestClient, headers: Headers, db: Database
) -> None:
    before = rows(db)
    response = post(client, headers["physician"], gp_bundle())
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["type"] == "transaction-response" and len(answer["entry"]) == 5
    statuses = [e["response"]["status"] for e in answer["entry"]]
    assert statuses[:4] == ["201 Created"] * 4
    unmapped = answer["entry"][4]["response"]["outcome"]["issue"][0]
    assert unmapped["code"] == "code-invalid" and "38341003" in unmapped["diagnostics"]
    assert unmapped["expression"] == ["Bundle.entry[4].resource.code"]
    assert rows(db) == (before[0] + 1, before[1] + 1, before[2] + 1, before[3] + 1)
    pid = int(answer["entry"][0]["response"]["location"].split("/")[1])
    with db.sessions() as session:
        patient = session.get(Patient, pid)
        assert patient is not None and patient.last_name == "Okafor"
        assert [(h.condition, h.active) for h in patient.history] == [("history_dvt", True)]
        assert [m.medication for m in patient.medications] == ["anticoagulant"]
        assert [(a.allergen, a.reaction) for a in patient.allergies] == [("polidocanol", "hives")]
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "import")).one()
    assert entry.patient_id == pid and entry.username == "test-physician"
    assert entry.detail is not None and entry.detail["types"]["Condition"] == 2


def test_importing_twice_changes_nothing_once_the_match_is_confirmed(
    client: TestClient, headers: Headers, db: Database
) -> None:
    assert post(client, headers["nurse"], gp_bundle()).status_code == 200
    after_first = rows(db)
    again = post(client, headers["nurse"], gp_bundle())
    assert again.status_code == 409
    issue = again.json()["issue"][0]
    assert "match=confirm" in issue["diagnostics"] and issue["expression"] == [
        "Bundle.entry[0].resource.name"
    ]
    confirmed = post(client, headers["nurse"], gp_bundle(), match="confirm")
    assert confirmed.status_code == 200, confirmed.text
    assert [e["response"]["status"] for e in confirmed.json()["entry"][:4]] == ["200 OK"] * 4
    assert rows(db) == after_first


def test_a_bad_entry_refuses_the_whole_bundle_naming_entry_and_field(
    client: TestClient, headers: Headers, db: Database
) -> None:
    before = rows(db)
    cases: list[tuple[Any, int, str]] = []
    bad_date = gp_bundle()
    bad_date["entry"][0]["resource"]["birthDate"] = "02/04/1971"
    cases.append((bad_date, 422, "Bundle.entry[0].resource.birthDate"))
    dangling = gp_bundle()
    dangling["entry"][3]["resource"]["patient"] = {"reference": "Patient/404"}
    cases.append((dangling, 422, "Bundle.entry[3].resource.patient"))
    alien = gp_bundle()
    alien["entry"][2]["resource"]["resourceType"] = "Prescription"
    cases.append((alien, 422, "Bundle.entry[2].resource.resourceType"))
    no_name = gp_bundle()
    del no_name["entry"][0]["resource"]["name"]
    cases.append((no_name, 422, "Bundle.entry[0].resource.name.family"))
    wrong_type = gp_bundle()["entry"][0]["resource"]
    cases.append((wrong_type, 400, "resourceType"))
    batch = {**gp_bundle(), "type": "batch"}
    cases.append((batch, 400, "Bundle.type"))
    twins = gp_bundle()
    twins["entry"].append(
        {**twins["entry"][0], "fullUrl": "urn:uuid:00000000-0000-4000-8000-0000000000ff"}
    )
    cases.append((twins, 422, "Bundle.entry[5].resource.name"))
    for body, status, expression in cases:
        response = post(client, headers["physician"], body)
        assert response.status_code == status, (expression, response.text)
        outcome = response.json()
        assert outcome["resourceType"] == "OperationOutcome"
        assert any(expression in (i.get("expression") or [""])[0] for i in outcome["issue"]), (
            outcome
        )
    assert rows(db) == before


def test_hostile_bodies_get_a_clear_outcome_and_nothing_is_written(
    client: TestClient, headers: Headers, db: Database
) -> None:
    before = rows(db)
    auth = headers["physician"]
    malformed = post(client, auth, b'{"resourceType": "Bundle", "entry": [')
    assert (
        malformed.status_code == 400
        and "not valid JSON" in malformed.json()["issue"][0]["diagnostics"]
    )
    nested = post(client, auth, b"[" * 100_000 + b"]" * 100_000)
    assert nested.status_code == 400 and nested.json()["resourceType"] == "OperationOutcome"
    entries = [{}] * 100_000  # 100 000 entries in 300 kB: under the body limit
    huge = post(client, auth, {"resourceType": "Bundle", "type": "transaction", "entry": entries})
    assert huge.status_code == 413 and "at most 1000" in huge.json()["issue"][0]["diagnostics"]
    limit = get_settings().max_upload_bytes  # a Bundle may be as large as an upload
    padded = b'{"resourceType": "Bundle", "entry": [' + b" " * limit + b"]}"
    too_big = post(client, auth, padded)  # refused unread
    assert too_big.status_code == 413 and too_big.json()["resourceType"] == "OperationOutcome"
    assert "larger than" in too_big.json()["issue"][0]["diagnostics"]
    unknown_system = gp_bundle()
    unknown_system["entry"][1]["resource"]["code"] = {
        "coding": [{"system": "urn:x-local", "code": "Q"}]
    }
    kept = post(client, auth, unknown_system)
    assert kept.status_code == 200
    assert (
        "urn:x-local|Q" in kept.json()["entry"][1]["response"]["outcome"]["issue"][0]["diagnostics"]
    )
    assert rows(db)[1] == before[1]  # the unmapped condition was not written
    plain = client.post("/fhir", content=b"hello", headers={**auth, "Content-Type": "text/plain"})
    assert plain.status_code == 415


def test_only_clinicians_with_a_bearer_token_may_import(
    client: TestClient, headers: Headers, signed_in: Client, db: Database
) -> None:
    before = rows(db)
    assert post(client, headers["front_desk"], gp_bundle()).status_code == 403
    assert post(client, {}, gp_bundle()).status_code == 401
    nurse_page = signed_in(
        "nurse"
    )  # a page session cookie alone (another site's form could send it)
    cookie_only = nurse_page.post("/fhir", content=json.dumps(gp_bundle()), headers=FHIR)
    assert (
        cookie_only.status_code == 401 and cookie_only.json()["resourceType"] == "OperationOutcome"
    )
    assert rows(db) == before


def test_a_sclero_record_number_matches_only_the_same_person(
    client: TestClient, headers: Headers, db: Database
) -> None:
    created = post(client, headers["nurse"], gp_bundle()).json()
    pid = int(created["entry"][0]["response"]["location"].split("/")[1])
    with db.sessions() as session:
        mrn = session.get(Patient, pid).mrn  # type: ignore[union-attr]
    same = gp_bundle()
    same["entry"][0]["resource"]["identifier"] = [
        {"system": "https://sclero.invalid/fhir/identifier/mrn", "value": mrn}
    ]
    assert (
        post(client, headers["nurse"], same).json()["entry"][0]["response"]["location"]
        == f"Patient/{pid}"
    )
    other = copy.deepcopy(same)
    other["entry"][0]["resource"]["birthDate"] = "1990-01-01"
    refused = post(client, headers["nurse"], other)
    assert refused.status_code == 409 and mrn in refused.json()["issue"][0]["diagnostics"]


def two_patient_bundle() -> dict[str, Any]:
    """The GP's Bundle with a second patient (her brother, with the same DVT)."""
    bundle = gp_bundle()
    brother = "urn:uuid:6b1f1f1e-0000-4000-8000-000000000002"
    patient = copy.deepcopy(bundle["entry"][0])
    patient["fullUrl"] = brother
    patient["resource"]["name"] = [{"family": "Okafor", "given": ["Samuel"]}]
    patient["resource"]["gender"] = "male"
    condition = copy.deepcopy(bundle["entry"][1])
    condition["resource"]["subject"] = {"reference": brother}
    bundle["entry"] += [patient, condition]
    return bundle


def import_two(client: TestClient, headers: Headers) -> list[int]:
    """Import the two-patient Bundle; the two patients' ids."""
    answer = post(client, headers["physician"], two_patient_bundle())
    assert answer.status_code == 200, answer.text
    return [int(answer.json()["entry"][i]["response"]["location"].split("/")[1]) for i in (0, 5)]


def test_one_audit_entry_lists_every_patient_the_bundle_imported(
    client: TestClient, headers: Headers, db: Database
) -> None:
    ids = import_two(client, headers)
    with db.sessions() as session:
        entries = list(session.scalars(select(AuditEntry).where(AuditEntry.action == "import")))
    assert len(entries) == 1
    assert entries[0].patient_id is None  # two patients: they are listed in the detail
    assert entries[0].detail is not None and entries[0].detail["patient_ids"] == sorted(ids)


def test_an_imported_patient_is_inserted_with_their_record_number_at_version_one(
    client: TestClient, headers: Headers, db: Database
) -> None:
    ids = import_two(client, headers)
    with db.sessions() as session:
        patients = [session.get(Patient, i) for i in ids]
        assert [(p.mrn, p.version) for p in patients if p] == [(f"SC-{i:06d}", 1) for i in ids]
        found = client.get(
            "/api/v1/patients", params={"q": patients[1].mrn if patients[1] else ""},
            headers=headers["physician"],
        )  # fmt: skip
        assert [p["id"] for p in found.json()["items"]] == [ids[1]]
        # rows inserted later the ordinary way get ids after the imported ones
        later = HistoryItem(patient_id=ids[0], condition="history_dvt", active=False)
        session.add(later)
        session.flush()
        imported = session.scalars(select(HistoryItem.id).where(HistoryItem.patient_id.in_(ids)))
        assert later.id == max(imported)


def family_bundle(people: int, first: int = 0) -> dict[str, Any]:
    """The GP's Bundle for `people` different patients, each with the same four coded entries."""
    template = gp_bundle()["entry"]
    entries = []
    for n in range(first, first + people):
        url = f"urn:uuid:6b1f1f1e-0000-4000-8000-{n:012d}"
        person = copy.deepcopy(template)
        person[0]["fullUrl"] = url
        person[0]["resource"]["name"] = [{"family": f"Okafor{n}", "given": ["Grace"]}]
        del person[0]["resource"]["identifier"]
        for entry in person[1:]:
            key = (
                "patient"
                if entry["resource"]["resourceType"] == "AllergyIntolerance"
                else "subject"
            )
            entry["resource"][key] = {"reference": url}
        entries += person
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def test_a_bundle_is_written_in_the_same_number_of_statements_however_many_patients_it_holds(
    client: TestClient, headers: Headers, db: Database
) -> None:
    """Patients, search terms and coded rows go in one bulk insert per table (no statement per
    patient or entry, which made a large Bundle slow)."""
    counts = []
    for people in (2, 40):
        before = rows(db)
        with counting(db) as statements:
            answer = post(client, headers["physician"], family_bundle(people, first=people))
        assert answer.status_code == 200, answer.text
        after = rows(db)
        added = [a - b for a, b in zip(after, before, strict=True)]
        assert added == [people] * 4  # the SNOMED-only condition is listed, not mapped
        counts.append(len(statements))
    assert counts[0] == counts[1]
