"""Planning's codes: where a treatment plan stands."""

from __future__ import annotations

from sclero.core.choices import Choice, register


class PlanStatus(Choice):
    DRAFT = "draft", "Draft", "caution"
    APPROVED = "approved", "Approved", "ok"
    SUPERSEDED = "superseded", "Superseded", "muted"


register(PlanStatus)
