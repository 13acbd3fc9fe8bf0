"""Triage of symptoms reported after a session: urgent care, contact the clinic, or routine."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sclero.rules import vocabulary as v
from sclero.rules.errors import CaseError
from sclero.rules.loading import default_protocol
from sclero.rules.protocol import Protocol

_LEVEL_ORDER: dict[str, int] = {level.value: index for index, level in enumerate(v.TriageLevel)}


@dataclass(frozen=True, slots=True)
class TriageFinding:
    """The level and advice for one symptom (or, `kind="event_type"`, a reported event type)."""

    code: str
    level: str
    message: str
    sources: tuple[str, ...]
    confirmed: bool
    kind: str | None = None

    def to_document(self) -> dict[str, Any]:
        document: dict[str, Any] = {"code": self.code}
        if self.kind is not None:
            document["kind"] = self.kind
        document.update(
            level=self.level,
            message=self.message,
            sources=list(self.sources),
            confirmed=self.confirmed,
        )
        return document


@dataclass(frozen=True, slots=True)
class TriageResult:
    """The worst level among the symptoms (routine when there are none) and each finding."""

    level: str
    findings: tuple[TriageFinding, ...]

    @property
    def urgent(self) -> bool:
        return self.level == v.TriageLevel.URGENT_CARE.value

    def to_document(self) -> dict[str, Any]:
        return {"level": self.level, "findings": [f.to_document() for f in self.findings]}


@dataclass(frozen=True, slots=True)
class EventTriage:
    """The triage of a reported adverse event: the stricter of its symptoms' level and its event
    type's own level in the protocol's catalogue (an anaphylaxis is urgent care even with no
    symptom ticked)."""

    result: TriageResult
    symptom_level: str
    event_type: TriageFinding | None

    @property
    def level(self) -> str:
        return self.result.level

    def to_document(self) -> dict[str, Any]:
        document = self.result.to_document()
        document["symptom_level"] = self.symptom_level
        document["event_type"] = self.event_type.to_document() if self.event_type else None
        return document


def most_urgent(levels: Iterable[str]) -> str:
    """The most urgent of these triage levels (routine when there are none)."""
    return min(levels, key=_LEVEL_ORDER.__getitem__, default=v.TriageLevel.ROUTINE.value)


def triage_event(
    event_type: str | None, symptoms: Iterable[str], protocol: Protocol | None = None
) -> EventTriage:
    """Triage a reported event by its symptoms and its event type; the event type's level is
    kept as a finding too, so its advice and sources show. "other" (no catalogue entry) counts
    by its symptoms alone."""
    p = protocol or default_protocol()
    by_symptoms = triage(symptoms, p)
    entry = _catalogue_entry(event_type, p)
    if entry is None:
        return EventTriage(by_symptoms, by_symptoms.level, None)
    findings = sorted((*by_symptoms.findings, entry), key=lambda f: _LEVEL_ORDER[f.level])
    level = most_urgent((by_symptoms.level, entry.level))
    return EventTriage(TriageResult(level, tuple(findings)), by_symptoms.level, entry)


def _catalogue_entry(event_type: str | None, p: Protocol) -> TriageFinding | None:
    for event in p.spec.adverse_events.events:
        if event.code == event_type:
            message = (
                f"Reported event: {event.label} (the protocol's level for this event type: "
                f"{v.TriageLevel(event.triage).label})."
            )
            return TriageFinding(
                event.code, str(event.triage), message, event.sources, event.confirmed,
                "event_type",
            )  # fmt: skip
    return None


def triage(symptoms: Iterable[str], protocol: Protocol | None = None) -> TriageResult:
    """Triage reported symptoms; the most urgent level wins; an unknown code is refused."""
    p = protocol or default_protocol()
    findings: list[TriageFinding] = []
    seen: set[str] = set()
    for index, symptom in enumerate(symptoms):
        rule = p.triage_rules.get(symptom) if isinstance(symptom, str) else None
        if rule is None:
            raise CaseError(f"symptoms[{index}]", f"unknown symptom {symptom!r}")
        if symptom in seen:
            continue
        seen.add(symptom)
        findings.append(
            TriageFinding(symptom, rule.level, rule.message, rule.sources, rule.confirmed)
        )
    findings.sort(key=lambda f: _LEVEL_ORDER[f.level])
    level = findings[0].level if findings else v.TriageLevel.ROUTINE.value
    return TriageResult(level, tuple(findings))
