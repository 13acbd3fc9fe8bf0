"""What other code reads from scheduling (no role check, no audit, no commit)."""

from __future__ import annotations

from sclero.core.db import UnitOfWork
from sclero.scheduling.models import Appointment


def load_appointment(uow: UnitOfWork, appointment_id: int) -> Appointment:
    return uow.get(Appointment, appointment_id, field="appointment_id")
