"""Where each FHIR resource comes from: one streamed query per source table, its mapping, its
`_since` column and its Provenance. Both the patient Bundle and the Bulk Data export read here,
so the two always agree. The exchange floor reads the tables itself (a read model, like the
chart); the services audit and role-check, `exchange/service.py` does it for an export."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from sclero.adverse_events.models import AdverseEvent
from sclero.assessment.models import DuplexFinding, VeinFinding
from sclero.charting.models import Injection, TreatmentSession
from sclero.core.auth import User
from sclero.evaluation.models import Evaluation
from sclero.exchange import map_care as care
from sclero.exchange import map_record as record
from sclero.exchange.fhir_types import Resource
from sclero.follow_up.models import FollowUp, Photo, RegionClearance
from sclero.patients.models import HistoryItem, Patient, PatientAllergy, PatientMedication
from sclero.planning.models import Consent, PlanItem, TreatmentPlan
from sclero.scheduling.models import Appointment

YIELD_PER = 1000
PatientIds = Any
# a SELECT of patient ids, a list of ids, or None for every patient


@dataclass(frozen=True)
class Context:
    base_url: str = "http://localhost:8000"


@dataclass(frozen=True)
class Recorded:
    """Who recorded a source's rows and when, as columns: its Provenance is read with these
    alone, from the source's own query."""

    target: str  # the resource reference without the id, e.g. "Observation/vein-"
    id: Any
    at: Any
    agents: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Children:
    """The rows of a child table that a source's resources carry (a plan's items, the
    injections of a session): columns only, one query per batch of parent rows. The query's
    first column is the parent's id; its order is the children's order."""

    query: Callable[[list[Any]], Select[Any]]

    def by_parent(self, session: Session, parents: list[Any]) -> dict[Any, list[Any]]:
        grouped: dict[Any, list[Any]] = {}
        for row in session.execute(self.query([parent.id for parent in parents])):
            grouped.setdefault(row[0], []).append(row)
        return grouped


@dataclass(frozen=True)
class Source:
    """One table's contribution to one FHIR resource type."""

    name: str
    resource_type: str
    query: Callable[[PatientIds], Select[Any]]
    to_fhir: Callable[[Any, Context], Iterable[Resource | None]]
    since: Callable[[datetime], ColumnElement[bool]] | None = None
    provenance: Recorded | None = None
    children: Children | None = None  # when set, to_fhir gets (row, its children)
    batch: int = YIELD_PER  # rows held at once: memory is O(batch), whatever the clinic's size

    def rows(self, session: Session, patients: PatientIds, since: datetime | None) -> Any:
        query = self.query(patients)
        if since is not None and self.since is not None:
            query = query.where(self.since(since))
        return session.execute(query.execution_options(yield_per=self.batch))

    def stream(
        self, session: Session, patients: PatientIds, since: datetime | None, ctx: Context
    ) -> Iterator[Resource]:
        result = self.rows(session, patients, since)
        to_fhir = self.to_fhir
        try:
            for batch in result.partitions():
                if self.children is None:
                    rows: Iterable[Any] = batch
                else:
                    kids = self.children.by_parent(session, batch)
                    rows = [(row, kids.get(row.id, [])) for row in batch]
                for row in rows:
                    for resource in to_fhir(row, ctx):
                        if resource is not None:
                            yield resource
        finally:
            result.close()  # a server-side cursor (PostgreSQL) ends with the stream

    def provenances(
        self, session: Session, patients: PatientIds, since: datetime | None
    ) -> Iterator[Resource]:
        recorded = self.provenance
        if recorded is None:
            return
        query = self.query(patients)
        agents = [column for _, column in recorded.agents]
        query = query.with_only_columns(recorded.id, recorded.at, *agents)
        if since is not None and self.since is not None:
            query = query.where(self.since(since))
        roles = [role for role, _ in recorded.agents]
        result = session.execute(query.execution_options(yield_per=YIELD_PER))
        try:
            for row in result:
                who = list(zip(roles, row[2:], strict=True))
                made = care.provenance(f"{recorded.target}{row[0]}", row[1], who)
                if made is not None:
                    yield made
        finally:
            result.close()


def _where(query: Any, column: Any, patients: PatientIds) -> Select[Any]:
    selected: Select[Any] = query if patients is None else query.where(column.in_(patients))
    return selected


def _row(mapper: Callable[..., Resource | None]) -> Callable[[Any, Context], list[Any]]:
    return lambda row, _ctx: [mapper(row)]


def _rows_of(
    model: Any, omit: tuple[str, ...] = (), *extra: Any
) -> Callable[[PatientIds], Select[Any]]:
    """A table's plain rows (columns by name, no row objects: several times faster), without
    the `omit` columns a mapping never reads (documents not decoded for nothing), with `extra`
    columns; the mappings read them as they read the ORM objects."""
    columns = [*(c for c in model.__table__.columns if c.name not in omit), *extra]
    return lambda patients: _where(select(*columns).order_by(model.id), model.patient_id, patients)


