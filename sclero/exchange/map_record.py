"""FHIR mapping of the patient record and the vein assessment: Patient, Practitioner, Condition,
AllergyIntolerance, MedicationStatement, Observation (vein findings, CEAP per limb, duplex,
screening decision, body weight) and BodyStructure (docs/fhir.md has the tables)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from sclero.assessment.models import DuplexFinding, VeinFinding
from sclero.core.auth import User
from sclero.exchange.codes import MRN_SYSTEM, coded, concept
from sclero.exchange.fhir_types import (
    Frozen,
    Resource,
    clean,
    day,
    hl7,
    instant,
    meta,
    note,
    patient_ref,
    practitioner_ref,
    quantity,
    ref,
)
from sclero.patients.models import HistoryItem, Patient, PatientAllergy, PatientMedication
from sclero.rules import stored_reasons
from sclero.rules.vocabulary import label_of

LOINC = "http://loinc.org"
BODY_WEIGHT_LOINC = "29463-7"  # Body weight: the code of FHIR R4's vital-signs profile
EXAM = hl7("observation-category", "exam", "Exam")
IMAGING = hl7("observation-category", "imaging", "Imaging")
SURVEY = hl7("observation-category", "survey", "Survey")
VITAL_SIGNS = hl7("observation-category", "vital-signs", "Vital Signs")
UNSUPPORTED = hl7("data-absent-reason", "unsupported", "Unsupported")
GENDERS = {"female", "male", "other", "unknown"}  # Sclero's sex codes are FHIR's gender codes


def patient(p: Patient) -> Resource:
    return clean(
        {
            "resourceType": "Patient",
            "id": str(p.id),
            "meta": meta(p.updated_at),
            "identifier": [{"use": "usual", "system": MRN_SYSTEM, "value": p.mrn}],
            "name": [{"use": "official", "family": p.last_name, "given": [p.first_name]}],
            "gender": p.sex if p.sex in GENDERS else "unknown",
            "birthDate": day(p.birth_date),
            "telecom": [
                p.phone and {"system": "phone", "value": p.phone},
                p.email and {"system": "email", "value": p.email},
            ],
            "address": [p.address and {"text": p.address}],
        }
    )


def body_weight(p: Patient) -> Resource | None:
    if p.weight_kg is None:
        return None
    code = {"coding": [{"system": LOINC, "code": BODY_WEIGHT_LOINC, "display": "Body weight"}]}
    return clean(
        {
            "resourceType": "Observation",
            "id": f"weight-{p.id}",
            "meta": meta(p.updated_at),
            "status": "final",
            "category": [VITAL_SIGNS],
            "code": {**code, "text": "Body weight"},
            "subject": patient_ref(p.id),
            "effectiveDateTime": instant(p.updated_at),
            "valueQuantity": quantity(p.weight_kg, "kg"),
        }
    )


def practitioner(u: User) -> Resource:
    return clean(
        {
            "resourceType": "Practitioner",
            "id": str(u.id),
            "meta": meta(u.updated_at),
            "active": u.active,
            "name": [{"text": u.full_name}],
        }
    )


def condition(h: HistoryItem) -> Resource:
    status = "active" if h.active else "inactive"
    return clean(
        {
            "resourceType": "Condition",
            "id": f"hist-{h.id}",
            "clinicalStatus": hl7("condition-clinical", status),
            "category": [hl7("condition-category", "problem-list-item", "Problem List Item")],
            "code": concept("condition", h.condition),
            "subject": patient_ref(h.patient_id),
            "onsetDateTime": day(h.since),
            "note": note(h.notes),
        }
    )


def allergy(a: PatientAllergy) -> Resource:
    return clean(
        {
            "resourceType": "AllergyIntolerance",
            "id": f"allergy-{a.id}",
            "clinicalStatus": hl7("allergyintolerance-clinical", "active"),
            "code": coded("allergy", a.allergen),
            "patient": patient_ref(a.patient_id),
            "reaction": [a.reaction and {"manifestation": [{"text": a.reaction}]}],
        }
    )


def medication_statement(m: PatientMedication) -> Resource:
    return clean(
        {
            "resourceType": "MedicationStatement",
            "id": f"med-{m.id}",
            "status": "active",
            "medicationCodeableConcept": concept("medication", m.medication),
            "subject": patient_ref(m.patient_id),
            "note": note(m.notes),
        }
    )


@lru_cache(maxsize=1024)
def site(side: str, region: str) -> Frozen:
    """The body site of a region on one side, as a concept (the side in its text), shared."""
    text = f"{label_of(side)} {label_of(region).lower()}"
    return Frozen.of({**concept("region", region), "text": text})


def body_structure(f: VeinFinding) -> Resource:
    return clean(
        {
            "resourceType": "BodyStructure",
            "id": f"site-{f.id}",
            "active": f.active,
            "morphology": concept("vein-type", f.vein_type),
            "location": concept("region", f.region),
            "locationQualifier": [concept("side", f.side)],
            "description": site(f.side, f.region)["text"],
            "patient": patient_ref(f.patient_id),
        }
    )


def _component(code: str, **value: Any) -> dict[str, Any]:
    return {"code": concept("observation", code), **value}


def vein_finding(f: VeinFinding) -> Resource:
    components = [
        _component("vein-type", valueCodeableConcept=concept("vein-type", f.vein_type)),
        _component("vein-diameter", valueQuantity=quantity(f.diameter_mm, "mm")),
        f.colour and _component("vein-colour", valueString=f.colour),
        f.ceap_class and _component("ceap-c", valueCodeableConcept=concept("ceap-c", f.ceap_class)),
    ]
    derived = "vein type derived from the diameter" if f.vein_type_derived else None
    return clean(
        {
            "resourceType": "Observation",
            "id": f"vein-{f.id}",
            "meta": meta(f.recorded_at),
            "status": "final",
            "category": [EXAM],
            "code": concept("observation", "vein-finding"),
            "subject": patient_ref(f.patient_id),
            "focus": [ref("BodyStructure", f"site-{f.id}")],
            "effectiveDateTime": instant(f.recorded_at),
            "performer": [practitioner_ref(f.recorded_by_id)],
            "bodySite": site(f.side, f.region),
            "component": components,
            "note": note(f.notes, derived, None if f.active else "resolved or removed"),
        }
    )


def ceap_limb(patient_id: int, side: str, c_class: str, recorded: datetime) -> Resource:
    """CEAP of one limb: C is the highest C class of its active findings; Sclero does not
    record E, A or P per limb, so they carry a data-absent reason."""
    absent = [_component(part, dataAbsentReason=UNSUPPORTED) for part in ("ceap-e", "ceap-a")]
    return clean(
        {
            "resourceType": "Observation",
            "id": f"ceap-{patient_id}-{side}",
            "meta": meta(recorded),
            "status": "final",
            "category": [EXAM],
            "code": concept("observation", "ceap-limb"),
            "subject": patient_ref(patient_id),
            "effectiveDateTime": instant(recorded),
            "bodySite": {**concept("side", side), "text": f"{label_of(side)} leg"},
            "component": [
                _component("ceap-c", valueCodeableConcept=concept("ceap-c", c_class)),
                *absent,
                _component("ceap-p", dataAbsentReason=UNSUPPORTED),
            ],
        }
    )


def duplex(d: DuplexFinding) -> Resource:
    reflux = {
        "reflux-saphenous": d.saphenous_reflux,
        "reflux-perforator": d.perforator_reflux,
        "reflux-deep": d.deep_reflux,
    }
    return clean(
        {
            "resourceType": "Observation",
            "id": f"duplex-{d.id}",
            "status": "final",
            "category": [IMAGING],
            "code": concept("observation", "duplex"),
            "subject": patient_ref(d.patient_id),
            "effectiveDateTime": day(d.performed_on),
            "performer": [practitioner_ref(d.recorded_by_id)],
            "component": [_component(code, valueBoolean=v) for code, v in reflux.items()],
            "note": note(d.notes),
        }
    )


def screening(e: Any) -> Resource:
    """An evaluation, read with only the `screening` part of its result document."""
    reasons = "; ".join(stored_reasons({"screening": e.screening}))
    protocol = f"protocol {e.protocol_id} {e.protocol_version}"
    return clean(
        {
            "resourceType": "Observation",
            "id": f"screening-{e.id}",
            "meta": meta(e.performed_at),
            "status": "final",
            "category": [SURVEY],
            "code": concept("observation", "screening-decision"),
            "subject": patient_ref(e.patient_id),
            "effectiveDateTime": instant(e.performed_at),
            "performer": [practitioner_ref(e.performed_by_id)],
            "valueCodeableConcept": concept("decision", e.decision),
            "note": note(reasons, protocol, e.notes),
        }
    )
