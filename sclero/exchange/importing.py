"""Import of Patient, Condition, AllergyIntolerance and MedicationStatement from a FHIR Bundle:
all or nothing per Bundle, idempotent, every unmapped code reported. A bad Bundle is refused as a
whole with an OperationOutcome naming each entry and field; nothing is written."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select

from sclero.core import audit
from sclero.core.auth import CLINICAL
from sclero.core.db import UnitOfWork
from sclero.core.time import utcnow
from sclero.exchange import import_codes
from sclero.exchange.codes import MRN_SYSTEM
from sclero.exchange.outcome import FhirRefused, Issue
from sclero.exchange.validate import FhirInvalid, is_resource_type, validate
from sclero.patients.models import HistoryItem, Patient, PatientAllergy, PatientMedication
from sclero.patients.schemas import PatientIn
from sclero.patients.service import add_patient

MAX_FILE_BYTES = 5 * 1024 * 1024
"""The largest file `sclero import` reads (POST /fhir: the app's SCLERO_MAX_BODY_BYTES)."""
MAX_ENTRIES = 1000
"""Entries per Bundle; a longer Bundle is refused before any entry is looked at (413)."""
IMPORTED = ("Patient", "Condition", "AllergyIntolerance", "MedicationStatement")
SUBJECT = {
    "Condition": "subject",
    "AllergyIntolerance": "patient",
    "MedicationStatement": "subject",
}
BUNDLE_TYPES = {"transaction", "collection", "searchset"}
"""What `sclero import` reads (POST /fhir takes a transaction only)."""
CURRENT_MEDICATION = {"active", "intended", "on-hold"}
Match = str  # "ask" (refuse a name + birth date match), "confirm" (take it) or "new" (register)


def parse_json(raw: bytes) -> Any:
    """JSON of a request body, or a refusal that says where it breaks."""
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise FhirRefused(
            400, [Issue(f"The body is not valid JSON ({error.msg}, {where}).")]
        ) from None
    except (RecursionError, UnicodeDecodeError, ValueError):
        raise FhirRefused(
            400, [Issue("The body is not valid JSON (too deeply nested or not UTF-8).")]
        ) from None


def parse_ndjson(text: str) -> dict[str, Any]:
    """NDJSON (one resource a line) as a collection Bundle; a bad line is named."""
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entries.append({"resource": json.loads(line)})
        except (json.JSONDecodeError, RecursionError):
            raise FhirRefused(400, [Issue(f"Line {number} is not valid JSON.")]) from None
        if len(entries) > MAX_ENTRIES:
            raise _too_many(len(entries))
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def _too_many(count: int) -> FhirRefused:
    message = (
        f"The Bundle has {count} or more entries; Sclero takes at most {MAX_ENTRIES} a Bundle."
    )
    return FhirRefused(413, [Issue(message, "Bundle.entry", "too-costly")])


@dataclass
class Entry:
    index: int
    resource: dict[str, Any]
    full_url: str | None

    @property
    def where(self) -> str:
        return f"Bundle.entry[{self.index}].resource"

    @property
    def type(self) -> str:
        return str(self.resource["resourceType"])


@dataclass
class Result:
    """What an import did, entry by entry, for the transaction-response Bundle."""

    statuses: dict[int, tuple[str, str | None]] = field(default_factory=dict)
    warnings: dict[int, list[Issue]] = field(default_factory=dict)
    patients: dict[int, int] = field(default_factory=dict)  # entry index → Sclero patient id
    counts: Counter[str] = field(default_factory=Counter)

    def warn(self, index: int, issue: Issue) -> None:
        self.warnings.setdefault(index, []).append(issue)


def entries_of(document: Any, allowed: set[str]) -> list[Entry]:
    """The Bundle's entries, after the checks that need no database (shape, size, types)."""
    if not isinstance(document, dict):
        raise FhirRefused(400, [Issue("The body must be a FHIR Bundle (a JSON object).")])
    kind = document.get("resourceType")
    if kind != "Bundle":
        raise FhirRefused(
            400, [Issue(f"Expected a Bundle, got resourceType {str(kind)[:40]!r}.", "resourceType")]
        )
    if document.get("type") not in allowed:
        raise FhirRefused(
            400,
            [
                Issue(
                    f"The Bundle type must be one of: {', '.join(sorted(allowed))}.", "Bundle.type"
                )
            ],
        )
    raw = document.get("entry") or []
    if not isinstance(raw, list):
        raise FhirRefused(400, [Issue("Bundle.entry must be a list.", "Bundle.entry")])
    if len(raw) > MAX_ENTRIES:
        raise _too_many(len(raw))
    issues: list[Issue] = []
    entries: list[Entry] = []
    for index, item in enumerate(raw):
        resource = item.get("resource") if isinstance(item, dict) else None
        where = f"Bundle.entry[{index}].resource"
        if not isinstance(resource, dict):
            issues.append(Issue("The entry has no resource.", where))
        elif not is_resource_type(resource.get("resourceType")):
            name = str(resource.get("resourceType"))[:40]
            issues.append(
                Issue(f"{name!r} is not a FHIR R4B resource type.", f"{where}.resourceType")
            )
        else:
            url = item.get("fullUrl")
            entries.append(Entry(index, resource, url if isinstance(url, str) else None))
    if issues:
        raise FhirRefused(422, issues)
    return entries


def _validate(entries: list[Entry], result: Result) -> list[Entry]:
    """The importable entries, each valid R4B; other types are reported and left out."""
    issues: list[Issue] = []
    kept: list[Entry] = []
    for entry in entries:
        if entry.type not in IMPORTED:
            message = f"{entry.type} is not imported (Sclero imports {', '.join(IMPORTED)})."
            result.warn(entry.index, Issue(message, entry.where, "not-supported", "warning"))
            result.statuses[entry.index] = ("200 OK", None)
            continue
        try:
            validate(entry.resource)
        except FhirInvalid as error:
            issues.extend(Issue(m, f"{entry.where}.{f}") for f, m in error.problems)
            continue
        kept.append(entry)
    if issues:
        raise FhirRefused(422, issues[:100])
    return kept


def _keys(entry: Entry) -> set[str]:
    keys = {f"Patient/{entry.resource.get('id')}"} if entry.resource.get("id") else set()
    if entry.full_url:
        keys.add(entry.full_url)
        if "/Patient/" in entry.full_url:
            keys.add("Patient/" + entry.full_url.rsplit("/Patient/", 1)[1])
    return keys


def _subjects(entries: list[Entry]) -> dict[int, int]:
    """For each clinical entry, the index of the Patient entry it points at (all must)."""
    by_key: dict[str, int] = {}
    for entry in entries:
        if entry.type == "Patient":
            for key in _keys(entry):
                by_key[key] = entry.index
    issues: list[Issue] = []
    subjects: dict[int, int] = {}
    for entry in entries:
        if entry.type == "Patient":
            continue
        name = SUBJECT[entry.type]
        reference = (entry.resource.get(name) or {}).get("reference")
        target = by_key.get(str(reference))
        if target is None:
            message = f"The reference {str(reference)[:80]!r} points to no Patient in this Bundle."
            issues.append(Issue(message, f"{entry.where}.{name}", "not-found"))
        else:
            subjects[entry.index] = target
    if issues:
        raise FhirRefused(422, issues[:100])
    return subjects


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


def _match(uow: UnitOfWork, entry: Entry, data: PatientIn, match: Match) -> Patient | None:
    """The existing patient this Patient entry is, None for a new one, or a refusal."""
    mrn = _mrn(entry)
    if mrn:
        found = uow.session.scalar(select(Patient).where(Patient.mrn == mrn))
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
    candidates = list(
        uow.session.scalars(
            select(Patient).where(
                func.lower(Patient.last_name) == data.last_name.lower(),
                func.lower(Patient.first_name) == data.first_name.lower(),
                Patient.birth_date == data.birth_date,
            )
        )
    )
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


def _changed(patient: Patient, result: Result) -> None:
    """A new history row: the patient's record gets a new version (an open history form made
    on the old one is then refused, as for any other change of the coded history)."""
    patient.updated_at = utcnow()
    result.counts["created"] += 1


def _add_condition(uow: UnitOfWork, patient: Patient, entry: Entry, result: Result) -> None:
    verification = import_codes.describe(entry.resource.get("verificationStatus"))
    if "refuted" in verification or "entered-in-error" in verification:
        return _unmapped(result, entry, "verificationStatus", "refuted or entered in error")
    mapped, active = import_codes.map_condition(entry.resource)
    if mapped.code is None:
        return _unmapped(result, entry, "code", mapped.reason)
    existing = next((h for h in patient.history if h.condition == mapped.code), None)
    if existing is None:
        existing = HistoryItem(
            condition=mapped.code,
            active=active,
            since=_day(entry.resource.get("onsetDateTime")),
            notes=_notes(entry.resource),
        )
        patient.history.append(existing)
        uow.session.flush()
        _changed(patient, result)
        result.statuses[entry.index] = ("201 Created", f"Condition/hist-{existing.id}")
    else:
        result.statuses[entry.index] = ("200 OK", f"Condition/hist-{existing.id}")


def _add_allergy(uow: UnitOfWork, patient: Patient, entry: Entry, result: Result) -> None:
    status = import_codes.clinical_status(entry.resource)
    if status in ("inactive", "resolved"):
        return _unmapped(result, entry, "clinicalStatus", f"the allergy is {status}")
    mapped = import_codes.map_other("allergy", entry.resource.get("code"))
    if mapped.code is None:
        return _unmapped(result, entry, "code", mapped.reason)
    existing = next((a for a in patient.allergies if a.allergen == mapped.code), None)
    if existing is None:
        reactions = [
            m.get("text")
            for r in entry.resource.get("reaction") or []
            for m in r.get("manifestation") or []
        ]
        existing = PatientAllergy(
            allergen=mapped.code, reaction="; ".join(t for t in reactions if t)[:2000] or None
        )
        patient.allergies.append(existing)
        uow.session.flush()
        _changed(patient, result)
        result.statuses[entry.index] = ("201 Created", f"AllergyIntolerance/allergy-{existing.id}")
    else:
        result.statuses[entry.index] = ("200 OK", f"AllergyIntolerance/allergy-{existing.id}")


def _add_medication(uow: UnitOfWork, patient: Patient, entry: Entry, result: Result) -> None:
    status = entry.resource.get("status")
    if status not in CURRENT_MEDICATION:
        return _unmapped(result, entry, "status", f"not a current medication ({status})")
    concept = entry.resource.get("medicationCodeableConcept")
    if concept is None:
        return _unmapped(
            result,
            entry,
            "medicationReference",
            "a referenced Medication is not read; send medicationCodeableConcept",
        )
    mapped = import_codes.map_other("medication", concept)
    if mapped.code is None:
        return _unmapped(result, entry, "medicationCodeableConcept", mapped.reason)
    existing = next((m for m in patient.medications if m.medication == mapped.code), None)
    if existing is None:
        existing = PatientMedication(medication=mapped.code, notes=_notes(entry.resource))
        patient.medications.append(existing)
        uow.session.flush()
        _changed(patient, result)
        result.statuses[entry.index] = ("201 Created", f"MedicationStatement/med-{existing.id}")
    else:
        result.statuses[entry.index] = ("200 OK", f"MedicationStatement/med-{existing.id}")


ADDERS = {
    "Condition": _add_condition,
    "AllergyIntolerance": _add_allergy,
    "MedicationStatement": _add_medication,
}


def import_bundle(
    uow: UnitOfWork, document: Any, *, match: Match = "ask", bundle_types: set[str] | None = None
) -> Result:
    """Import a Bundle as one transaction (clinical roles): patients matched or created, their
    coded history added where absent. Refuses the whole Bundle (FhirRefused) on any error."""
    uow.require_role(*CLINICAL)
    result = Result()
    entries = _validate(entries_of(document, bundle_types or BUNDLE_TYPES), result)
    subjects = _subjects(entries)
    patients: dict[int, Patient] = {}
    for entry in entries:
        if entry.type != "Patient":
            continue
        data = _patient_data(entry)
        found = _match(uow, entry, data, match)
        if found is None:
            found = add_patient(uow, data)
            result.counts["created"] += 1
            result.statuses[entry.index] = ("201 Created", f"Patient/{found.id}")
        else:
            result.statuses[entry.index] = ("200 OK", f"Patient/{found.id}")
        patients[entry.index] = found
        result.patients[entry.index] = found.id
    for entry in entries:
        if entry.type != "Patient":
            ADDERS[entry.type](uow, patients[subjects[entry.index]], entry, result)
    types = Counter(e.type for e in entries)
    for patient in {p.id: p for p in patients.values()}.values():
        audit.record(uow, "import", "fhir_bundle", patient_id=patient.id, detail={
            "patient_ids": sorted(result.patients.values()), "types": dict(types),
            "created": result.counts["created"], "unmapped": result.counts["unmapped"],
        })  # fmt: skip
    uow.commit()
    return result


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
