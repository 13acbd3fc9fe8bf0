"""Scheduling's codes: what kind of visit an appointment is, and where it stands."""

from __future__ import annotations

from sclero.core.choices import Choice, register


class AppointmentKind(Choice):
    EVALUATION = "evaluation", "Medical evaluation", "info"
    SESSION = "session", "Sclerotherapy session", "caution"
    FOLLOW_UP = "follow_up", "Follow-up visit", "ok"


class AppointmentStatus(Choice):
    BOOKED = "booked", "Booked", "info"
    ARRIVED = "arrived", "Arrived", "warning"
    DONE = "done", "Done", "ok"
    CANCELLED = "cancelled", "Cancelled", "muted"
    NO_SHOW = "no_show", "No-show", "danger"


register(AppointmentKind, AppointmentStatus)
