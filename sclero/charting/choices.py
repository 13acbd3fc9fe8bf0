"""Charting's codes: whether a treatment session is still open for injections."""

from __future__ import annotations

from sclero.core.choices import Choice, register


class SessionStatus(Choice):
    OPEN = "open", "Open", "warning"
    CLOSED = "closed", "Closed", "ok"


register(SessionStatus)
