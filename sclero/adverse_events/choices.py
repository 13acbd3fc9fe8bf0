"""Adverse events' codes: severity, outcome and whether an event is still being followed."""

from __future__ import annotations

from sclero.core.choices import Choice, register


class EventStatus(Choice):
    OPEN = "open", "Open", "caution"
    CLOSED = "closed", "Closed", "ok"


class Severity(Choice):
    MILD = "mild", "Mild", "info"
    MODERATE = "moderate", "Moderate", "warning"
    SEVERE = "severe", "Severe", "danger"


class Outcome(Choice):
    RESOLVED = "resolved", "Resolved", "ok"
    RESOLVING = "resolving", "Resolving", "caution"
    RESOLVED_WITH_SEQUELAE = "resolved_with_sequelae", "Resolved with sequelae", "warning"
    NOT_RESOLVED = "not_resolved", "Not resolved", "danger"
    UNKNOWN = "unknown", "Unknown", "muted"


register(EventStatus, Severity, Outcome)
