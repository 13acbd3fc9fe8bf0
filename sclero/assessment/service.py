"""The one door to the vein assessment: findings on the body map and duplex results."""

from __future__ import annotations

from sqlalchemy import select

from sclero.assessment.models import DuplexFinding, VeinFinding
from sclero.assessment.queries import findings_of, load_finding
from sclero.assessment.schemas import DuplexIn, FindingIn
from sclero.core import audit
from sclero.core.auth import Role
from sclero.core.db import UnitOfWork
from sclero.core.errors import InvalidInput
from sclero.core.protocol import current_protocol
from sclero.core.use_case import use_case
from sclero.core.versioning import check_version, snapshot
from sclero.patients import queries as patient_queries
from sclero.rules import CaseError, classify_vein
from sclero.rules.plausibility import plausible

CLINICAL_ROLES = (Role.PHYSICIAN, Role.NURSE)


@use_case(*CLINICAL_ROLES)
def add_finding(uow: UnitOfWork, patient_id: int, data: FindingIn) -> VeinFinding:
    """Record a vein finding; the type comes from the diameter when the user gave none."""
    patient_queries.load_patient(uow, patient_id)
    finding = VeinFinding(patient_id=patient_id, recorded_by_id=uow.actor.user_id)
    _apply(finding, data)
    uow.session.add(finding)
    uow.session.flush()
    audit.record(uow, "create", "vein_finding", finding.id, patient_id=patient_id)
    uow.commit()
    return finding


@use_case(*CLINICAL_ROLES)
def update_finding(
    uow: UnitOfWork, finding_id: int, data: FindingIn, version: int | None
) -> VeinFinding:
    """Correct a finding, made on `version` of it (refused when someone changed it since)."""
    finding = load_finding(uow, finding_id)
    check_version(finding, version)
    before = snapshot(finding, FINDING_FIELDS)
    _apply(finding, data)
    audit.record_change(
        uow, "update", "vein_finding", finding, before, patient_id=finding.patient_id
    )
    uow.commit()
    return finding


@use_case(*CLINICAL_ROLES)
def retire_finding(uow: UnitOfWork, finding_id: int, version: int | None) -> VeinFinding:
    """Mark a finding resolved or entered in error; it stays in the record, off the map."""
    finding = load_finding(uow, finding_id)
    check_version(finding, version)
    before = snapshot(finding, FINDING_FIELDS)
    finding.active = False
    audit.record_change(
        uow, "delete", "vein_finding", finding, before, patient_id=finding.patient_id
    )
    uow.commit()
    return finding


FINDING_FIELDS = (
    "side", "region", "vein_type", "diameter_mm", "colour", "ceap_class", "notes", "active"
)  # fmt: skip
"""What an update's audit row keeps the old and new value of."""


def _apply(finding: VeinFinding, data: FindingIn) -> None:
    protocol = current_protocol()
    try:
        diameter = plausible(data.diameter_mm, "diameter_mm", protocol)
    except CaseError as error:
        raise InvalidInput(error.message, field="diameter_mm") from None
    finding.side = data.side
    finding.region = data.region
    finding.diameter_mm = diameter
    finding.vein_type_derived = data.vein_type is None
    finding.vein_type = data.vein_type or str(classify_vein(diameter, protocol))
    finding.colour = data.colour
    finding.ceap_class = data.ceap_class
    finding.notes = data.notes


@use_case(*CLINICAL_ROLES)
def list_findings(
    uow: UnitOfWork, patient_id: int, include_retired: bool = False
) -> list[VeinFinding]:
    patient_queries.load_patient(uow, patient_id)
    rows = findings_of(uow, patient_id, include_retired)
    audit.record(uow, "read", "vein_finding", patient_id=patient_id, detail={"count": len(rows)})
    return rows


@use_case(*CLINICAL_ROLES)
def add_duplex(uow: UnitOfWork, patient_id: int, data: DuplexIn) -> DuplexFinding:
    """Record a duplex ultrasound result; the newest scan is the one screening reads, so a scan
    dated in the future (which would hide every later result) is refused."""
    patient_queries.load_patient(uow, patient_id)
    if data.performed_on > uow.today():
        raise InvalidInput(
            "The duplex scan cannot be dated in the future; check the date.", field="performed_on"
        )
    duplex = DuplexFinding(
        patient_id=patient_id, recorded_by_id=uow.actor.user_id, **data.model_dump()
    )
    uow.session.add(duplex)
    uow.session.flush()
    audit.record(uow, "create", "duplex_finding", duplex.id, patient_id=patient_id)
    uow.commit()
    return duplex


@use_case(*CLINICAL_ROLES)
def list_duplex(uow: UnitOfWork, patient_id: int) -> list[DuplexFinding]:
    query = (
        select(DuplexFinding)
        .where(DuplexFinding.patient_id == patient_id)
        .order_by(DuplexFinding.performed_on.desc(), DuplexFinding.id.desc())
    )
    return patient_queries.read_record(uow, patient_id, "duplex_finding", query)
