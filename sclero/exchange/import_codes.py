"""Coded history from another system to Sclero's codes, by code system (docs/fhir.md): Sclero's
own CodeSystems exactly, ATC and ICD-10 through the checked codes of `codes.EXTERNAL` (a code
matches an entry or any code below it: B01AF01 is in B01AF). Anything else is unmapped and
reported, never dropped silently and never guessed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sclero.exchange.codes import ATC, EXTERNAL, ICD10, system
from sclero.rules.vocabulary import Allergy, Condition, Medication

KINDS = {"condition": Condition, "medication": Medication, "allergy": Allergy}
ACUTE_OR_PAST = {
    "pulmonary_embolism": ("acute_pe", "history_pe"),
    "deep_vein_thrombosis": ("acute_dvt", "history_dvt"),
    "acute_superficial_vein_thrombosis": ("acute_superficial_vein_thrombosis", None),
}
ACTIVE_STATUSES = {"active", "recurrence", "relapse"}
PAST_STATUSES = {"inactive", "remission", "resolved"}


@dataclass(frozen=True)
class Mapped:
    """A Sclero code for an incoming concept, or why there is none."""

    code: str | None
    reason: str = ""


def _codings(concept: Any) -> list[dict[str, Any]]:
    if not isinstance(concept, dict):
        return []
    return [c for c in concept.get("coding") or [] if isinstance(c, dict)]


def describe(concept: Any) -> str:
    """The incoming codes as `system|code (display)`, for the list of unmapped codes."""
    parts = [
        f"{c.get('system', '?')}|{c.get('code', '?')}"
        + (f" ({c['display']})" if c.get("display") else "")
        for c in _codings(concept)
    ]
    if not parts and isinstance(concept, dict) and concept.get("text"):
        return f"text only: {str(concept['text'])[:80]!r}"
    return ", ".join(parts) or "no code"


def _external(kind: str, code_system: str, code: str) -> str | None:
    for e in EXTERNAL:
        ours = e.verified and e.system == code_system and e.means.startswith(f"{kind}:")
        if ours and code.startswith(e.code):  # the code itself or one below it
            return e.means.split(":", 1)[1]
    return None


def map_concept(kind: str, concept: Any) -> str | None:
    """The first coding that maps (Sclero's own, then ATC / ICD-10), as a Sclero or pseudo code."""
    vocabulary = KINDS[kind].codes()
    for c in _codings(concept):
        code_system, code = c.get("system"), c.get("code")
        if not isinstance(code, str) or not isinstance(code_system, str):
            continue
        if code_system == system(kind) and code in vocabulary:
            return code
        if code_system in (ATC, ICD10):
            found = _external(kind, code_system, code.strip().upper())
            if found:
                return found
    return None


def clinical_status(resource: dict[str, Any]) -> str | None:
    for c in _codings(resource.get("clinicalStatus")):
        if isinstance(c.get("code"), str):
            return str(c["code"])
    return None


def map_condition(resource: dict[str, Any]) -> tuple[Mapped, bool]:
    """The Sclero condition of a Condition, and whether it is active now."""
    found = map_concept("condition", resource.get("code"))
    status = clinical_status(resource)
    if found is None:
        return Mapped(None, "no Sclero code for this code system and code"), False
    if status is None:
        return Mapped(None, "no clinicalStatus: cannot tell an active from a past condition"), False
    active = status in ACTIVE_STATUSES
    if status not in ACTIVE_STATUSES | PAST_STATUSES:
        return Mapped(None, f"unknown clinicalStatus {status!r}"), False
    if found in ACUTE_OR_PAST:
        acute, past = ACUTE_OR_PAST[found]
        chosen = acute if active else past
        if chosen is None:
            return Mapped(None, "only an active episode has a Sclero code"), False
        return Mapped(chosen), True
    return Mapped(found), active


def map_other(kind: str, concept: Any) -> Mapped:
    found = map_concept(kind, concept)
    return Mapped(found) if found else Mapped(None, "no Sclero code for this code system and code")
