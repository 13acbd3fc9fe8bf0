"""FHIR mapping of planning, treatment and after: CarePlan, ServiceRequest, Consent, Appointment,
Procedure, MedicationAdministration, Observation (clearance, satisfaction), Media, AdverseEvent
and Provenance (docs/fhir.md has the tables)."""

from __future__ import annotations

import base64
import html
from datetime import datetime, timedelta
from typing import Any

from sclero.adverse_events.models import AdverseEvent
from sclero.charting.models import Injection, TreatmentSession
from sclero.exchange.codes import CANONICAL, coded, coding, concept, system
from sclero.exchange.fhir_types import (
    TERMINOLOGY,
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
    wall_instant,
)
from sclero.exchange.map_record import EXAM, SURVEY, site
from sclero.follow_up.models import FollowUp, Photo
from sclero.planning.models import Consent, PlanItem
from sclero.rules.vocabulary import label_of
from sclero.scheduling.models import Appointment

PLAN_STATUS = {"draft": "draft", "approved": "active", "superseded": "revoked"}
APPOINTMENT_STATUS = {
    "booked": "booked",
    "arrived": "arrived",
    "done": "fulfilled",
    "cancelled": "cancelled",
    "no_show": "noshow",
}
EVENT_OUTCOME = {
    "resolved": "resolved",
    "resolving": "recovering",
    "resolved_with_sequelae": "resolvedWithSequelae",
    "not_resolved": "ongoing",
    "unknown": "unknown",
}
SHA256_SYSTEM = f"{CANONICAL}/identifier/sha256"


def agent_concept(agent: str) -> Frozen:
    return coded("agent", agent)


def _activity(item: PlanItem) -> dict[str, Any]:
    strength = ""
    if item.concentration_min is not None:
        strength = f" {item.concentration_min}-{item.concentration_max} %"
    volume = item.max_volume_per_injection_ml
    what = f"{label_of(item.vein_type)}: {label_of(item.technique).lower()}"
    if item.agent:
        what += f", {label_of(item.agent)}{strength}"
    if volume is not None:
        what += f", at most {volume} mL per injection"
    return {
        "detail": {
            "kind": "MedicationRequest",
            "code": concept("technique", item.technique),
            "status": "unknown",
            "productCodeableConcept": agent_concept(item.agent) if item.agent else None,
            "description": what,
        }
    }


def care_plan(p: Any, items: list[Any]) -> Resource:
    """A plan (a treatment_plans row with its `referrals`, the proposal's) and its items."""
    referrals = [
        {"reference": ref("ServiceRequest", f"referral-{p.id}-{n}")}
        for n, _ in enumerate(p.referrals or [])
    ]
    course = f"interval {p.interval_days} days"
    if p.expected_sessions:
        course += f", expected sessions {p.expected_sessions}"
    return clean(
        {
            "resourceType": "CarePlan",
            "id": f"plan-{p.id}",
            "meta": meta(p.updated_at),
            "status": PLAN_STATUS.get(p.status, "unknown"),
            "intent": "plan",
            "title": "Sclerotherapy plan",
            "description": f"{course}; protocol {p.protocol_id} {p.protocol_version}",
            "subject": patient_ref(p.patient_id),
            "created": instant(p.created_at),
            "author": practitioner_ref(p.approved_by_id or p.created_by_id),
            "activity": [*(_activity(i) for i in items), *referrals],
            "note": note(p.notes, p.physician_decision_reason),
        }
    )


def service_requests(p: Any) -> list[Resource]:
    """One ServiceRequest per referral of the plan's proposal (duplex, ablation, surgery…)."""
    return [
        clean(
            {
                "resourceType": "ServiceRequest",
                "id": f"referral-{p.id}-{n}",
                "status": "active" if p.status == "approved" else "draft",
                "intent": "order" if p.status == "approved" else "proposal",
                "basedOn": [ref("CarePlan", f"plan-{p.id}")],
                "code": concept("referral", str(r.get("to"))),
                "subject": patient_ref(p.patient_id),
                "authoredOn": instant(p.created_at),
                "requester": practitioner_ref(p.approved_by_id or p.created_by_id),
                "reasonCode": [{"text": r.get("message") or label_of(str(r.get("code")))}],
            }
        )
        for n, r in enumerate(p.referrals or [])
    ]