def _ceap_query(patients: PatientIds) -> Select[Any]:
    query = (
        select(
            VeinFinding.patient_id,
            VeinFinding.side,
            func.max(VeinFinding.ceap_class),
            func.max(VeinFinding.recorded_at),
        )
        .where(
            VeinFinding.active,
            VeinFinding.ceap_class.is_not(None),
            VeinFinding.side.in_(("left", "right")),
        )
        .group_by(VeinFinding.patient_id, VeinFinding.side)
        .order_by(VeinFinding.patient_id, VeinFinding.side)
    )
    return _where(query, VeinFinding.patient_id, patients)


_screenings = _rows_of(
    Evaluation, ("answers", "result"), Evaluation.result["screening"].label("screening")
)
"""Evaluations with only the screening part of the engine's result (its reasons)."""
_plans = _rows_of(
    TreatmentPlan,
    ("proposal", "compression", "physician_decision_codes"),
    TreatmentPlan.proposal["referrals"].label("referrals"),
)
"""Plans with only the referrals of the engine's proposal (a document of kilobytes)."""


def _plan_items(plans: list[Any]) -> Select[Any]:
    query = select(
        PlanItem.plan_id,
        PlanItem.vein_type,
        PlanItem.technique,
        PlanItem.agent,
        PlanItem.concentration_min,
        PlanItem.concentration_max,
        PlanItem.max_volume_per_injection_ml,
    ).order_by(PlanItem.plan_id, PlanItem.position, PlanItem.id)
    return _where(query, PlanItem.plan_id, plans)


def _given(sessions: list[Any]) -> Select[Any]:
    """The injections given in each session (as TreatmentSession.injections: not the voided)."""
    query = (
        select(Injection.session_id, Injection.side, Injection.region)
        .where(Injection.voided_at.is_(None))
        .order_by(Injection.session_id, Injection.id)
    )
    return _where(query, Injection.session_id, sessions)


_sessions = _rows_of(TreatmentSession, ("checklist", "limits"))


def _injections(patients: PatientIds) -> Select[Any]:
    """Every injection charted: a voided one (not given) goes out as entered-in-error, so a
    system that received it before learns of the correction."""
    query = (
        select(*Injection.__table__.columns, TreatmentSession.patient_id)
        .join(TreatmentSession, Injection.session_id == TreatmentSession.id)
        .order_by(Injection.id)
    )
    return _where(query, TreatmentSession.patient_id, patients)


def _clearances(patients: PatientIds) -> Select[Any]:
    """Each region's clearance with the columns of its follow-up that the resource names."""
    query = (
        select(
            RegionClearance.id,
            RegionClearance.side,
            RegionClearance.region,
            RegionClearance.level,
            FollowUp.patient_id,
            FollowUp.session_id,
            FollowUp.performed_on,
            FollowUp.recorded_by_id,
        )
        .join(FollowUp, RegionClearance.follow_up_id == FollowUp.id)
        .order_by(RegionClearance.id)
    )
    return _where(query, FollowUp.patient_id, patients)


def _patients(patients: PatientIds) -> Select[Any]:
    columns = Patient.__table__.columns
    return _where(select(*columns).order_by(Patient.id), Patient.id, patients)


def _session_since(since: datetime) -> ColumnElement[bool]:
    return or_(
        TreatmentSession.started_at >= since,
        TreatmentSession.closed_at >= since,
        TreatmentSession.status == "open",
    )


def _event_since(since: datetime) -> ColumnElement[bool]:
    return or_(
        AdverseEvent.reported_at >= since,
        AdverseEvent.closed_at >= since,
        AdverseEvent.status == "open",
    )


