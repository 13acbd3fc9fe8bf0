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
    """The level and advice for one symptom."""

    code: str
    level: str
    message: str
    sources: tuple[str, ...]
    confirmed: bool

    def to_document(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "level": self.level,
            "message": self.message,
            "sources": list(self.sources),
            "confirmed": self.confirmed,
        }


@dataclass(frozen=True, slots=True)
class TriageResult:
    """The worst level among the symptoms (routine when there are none) and each finding."""

    level: str
    findings: tuple[TriageFinding, ...]

    def to_document(self) -> dict[str, Any]:
        return {"level": self.level, "findings": [f.to_document() for f in self.findings]}


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