def consent(c: Consent) -> Resource:
    document = base64.b64encode(c.text.encode()).decode()
    return clean(
        {
            "resourceType": "Consent",
            "id": f"consent-{c.id}",
            "status": "active",
            "scope": hl7("consentscope", "treatment", "Treatment"),
            "category": [concept("consent", "sclerotherapy-consent")],
            "patient": patient_ref(c.patient_id),
            "dateTime": instant(c.signed_at),
            "performer": [{"display": _signer(c)}],
            "policy": [{"uri": system("consent")}],
            "sourceAttachment": {
                "contentType": "text/plain; charset=utf-8",
                "data": document,
                "title": f"Consent signed by {_signer(c)}",
                "creation": instant(c.signed_at),
            },
            "provision": {
                "type": "permit",
                "data": [{"meaning": "related", "reference": ref("CarePlan", f"plan-{c.plan_id}")}],
            },
        }
    )


def _signer(c: Consent) -> str:
    relationship = getattr(c, "representative_relationship", None)
    return f"{c.signed_by_name} ({relationship})" if relationship else c.signed_by_name


def appointment(a: Appointment) -> Resource:
    regions = ", ".join(label_of(r) for r in a.regions or [])
    return clean(
        {
            "resourceType": "Appointment",
            "id": f"appt-{a.id}",
            "meta": meta(a.updated_at),
            "status": APPOINTMENT_STATUS.get(a.status, "booked"),
            "serviceType": [concept("appointment-kind", a.kind)],
            "start": wall_instant(a.starts_at),
            "end": wall_instant(a.starts_at + timedelta(minutes=a.duration_minutes)),
            "minutesDuration": a.duration_minutes,
            "created": instant(a.created_at),
            "description": regions and f"Regions: {regions}",
            "comment": a.notes,
            "participant": [{"actor": patient_ref(a.patient_id), "status": "accepted"}],
        }
    )


def procedure(s: TreatmentSession, injections: list[Any]) -> Resource:
    """A session and the injections given in it (voided ones are not)."""
    sites = dict.fromkeys((i.side, i.region) for i in injections)
    given = s.compression.get("given") if s.compression else None
    return clean(
        {
            "resourceType": "Procedure",
            "id": f"session-{s.id}",
            "status": "completed" if s.status == "closed" else "in-progress",
            "basedOn": [ref("CarePlan", f"plan-{s.plan_id}")],
            "code": concept("procedure", "sclerotherapy"),
            "subject": patient_ref(s.patient_id),
            "performedPeriod": {"start": instant(s.started_at), "end": instant(s.closed_at)},
            "performer": [{"actor": practitioner_ref(s.performed_by_id)}],
            "bodySite": [site(side, region) for side, region in sites],
            "outcome": {"text": f"{len(injections)} injection(s)"},
            "followUp": [{"text": t} for t in (s.aftercare or [])],
            "note": note(given and f"Compression: {given}", s.interval_override_reason, s.notes),
        }
    )


def _agent(i: Injection) -> Resource:
    """The agent as given: its strength (% w/v: grams per 100 mL) and lot."""
    return clean(
        {
            "resourceType": "Medication",
            "id": "agent",
            "code": agent_concept(i.agent),
            "ingredient": [
                {
                    "itemCodeableConcept": agent_concept(i.agent),
                    "strength": {
                        "numerator": quantity(i.concentration_percent, "g"),
                        "denominator": quantity(100, "mL"),
                    },
                }
            ],
            "batch": i.lot_number and {"lotNumber": i.lot_number},
        }
    )


def medication_administration(i: Injection, patient_id: int) -> Resource:
    technique = f"{i.technique} {i.liquid_gas_ratio}" if i.liquid_gas_ratio else i.technique
    text = f"{label_of(i.agent)} {i.concentration_percent} % {technique}, {i.volume_ml} mL"
    gauge = f"needle {i.needle_gauge} G" if i.needle_gauge else None
    corrects = f"corrects inj-{i.replaces_id}" if i.replaces_id else None
    voided = i.voided_at is not None  # a charting error: kept, never counted as given
    return clean(
        {
            "resourceType": "MedicationAdministration",
            "id": f"inj-{i.id}",
            "contained": [_agent(i)],
            "status": "entered-in-error" if voided else "completed",
            "statusReason": [{"text": f"Voided: {i.void_reason}"}] if voided else None,
            "medicationReference": {"reference": "#agent"},
            "subject": patient_ref(patient_id),
            "partOf": [ref("Procedure", f"session-{i.session_id}")],
            "effectiveDateTime": instant(i.charted_at),
            "performer": [{"actor": practitioner_ref(i.charted_by_id)}],
            "dosage": {
                "text": text,
                "site": site(i.side, i.region),
                "method": concept("technique", i.technique),
                "dose": quantity(i.volume_ml, "mL"),
            },
            "note": note(f"{i.agent_mg} mg of agent", gauge, corrects, i.override_reason),
        }
    )


