"""The charting part of a case document: a proposed injection and what was charted before."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sclero.rules import vocabulary as v
from sclero.rules.dose_facts import InjectionFacts
from sclero.rules.errors import CaseError
from sclero.rules.parsing import code, list_of, mapping, only
from sclero.rules.plausibility import as_number

_CHARTING_KEYS = {"charted", "injection"}
_INJECTION_KEYS = {
    "agent", "technique", "concentration_percent", "volume_ml", "vein_type", "finding_id",
    "liquid_gas_ratio",
}  # fmt: skip
_TECHNIQUES = frozenset({"liquid", "foam"})


@dataclass(frozen=True, slots=True)
class Charting:
    """A proposed injection and the injections already charted that day (the dose guard)."""

    charted: tuple[InjectionFacts, ...]
    injection: InjectionFacts


def parse_charting(value: Any, vein_types: dict[Any, str]) -> Charting:
    """The `session` part of a case; `vein_types` maps the case's finding ids to their type."""
    doc = mapping(value, "session")
    only(doc, _CHARTING_KEYS, "session")
    if doc.get("injection") is None:
        raise CaseError("session.injection", "give the injection to check")
    charted = tuple(
        _injection(item, f"session.charted[{i}]", vein_types)
        for i, item in enumerate(list_of(doc.get("charted"), "session.charted"))
    )
    return Charting(charted, _injection(doc["injection"], "session.injection", vein_types))


def _injection(value: Any, field: str, vein_types: dict[Any, str]) -> InjectionFacts:
    doc = mapping(value, field)
    only(doc, _INJECTION_KEYS, field)
    vein_type = doc.get("vein_type")
    finding_id = doc.get("finding_id")
    if finding_id is not None:
        usable = isinstance(finding_id, str | int) and not isinstance(finding_id, bool)
        vein_type = vein_types.get(finding_id) if usable else None
        if vein_type is None:
            raise CaseError(f"{field}.finding_id", "no finding of this case has this id")
    if vein_type is not None:
        vein_type = code(vein_type, v.VeinType.codes(), f"{field}.vein_type", "vein type")
    agent = code(doc.get("agent"), v.Agent.codes(), f"{field}.agent", "agent")
    technique = code(doc.get("technique"), _TECHNIQUES, f"{field}.technique", "technique")
    return InjectionFacts(
        agent=agent,
        technique=technique,
        concentration_percent=_positive(doc.get("concentration_percent"),
                                        f"{field}.concentration_percent"),
        volume_ml=_positive(doc.get("volume_ml"), f"{field}.volume_ml"),
        vein_type=vein_type,
        liquid_gas_ratio=_ratio(doc.get("liquid_gas_ratio"), technique, field),
    )  # fmt: skip


def _ratio(value: Any, technique: str, field: str) -> tuple[int, int] | None:
    """`"1:4"` or `[1, 4]`, foam only."""
    if value is None:
        return None
    where = f"{field}.liquid_gas_ratio"
    if technique != "foam":
        raise CaseError(where, "a liquid:gas ratio is only for foam")
    parts: Any = value.split(":") if isinstance(value, str) and len(value) <= 9 else value
    if isinstance(parts, list) and len(parts) == 2:
        if all(isinstance(p, str) and p.isascii() and p.isdigit() for p in parts):
            parts = [int(p) for p in parts]
        if all(isinstance(p, int) and not isinstance(p, bool) and 0 < p < 100 for p in parts):
            return (parts[0], parts[1])
    raise CaseError(where, 'expected liquid:gas as "1:4" (two whole numbers)')


def _positive(value: Any, field: str) -> float:
    if value is None:
        raise CaseError(field, "this value is required")
    number = as_number(value, field)
    if number <= 0:
        raise CaseError(field, "must be greater than 0")
    return number
