"""Import of Patient, Condition, AllergyIntolerance and MedicationStatement from a FHIR Bundle:
all or nothing per Bundle, idempotent, every unmapped code reported. A bad Bundle is refused as a
whole with an OperationOutcome naming each entry and field; nothing is written."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Table, func, select

from sclero.core import audit
from sclero.core.auth import CLINICAL
from sclero.core.bulk import insert_rows, reserve_ids
from sclero.core.db import UnitOfWork
from sclero.core.time import utcnow
from sclero.core.use_case import use_case
from sclero.exchange import import_codes
from sclero.exchange.bundle_entries import (
    BUNDLE_TYPES,
    Entry,
    Result,
    entries_of,
    subjects_of,
    validate_entries,
)
from sclero.exchange.codes import MRN_SYSTEM
from sclero.exchange.outcome import FhirRefused, Issue
from sclero.patients.models import HistoryItem, Patient, PatientAllergy, PatientMedication
from sclero.patients.schemas import PatientIn
from sclero.patients.writes import add_patients

CURRENT_MEDICATION = {"active", "intended", "on-hold"}
Match = str  # "ask" (refuse a name + birth date match), "confirm" (take it) or "new" (register)


def _patient_data(entry: Entry) -> PatientIn:
    r = entry.resource
    name: dict[str, Any] = next(iter(r.get("name") or []), {})
    telecom = {t.get("system"): t.get("value") for t in r.get("telecom") or []}
    address: dict[str, Any] = next(iter(r.get("address") or []), {})
    gender = r.get("gender") or "unknown"
    try:
        return PatientIn(
            first_name=" ".join(name.get("given") or []) or "",
            last_name=name.get("family") or "",
            birth_date=r.get("birthDate"),
            sex=gender if gender in {"female", "male", "other", "unknown"} else "unknown",
            phone=telecom.get("phone"),
            email=telecom.get("email"),
            address=address.get("text"),
        )
    except ValidationError as error:
        issues = [_patient_issue(entry, e) for e in error.errors()]
        raise FhirRefused(422, issues) from None


PATIENT_FIELDS = {
    "first_name": "name.given",
    "last_name": "name.family",
    "birth_date": "birthDate",
    "phone": "telecom",
    "email": "telecom",
    "address": "address",
}


def _patient_issue(entry: Entry, error: Any) -> Issue:
    name = str(error["loc"][0]) if error.get("loc") else "resource"
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    return Issue(message, f"{entry.where}.{PATIENT_FIELDS.get(name, name)}")


def _mrn(entry: Entry) -> str | None:
    for identifier in entry.resource.get("identifier") or []:
        if identifier.get("system") == MRN_SYSTEM and identifier.get("value"):
            return str(identifier["value"])
    return None


@dataclass
class Known:
    """The existing patients a Bundle's Patient entries may be: by record number and by
    (family name, given name, birth date), read in two queries for the whole Bundle."""

    by_mrn: dict[str, Patient]
    by_name: dict[tuple[str, str, date], list[Patient]]

    @classmethod
    def read(cls, uow: UnitOfWork, people: list[tuple[Entry, PatientIn]]) -> Known:
        mrns = [m for m in (_mrn(e) for e, _ in people) if m]
        by_mrn = {}
        if mrns:
            by_mrn = {
                p.mrn: p for p in uow.session.scalars(select(Patient).where(Patient.mrn.in_(mrns)))
            }
        families = sorted({d.last_name.lower() for _, d in people})
        births = sorted({d.birth_date for _, d in people})
        by_name: dict[tuple[str, str, date], list[Patient]] = {}
        if people:
            query = select(Patient).where(
                func.lower(Patient.last_name).in_(families), Patient.birth_date.in_(births)
            )
            for p in uow.session.scalars(query.order_by(Patient.id)):
                key = (p.last_name.lower(), p.first_name.lower(), p.birth_date)
                by_name.setdefault(key, []).append(p)
        return cls(by_mrn, by_name)


def _match(known: Known, entry: Entry, data: PatientIn, match: Match) -> Patient | None:
    """The existing patient this Patient entry is, None for a new one, or a refusal."""
    mrn = _mrn(entry)
    if mrn:
        found = known.by_mrn.get(mrn)
        if found is not None:
            if (
                found.birth_date != data.birth_date
                or found.last_name.lower() != data.last_name.lower()
            ):
                message = (
                    f"Record number {mrn} belongs to a patient with another name or birth date "
                    "here: nothing was imported."
                )
                raise FhirRefused(409, [Issue(message, f"{entry.where}.identifier", "conflict")])
            return found
    key = (data.last_name.lower(), data.first_name.lower(), data.birth_date)
    candidates = known.by_name.get(key, [])
    if not candidates or match == "new":
        return None
    if len(candidates) == 1 and match == "confirm":
        return candidates[0]
    names = "; ".join(
        f"patient {p.id} ({p.display_name}, {p.mrn}, born {p.birth_date})" for p in candidates
    )
    message = (
        f"Matches {names} by name and birth date. Send again with match=confirm to add to "
        "that record, or match=new to register a new patient."
    )
    if len(candidates) > 1 and match == "confirm":
        message = f"Matches more than one patient ({names}); only match=new can go on."
    raise FhirRefused(409, [Issue(message, f"{entry.where}.name", "duplicate")])


def _day(value: Any) -> date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _notes(resource: dict[str, Any]) -> str | None:
    texts = [str(n.get("text")) for n in resource.get("note") or [] if n.get("text")]
    return "\n".join(texts)[:2000] or None


def _unmapped(result: Result, entry: Entry, concept_field: str, reason: str) -> None:
    concept = entry.resource.get(concept_field)
    message = f"Not imported: {import_codes.describe(concept)}: {reason}."
    result.warn(
        entry.index, Issue(message, f"{entry.where}.{concept_field}", "code-invalid", "warning")
    )
    result.statuses[entry.index] = ("200 OK", None)
    result.counts["unmapped"] += 1


@dataclass
class Target:
    """A patient the Bundle adds to, with the coded rows they already have (one per code)."""

    patient: Patient
    rows: dict[str, dict[str, Any]]
    new: bool = False  # registered by this import
    changed: bool = False

    @classmethod
    def of(cls, patient: Patient, new: bool) -> Target:
        if new:  # nothing to load: a patient registered by this import has no history yet
            empty: dict[str, dict[str, Any]] = {"Condition": {}, "AllergyIntolerance": {}}
            return cls(patient, {**empty, "MedicationStatement": {}}, new=True)
        return cls(patient, {
            "Condition": {h.condition: h for h in patient.history},
            "AllergyIntolerance": {a.allergen: a for a in patient.allergies},
            "MedicationStatement": {m.medication: m for m in patient.medications},
        })  # fmt: skip


LOCATION = {"Condition": "Condition/hist-", "AllergyIntolerance": "AllergyIntolerance/allergy-",
            "MedicationStatement": "MedicationStatement/med-"}  # fmt: skip


def _condition(entry: Entry, result: Result) -> tuple[str, Any] | None:
    verification = import_codes.describe(entry.resource.get("verificationStatus"))
    if "refuted" in verification or "entered-in-error" in verification:
        _unmapped(result, entry, "verificationStatus", "refuted or entered in error")
        return None
    mapped, active = import_codes.map_condition(entry.resource)
    if mapped.code is None:
        _unmapped(result, entry, "code", mapped.reason)
        return None
    since, notes = _day(entry.resource.get("onsetDateTime")), _notes(entry.resource)
    return mapped.code, {"condition": mapped.code, "active": active, "since": since, "notes": notes}


def _allergy(entry: Entry, result: Result) -> tuple[str, Any] | None:
    status = import_codes.clinical_status(entry.resource)
    if status in ("inactive", "resolved"):
        _unmapped(result, entry, "clinicalStatus", f"the allergy is {status}")
        return None
    mapped = import_codes.map_other("allergy", entry.resource.get("code"))
    if mapped.code is None:
        _unmapped(result, entry, "code", mapped.reason)
        return None
    texts = [
        m.get("text")
        for r in entry.resource.get("reaction") or []
        for m in r.get("manifestation") or []
    ]
    reaction = "; ".join(t for t in texts if t)[:2000] or None
    return mapped.code, {"allergen": mapped.code, "reaction": reaction}


def _medication(entry: Entry, result: Result) -> tuple[str, Any] | None:
    status = entry.resource.get("status")
    if status not in CURRENT_MEDICATION:
        _unmapped(result, entry, "status", f"not a current medication ({status})")
        return None
    concept = entry.resource.get("medicationCodeableConcept")
    if concept is None:
        reason = "a referenced Medication is not read; send medicationCodeableConcept"
        _unmapped(result, entry, "medicationReference", reason)
        return None
    mapped = import_codes.map_other("medication", concept)
    if mapped.code is None:
        _unmapped(result, entry, "medicationCodeableConcept", mapped.reason)
        return None
    return mapped.code, {"medication": mapped.code, "notes": _notes(entry.resource)}


MAPPERS = {
    "Condition": _condition,
    "AllergyIntolerance": _allergy,
    "MedicationStatement": _medication,
}
TABLES = {
    "Condition": HistoryItem.__table__,
    "AllergyIntolerance": PatientAllergy.__table__,
    "MedicationStatement": PatientMedication.__table__,
}


@dataclass
class NewRow:
    """A coded row this import adds; inserted with the others of its table, id reserved first."""

    values: dict[str, Any]
    id: int = 0


Pending = dict[str, list[NewRow]]  # by entry type: the rows to insert


def _add(pending: Pending, target: Target, entry: Entry, result: Result) -> Any | None:
    """The row this entry adds, or the one the patient already has with its code."""
    mapped = MAPPERS[entry.type](entry, result)
    if mapped is None:
        return None
    code, values = mapped
    known = target.rows[entry.type]
    if code in known:
        return known[code]
    row = NewRow({"patient_id": target.patient.id, **values})
    pending.setdefault(entry.type, []).append(row)
    known[code] = row
    target.changed = True
    result.counts["created"] += 1
    return row


def _insert(uow: UnitOfWork, pending: Pending) -> None:
    """One INSERT per table, in the unit of work's transaction."""
    connection = uow.session.connection()
    for kind, rows in pending.items():
        table = TABLES[kind]
        assert isinstance(table, Table)
        for row, row_id in zip(rows, reserve_ids(connection, table, len(rows)), strict=True):
            row.id = row.values["id"] = row_id
        insert_rows(connection, table, [row.values for row in rows])


