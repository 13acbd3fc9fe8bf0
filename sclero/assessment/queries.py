"""What other code reads from the vein assessment: findings and the newest duplex as the engine's
case takes them, and the protocol's word on the face (no role check, no audit, no commit)."""

from __future__ import annotations

from sqlalchemy import select

from sclero.assessment.models import DuplexFinding, VeinFinding
from sclero.core.db import UnitOfWork
from sclero.core.protocol import current_protocol
from sclero.rules import Duplex
from sclero.rules import VeinFinding as CaseFinding


def load_finding(uow: UnitOfWork, finding_id: int) -> VeinFinding:
    return uow.get(VeinFinding, finding_id, field="finding_id")


def findings_of(
    uow: UnitOfWork, patient_id: int, include_retired: bool = False
) -> list[VeinFinding]:
    query = select(VeinFinding).where(VeinFinding.patient_id == patient_id)
    if not include_retired:
        query = query.where(VeinFinding.active.is_(True))
    return list(uow.session.scalars(query.order_by(VeinFinding.id)))


def findings_at(uow: UnitOfWork, patient_id: int, side: str, region: str) -> list[VeinFinding]:
    """Active findings at one site (helper; no audit)."""
    return [f for f in findings_of(uow, patient_id) if f.side == side and f.region == region]


def case_findings(uow: UnitOfWork, patient_id: int) -> list[CaseFinding]:
    """Active findings as the engine's case takes them (helper; no audit)."""
    return [
        CaseFinding(str(f.id), f.side, f.region, f.vein_type, f.diameter_mm)
        for f in findings_of(uow, patient_id)
    ]


def latest_duplex(uow: UnitOfWork, patient_id: int) -> Duplex | None:
    """The newest duplex result as the engine's case takes it (helper; no audit):
    latest scan date first, the later entry among scans of the same day."""
    row = uow.session.scalar(
        select(DuplexFinding)
        .where(DuplexFinding.patient_id == patient_id)
        .order_by(DuplexFinding.performed_on.desc(), DuplexFinding.id.desc())
        .limit(1)
    )
    if row is None:
        return None
    return Duplex(True, row.saphenous_reflux, row.perforator_reflux, row.deep_reflux)


def face_note() -> str:
    """The protocol's word on treating the face (sources disagree: a physician decides)."""
    for referral in current_protocol().referrals:
        if referral.regions and "face" in referral.regions:
            return referral.rule.message
    return ""
