"""Patients' codes: why a patient's next treatment is on hold."""

from __future__ import annotations

from sclero.core.choices import Choice, register


class HoldReason(Choice):
    URGENT_ADVERSE_EVENT = (
        "urgent_adverse_event",
        "Urgent adverse event awaiting a physician's review",
        "danger",
    )


register(HoldReason)