def _refuse_twins(fresh: list[tuple[Entry, PatientIn]]) -> None:
    """Two new Patient entries of one name and birth date would split one person in two."""
    seen: dict[tuple[str, str, date], int] = {}
    for entry, data in fresh:
        key = (data.last_name.lower(), data.first_name.lower(), data.birth_date)
        if key in seen:
            message = f"Entries {seen[key]} and {entry.index} are the same name and birth date."
            raise FhirRefused(422, [Issue(message, f"{entry.where}.name", "duplicate")])
        seen[key] = entry.index


def _patients(
    uow: UnitOfWork, entries: list[Entry], match: Match, result: Result
) -> dict[int, Target]:
    """The Target of each Patient entry (two entries of one person share theirs); new patients
    are registered together."""
    people = [(e, _patient_data(e)) for e in entries if e.type == "Patient"]
    known = Known.read(uow, people)
    found = {e.index: _match(known, e, data, match) for e, data in people}
    fresh = [(e, data) for e, data in people if found[e.index] is None]
    _refuse_twins(fresh)
    for (entry, _), registered in zip(fresh, add_patients(uow, [d for _, d in fresh]), strict=True):
        found[entry.index] = registered
        result.counts["created"] += 1
    new = {e.index for e, _ in fresh}
    targets: dict[int, Target] = {}
    by_patient: dict[int, Target] = {}
    for entry, _ in people:
        patient = found[entry.index]
        assert patient is not None  # matched or registered above
        status = "201 Created" if entry.index in new else "200 OK"
        result.statuses[entry.index] = (status, f"Patient/{patient.id}")
        if patient.id not in by_patient:
            by_patient[patient.id] = Target.of(patient, new=entry.index in new)
        targets[entry.index] = by_patient[patient.id]
        result.patients[entry.index] = patient.id
    return targets