SOURCES: tuple[Source, ...] = (
    Source("patient", "Patient", _patients, _row(record.patient),
           lambda s: Patient.updated_at >= s),
    Source("body-weight", "Observation", _patients, _row(record.body_weight),
           lambda s: Patient.updated_at >= s),
    Source("history", "Condition", _rows_of(HistoryItem), _row(record.condition)),
    Source("allergy", "AllergyIntolerance", _rows_of(PatientAllergy), _row(record.allergy)),
    Source("medication", "MedicationStatement", _rows_of(PatientMedication),
           _row(record.medication_statement)),
    Source("vein-site", "BodyStructure", _rows_of(VeinFinding), _row(record.body_structure),
           lambda s: VeinFinding.recorded_at >= s),
    Source("vein-finding", "Observation", _rows_of(VeinFinding), _row(record.vein_finding),
           lambda s: VeinFinding.recorded_at >= s,
           Recorded("Observation/vein-", VeinFinding.id, VeinFinding.recorded_at,
                    (("author", VeinFinding.recorded_by_id),))),
    Source("ceap", "Observation", _ceap_query,
           lambda r, _c: [record.ceap_limb(r[0], r[1], r[2], r[3])]),
    Source("duplex", "Observation", _rows_of(DuplexFinding), _row(record.duplex),
           lambda s: DuplexFinding.performed_on >= s.date()),
    Source("screening", "Observation", _screenings, _row(record.screening),
           lambda s: Evaluation.performed_at >= s,
           Recorded("Observation/screening-", Evaluation.id, Evaluation.performed_at,
                    (("author", Evaluation.performed_by_id),))),
    Source("plan", "CarePlan", _plans, lambda r, _c: [care.care_plan(*r)],
           lambda s: TreatmentPlan.updated_at >= s,
           Recorded("CarePlan/plan-", TreatmentPlan.id, TreatmentPlan.updated_at,
                    (("author", TreatmentPlan.created_by_id),
                     ("verifier", TreatmentPlan.approved_by_id))),
           Children(_plan_items)),
    Source("referral", "ServiceRequest", _plans, lambda r, _c: care.service_requests(r),
           lambda s: TreatmentPlan.updated_at >= s),
    Source("consent", "Consent", _rows_of(Consent), _row(care.consent),
           lambda s: Consent.signed_at >= s,
           Recorded("Consent/consent-", Consent.id, Consent.signed_at,
                    (("verifier", Consent.witnessed_by_id),))),
    Source("appointment", "Appointment", _rows_of(Appointment), _row(care.appointment),
           lambda s: Appointment.updated_at >= s,
           Recorded("Appointment/appt-", Appointment.id, Appointment.created_at,
                    (("author", Appointment.created_by_id),))),
    Source("session", "Procedure", _sessions, lambda r, _c: [care.procedure(*r)],
           _session_since,
           Recorded("Procedure/session-", TreatmentSession.id, TreatmentSession.started_at,
                    (("performer", TreatmentSession.performed_by_id),)),
           Children(_given)),
    Source("injection", "MedicationAdministration", _injections,
           lambda r, _c: [care.medication_administration(r, r.patient_id)],
           lambda s: Injection.charted_at >= s,
           Recorded("MedicationAdministration/inj-", Injection.id, Injection.charted_at,
                    (("performer", Injection.charted_by_id),
                     ("verifier", Injection.override_by_id)))),
    Source("clearance", "Observation", _clearances,
           _row(care.clearance),
           lambda s: FollowUp.performed_on >= s.date()),
    Source("satisfaction", "Observation", _rows_of(FollowUp), _row(care.satisfaction),
           lambda s: FollowUp.performed_on >= s.date()),
    Source("photo", "Media", _rows_of(Photo), lambda r, c: [care.media(r, c.base_url)],
           lambda s: Photo.uploaded_at >= s,
           Recorded("Media/photo-", Photo.id, Photo.uploaded_at,
                    (("author", Photo.uploaded_by_id),))),
    Source("adverse-event", "AdverseEvent", _rows_of(AdverseEvent, ("triage",)),
           _row(care.adverse_event),
           _event_since,
           Recorded("AdverseEvent/ae-", AdverseEvent.id, AdverseEvent.reported_at,
                    (("author", AdverseEvent.reported_by_id),))),
)  # fmt: skip


def _staff(_patients: PatientIds) -> Select[Any]:
    """The staff but the admins (who record nothing clinical), as columns: no password hash."""
    query = select(User.id, User.updated_at, User.active, User.full_name)
    return _where(query.where(User.role != "admin").order_by(User.id), User.id, None)


PRACTITIONERS = Source(
    "staff",
    "Practitioner",
    _staff,
    _row(record.practitioner),
    lambda s: User.updated_at >= s,
)
RESOURCE_TYPES: tuple[str, ...] = tuple(
    dict.fromkeys([*(s.resource_type for s in SOURCES), "Practitioner", "Provenance"])
)
"""Every type Sclero exports, in a stable order (the CapabilityStatement lists these)."""


def stream_type(
    session: Session,
    resource_type: str,
    patients: PatientIds,
    since: datetime | None,
    ctx: Context,
) -> Iterator[Resource]:
    """Every resource of one type for these patients, streamed (memory flat)."""
    if resource_type == "Practitioner":
        yield from PRACTITIONERS.stream(session, None, since, ctx)
        return
    if resource_type == "Provenance":
        for source in SOURCES:
            yield from source.provenances(session, patients, since)
        return
    for source in SOURCES:
        if source.resource_type == resource_type:
            yield from source.stream(session, patients, since, ctx)