def clearance(c: Any) -> Resource:
    """A region's clearance, read with its follow-up's columns (patient, session, day, who)."""
    return clean(
        {
            "resourceType": "Observation",
            "id": f"clearance-{c.id}",
            "status": "final",
            "category": [EXAM],
            "code": concept("observation", "clearance"),
            "subject": patient_ref(c.patient_id),
            "partOf": c.session_id and [ref("Procedure", f"session-{c.session_id}")],
            "effectiveDateTime": day(c.performed_on),
            "performer": [practitioner_ref(c.recorded_by_id)],
            "valueCodeableConcept": concept("clearance-level", str(c.level)),
            "bodySite": site(c.side, c.region),
        }
    )


def satisfaction(f: FollowUp) -> Resource | None:
    if f.satisfaction is None:
        return None
    more = "more sessions needed" if f.more_sessions_needed else "no more sessions needed"
    return clean(
        {
            "resourceType": "Observation",
            "id": f"satisfaction-{f.id}",
            "status": "final",
            "category": [SURVEY],
            "code": concept("observation", "satisfaction"),
            "subject": patient_ref(f.patient_id),
            "partOf": f.session_id and [ref("Procedure", f"session-{f.session_id}")],
            "effectiveDateTime": day(f.performed_on),
            "performer": [practitioner_ref(f.recorded_by_id)],
            "valueInteger": f.satisfaction,
            "note": note(more, f.notes),
        }
    )


def media(p: Photo, base_url: str) -> Resource:
    return clean(
        {
            "resourceType": "Media",
            "id": f"photo-{p.id}",
            "identifier": [{"system": SHA256_SYSTEM, "value": p.sha256}],
            "partOf": p.session_id and [ref("Procedure", f"session-{p.session_id}")],
            "status": "completed",
            "type": hl7("media-type", "image", "Image"),
            "subject": patient_ref(p.patient_id),
            "createdDateTime": day(p.taken_on),
            "issued": instant(p.uploaded_at),
            "operator": practitioner_ref(p.uploaded_by_id),
            "bodySite": site(p.side, p.region),
            "width": getattr(p, "width", None),
            "height": getattr(p, "height", None),
            "content": {
                "contentType": p.content_type,
                "url": f"{base_url.rstrip('/')}/api/v1/photos/{p.id}",
                "size": p.size_bytes,
                "title": p.caption,
            },
        }
    )


def adverse_event(a: AdverseEvent) -> Resource:
    """R4's AdverseEvent has no note: symptoms go in the event's text; triage, management and
    status in the narrative."""
    outcome = EVENT_OUTCOME.get(a.outcome or "")
    event = concept("adverse-event-type", a.event_type)
    if a.symptoms:
        symptoms = ", ".join(label_of(s) for s in a.symptoms)
        event = {**event, "text": f"{event['text']} ({symptoms})"}
    told = [
        f"Triage: {label_of(a.triage_level)}.",
        f"Status: {a.status}.",
        a.management and f"Management: {a.management}",
    ]
    return clean(
        {
            "resourceType": "AdverseEvent",
            "id": f"ae-{a.id}",
            "text": narrative(" ".join(t for t in told if t)),
            "actuality": "actual",
            "event": event,
            "subject": patient_ref(a.patient_id),
            "date": day(a.onset_date),
            "recordedDate": instant(a.reported_at),
            "recorder": practitioner_ref(a.reported_by_id),
            "severity": {
                "coding": [
                    {"system": f"{TERMINOLOGY}/adverse-event-severity", "code": a.severity},
                    coding("severity", a.severity),
                ]
            },
            "outcome": outcome and hl7("adverse-event-outcome", outcome),
            "suspectEntity": a.session_id
            and [{"instance": ref("Procedure", f"session-{a.session_id}")}],
        }
    )


def narrative(text: str) -> dict[str, str]:
    div = f'<div xmlns="http://www.w3.org/1999/xhtml"><p>{html.escape(text)}</p></div>'
    return {"status": "additional", "div": div}


def provenance(
    target: str, recorded: datetime | None, agents: list[tuple[str, int | None]]
) -> Resource | None:
    """Who recorded a resource: one Provenance per resource that has a known recorder."""
    who = [(role, user) for role, user in agents if user is not None]
    if not who or recorded is None:
        return None
    return {
        "resourceType": "Provenance",
        "id": f"prov-{target.replace('/', '-')}"[:64],
        "target": [{"reference": target}],
        "recorded": instant(recorded),
        "agent": [
            {
                "type": hl7("provenance-participant-type", role),
                "who": {"reference": f"Practitioner/{user}"},
            }
            for role, user in who
        ],
    }