@use_case(*CLINICAL)
def import_bundle(
    uow: UnitOfWork, document: Any, *, match: Match = "ask", bundle_types: set[str] | None = None
) -> Result:
    """Import a Bundle as one transaction (clinical roles): patients matched or created, their
    coded history added where absent. Refuses the whole Bundle (FhirRefused) on any error."""
    result = Result()
    entries = validate_entries(entries_of(document, bundle_types or BUNDLE_TYPES), result)
    subjects = subjects_of(entries)
    targets = _patients(uow, entries, match, result)
    added: list[tuple[Entry, Any, bool]] = []
    pending: Pending = {}
    for entry in entries:
        if entry.type != "Patient":
            before = result.counts["created"]
            row = _add(pending, targets[subjects[entry.index]], entry, result)
            if row is not None:
                added.append((entry, row, result.counts["created"] > before))
    for target in targets.values():
        # The record gets a new version: an open history form is stale (a patient registered
        # by this import was inserted just now, in a version nobody has read).
        if target.changed and not target.new:
            target.patient.updated_at = utcnow()
    _insert(uow, pending)
    for entry, row, created in added:
        location = f"{LOCATION[entry.type]}{row.id}"
        result.statuses[entry.index] = ("201 Created" if created else "200 OK", location)
    _audit(uow, entries, result)
    uow.commit()
    return result


def _audit(uow: UnitOfWork, entries: list[Entry], result: Result) -> None:
    """One entry for the Bundle listing every patient it imported to (as one read of many
    patients is audited: the patient's id on the row when there is only one)."""
    patients = sorted(set(result.patients.values()))
    one = patients[0] if len(patients) == 1 else None
    audit.record(uow, "import", "fhir_bundle", patient_id=one, detail={
        "patient_ids": patients, "types": dict(Counter(e.type for e in entries)),
        "created": result.counts["created"], "unmapped": result.counts["unmapped"],
    })  # fmt: skip


def response_bundle(result: Result, document: dict[str, Any]) -> dict[str, Any]:
    """The transaction-response Bundle: one entry per entry sent, with status, location and
    the warnings (unmapped codes, types not imported)."""
    entries = []
    for index, _ in enumerate(document.get("entry") or []):
        status, location = result.statuses.get(index, ("200 OK", None))
        response: dict[str, Any] = {"status": status}
        if location:
            response["location"] = location
        if index in result.warnings:
            response["outcome"] = {
                "resourceType": "OperationOutcome",
                "issue": [i.to_json() for i in result.warnings[index]],
            }
        entries.append({"response": response})
    return {"resourceType": "Bundle", "type": "transaction-response", "entry": entries}
