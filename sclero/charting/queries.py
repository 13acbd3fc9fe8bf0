"""What other code reads from session charting: loaders, past sessions for the interval rule,
what a closed session keeps and the protocol's foam default (no role check, audit or commit)."""

from __future__ import annotations

from typing import Any

from sclero.charting import history
from sclero.charting.models import TreatmentSession
from sclero.core.db import UnitOfWork
from sclero.core.protocol import current_protocol
from sclero.rules import (
    PreviousSession,
)


def load_session(uow: UnitOfWork, session_id: int) -> TreatmentSession:
    return uow.get(TreatmentSession, session_id, field="session_id")


def closing_record(
    proposal: dict[str, Any], compression_given: str
) -> tuple[dict[str, Any], list[str]]:
    """What a closed session keeps: the compression given beside the plan's advice, and the
    aftercare instructions as the patient reads them."""
    aftercare = [
        str(item.get("message") or item.get("text") or item)
        if isinstance(item, dict)
        else str(item)
        for item in proposal.get("aftercare", [])
    ]
    return {"given": compression_given, "advised": proposal.get("compression")}, aftercare


def past_sessions(uow: UnitOfWork, patient_id: int) -> list[PreviousSession]:
    """Past sessions (clinic date, treated regions) for the engine's interval check (helper)."""
    return history.as_previous_sessions(uow, patient_id)


def foam_ratio_default() -> str:
    """The protocol's usual liquid:gas ratio for foam, written as charted (e.g. "1:4")."""
    ratio = current_protocol().spec.foam.liquid_gas_ratio
    return f"{ratio.liquid}:{ratio.gas}"
