"""Where an appointment may go next, and what the page may offer today."""

from __future__ import annotations

from datetime import date

from sclero.scheduling.choices import AppointmentStatus
from sclero.scheduling.models import Appointment

# Where an appointment may go next; done, cancelled and no-show are final.
TRANSITIONS: dict[str, tuple[AppointmentStatus, ...]] = {
    AppointmentStatus.BOOKED: (
        AppointmentStatus.ARRIVED,
        AppointmentStatus.DONE,
        AppointmentStatus.NO_SHOW,
        AppointmentStatus.CANCELLED,
    ),
    AppointmentStatus.ARRIVED: (AppointmentStatus.DONE, AppointmentStatus.CANCELLED),
}
ON_THE_DAY = (AppointmentStatus.ARRIVED, AppointmentStatus.DONE, AppointmentStatus.NO_SHOW)
"""Statuses that say what happened: not for an appointment whose day has not come."""


def next_statuses(appointment: Appointment, today: date) -> list[AppointmentStatus]:
    """The statuses this appointment may be given now (what the page offers)."""
    allowed = TRANSITIONS.get(appointment.status, ())
    future = appointment.starts_at.date() > today
    return [s for s in allowed if not (future and s in ON_THE_DAY)]
