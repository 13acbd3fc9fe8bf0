"""The interval rule as every step applies it: charting when a session starts, scheduling when
it books one. Only a physician's written reason lets a session come sooner."""

from __future__ import annotations

from datetime import date

from sclero.charting import history
from sclero.core.auth import may_override
from sclero.core.db import UnitOfWork
from sclero.core.errors import IntervalTooShort
from sclero.rules import check_interval


def require_interval(
    uow: UnitOfWork,
    patient_id: int,
    on: date,
    regions: list[str] | None,
    override_reason: str | None,
    *,
    field: str,
    remedy: str,
) -> None:
    """Refuse a session on `on` sooner than the protocol's interval after the last one at any of
    `regions` — `None` meaning every region treated before, the safer reading — unless a
    physician gives a written reason. `remedy` tells the user what a physician may do."""
    past = history.as_previous_sessions(uow, patient_id)
    wanted = sorted({r for s in past for r in s.regions}) if regions is None else regions
    check = check_interval(past, on, wanted, uow.protocol)
    if check.allowed or (override_reason and may_override(uow.actor)):
        return
    raise IntervalTooShort(
        f"{check.message} {remedy}",
        field=field,
        earliest_date=str(check.earliest_date),
        regions=list(check.conflicting_regions),
        sources=list(check.sources),
    )
