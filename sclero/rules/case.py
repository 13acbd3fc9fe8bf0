"""The case the engine evaluates (patient, vein findings, duplex, history) and its strict parser.

`parse_case` refuses anything it would have to guess — an unknown code, a weight of zero, a vein
type that contradicts the diameter — with a CaseError naming the field. An unanswered safety
question (pregnancy, breastfeeding: null or missing) stays unanswered (None), never "no".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sclero.rules import vocabulary as v
from sclero.rules.charting_case import Charting, parse_charting
from sclero.rules.errors import CaseError
from sclero.rules.loading import default_protocol
from sclero.rules.parsing import answer, bool_of, code, codes, list_of, mapping, only, optional_date
from sclero.rules.plausibility import plausible
from sclero.rules.protocol import Protocol

CONDITIONS = v.Condition.codes()
MEDICATIONS = v.Medication.codes()
ALLERGIES = v.Allergy.codes()
REGIONS = v.Region.codes()
SIDES = v.Side.codes()
SEXES = v.Sex.codes()
VEIN_TYPES = v.VeinType.codes()

_CASE_KEYS = {
    "patient", "findings", "duplex", "previous_sessions", "proposed_date", "symptoms", "session",
}  # fmt: skip
_PATIENT_KEYS = {
    "age_years", "sex", "weight_kg", "pregnant", "breastfeeding",
    "conditions", "medications", "allergies",
}  # fmt: skip
_FINDING_KEYS = {"id", "side", "region", "vein_type", "diameter_mm"}
_DUPLEX_KEYS = {"performed", "saphenous_reflux", "perforator_reflux", "deep_reflux"}
_SESSION_KEYS = {"date", "regions"}
_REFLUX_KEYS = ("saphenous_reflux", "perforator_reflux", "deep_reflux")


@dataclass(frozen=True, slots=True)
class Patient:
    """The facts about the patient that screening and dosing need."""

    age_years: int
    weight_kg: float
    sex: str = "unknown"
    pregnant: bool | None = None  # None: not yet answered (the engine defers)
    breastfeeding: bool | None = None
    conditions: tuple[str, ...] = ()
    medications: tuple[str, ...] = ()
    allergies: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class VeinFinding:
    """One vein (or group of veins) to treat; `vein_type` comes from the diameter if absent."""

    id: str | int
    side: str
    region: str
    vein_type: str
    diameter_mm: float | None = None


@dataclass(frozen=True, slots=True)
class Duplex:
    """The result of a duplex ultrasound examination, if one was done."""

    performed: bool
    saphenous_reflux: bool = False
    perforator_reflux: bool = False
    deep_reflux: bool = False


class PreviousSession:
    """A session already done: its date and the regions treated."""

    __slots__ = ("date", "regions")

    def __init__(self, date: date, regions: Iterable[str]) -> None:
        self.date = date
        self.regions: frozenset[str] = frozenset(regions)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PreviousSession):
            return NotImplemented
        return self.date == other.date and self.regions == other.regions

    def __hash__(self) -> int:
        return hash((self.date, self.regions))

    def __repr__(self) -> str:
        return f"PreviousSession(date={self.date!r}, regions={sorted(self.regions)!r})"


@dataclass(frozen=True, slots=True)
class Case:
    """Everything the engine needs to screen and plan one proposed session; optionally the
    symptoms reported after a session (triage) and an injection to check while charting."""

    patient: Patient
    findings: tuple[VeinFinding, ...] = ()
    duplex: Duplex | None = None
    previous_sessions: tuple[PreviousSession, ...] = ()
    proposed_date: date | None = None
    symptoms: tuple[str, ...] | None = None
    charting: Charting | None = None


def classify_vein(diameter_mm: float, protocol: Protocol | None = None) -> v.VeinType:
    """The vein type of a vein of this diameter (CEAP2020 thresholds of the protocol)."""
    p = protocol or default_protocol()
    return v.VeinType(p.classify(plausible(diameter_mm, "diameter_mm", p)))


def parse_case(document: Mapping[str, Any], protocol: Protocol | None = None) -> Case:
    """Validate a case document (the public contract) and build a Case; CaseError if bad."""
    protocol = protocol or default_protocol()
    doc = mapping(document, "case")
    only(doc, _CASE_KEYS, "")
    if "patient" not in doc:
        raise CaseError("patient", "the patient is missing")
    proposed = _plannable(optional_date(doc.get("proposed_date"), "proposed_date"), protocol)
    findings = tuple(
        _finding(item, f"findings[{i}]", protocol)
        for i, item in enumerate(list_of(doc.get("findings"), "findings"))
    )
    _unique_ids(findings)
    duplex = None if doc.get("duplex") is None else _duplex(doc["duplex"])
    sessions = tuple(
        _session(item, f"previous_sessions[{i}]", proposed, protocol)
        for i, item in enumerate(list_of(doc.get("previous_sessions"), "previous_sessions"))
    )
    symptoms = None
    if doc.get("symptoms") is not None:
        symptoms = codes(doc["symptoms"], v.Symptom.codes(), "symptoms", "symptom")
    charting = None
    if doc.get("session") is not None:
        charting = parse_charting(doc["session"], {f.id: f.vein_type for f in findings})
    patient = _patient(doc["patient"], protocol)
    return Case(patient, findings, duplex, sessions, proposed, symptoms, charting)


def _patient(value: Any, protocol: Protocol) -> Patient:
    doc = mapping(value, "patient")
    only(doc, _PATIENT_KEYS, "patient")
    for key in ("age_years", "weight_kg"):
        if doc.get(key) is None:
            raise CaseError(f"patient.{key}", "this value is required")
    age = doc["age_years"]
    if isinstance(age, bool) or not isinstance(age, int):
        raise CaseError("patient.age_years", "give the age in whole years")
    plausible(age, "age_years", protocol, "patient.age_years")
    weight = plausible(doc["weight_kg"], "weight_kg", protocol, "patient.weight_kg")
    sex = doc.get("sex") or "unknown"
    return Patient(
        age_years=age,
        weight_kg=weight,
        sex=code(sex, SEXES, "patient.sex", "sex"),
        pregnant=answer(doc, "pregnant", "patient"),
        breastfeeding=answer(doc, "breastfeeding", "patient"),
        conditions=codes(doc.get("conditions"), CONDITIONS, "patient.conditions", "condition"),
        medications=codes(doc.get("medications"), MEDICATIONS, "patient.medications", "medication"),
        allergies=codes(doc.get("allergies"), ALLERGIES, "patient.allergies", "allergy"),
    )


def _finding(value: Any, field: str, protocol: Protocol) -> VeinFinding:
    doc = mapping(value, field)
    only(doc, _FINDING_KEYS, field)
    finding_id = doc.get("id")
    if isinstance(finding_id, bool) or not isinstance(finding_id, str | int) or finding_id == "":
        raise CaseError(f"{field}.id", "each finding needs an id (text or number)")
    side = code(doc.get("side"), SIDES, f"{field}.side", "side")
    region = code(doc.get("region"), REGIONS, f"{field}.region", "region")
    raw_diameter = doc.get("diameter_mm")
    diameter = None
    if raw_diameter is not None:
        diameter = plausible(raw_diameter, "diameter_mm", protocol, f"{field}.diameter_mm")
    if doc.get("vein_type") is None:
        if diameter is None:
            raise CaseError(f"{field}.diameter_mm", "give the diameter (or the vein type)")
        return VeinFinding(finding_id, side, region, protocol.classify(diameter), diameter)
    vein_type = code(doc["vein_type"], VEIN_TYPES, f"{field}.vein_type", "vein type")
    if diameter is not None and vein_type in protocol.diameter_vein_types:
        by_diameter = protocol.classify(diameter)
        if by_diameter != vein_type:
            raise CaseError(
                f"{field}.vein_type",
                f"{vein_type} does not match the diameter {diameter:g} mm, which is "
                f"{by_diameter}; correct the vein type or the diameter",
            )
    return VeinFinding(finding_id, side, region, vein_type, diameter)


def _unique_ids(findings: tuple[VeinFinding, ...]) -> None:
    seen: set[str | int] = set()
    for index, finding in enumerate(findings):
        if finding.id in seen:
            raise CaseError(f"findings[{index}].id", f"the id {finding.id!r} is used twice")
        seen.add(finding.id)


def _duplex(value: Any) -> Duplex:
    doc = mapping(value, "duplex")
    only(doc, _DUPLEX_KEYS, "duplex")
    if "performed" not in doc:
        raise CaseError("duplex.performed", "say whether a duplex ultrasound was done")
    performed = bool_of(doc, "performed", "duplex")
    refluxes = {key: bool_of(doc, key, "duplex") for key in _REFLUX_KEYS}
    if not performed:
        for key, present in refluxes.items():
            if present:
                raise CaseError(
                    f"duplex.{key}", "reflux is recorded but the duplex was not performed"
                )
    return Duplex(performed, *refluxes.values())


def _session(value: Any, field: str, proposed: date | None, protocol: Protocol) -> PreviousSession:
    doc = mapping(value, field)
    only(doc, _SESSION_KEYS, field)
    when = _plannable(optional_date(doc.get("date"), f"{field}.date"), protocol, f"{field}.date")
    if when is None:
        raise CaseError(f"{field}.date", "the date of the session is required")
    if proposed is not None and when > proposed:
        raise CaseError(f"{field}.date", f"{when.isoformat()} is after the proposed date")
    regions = codes(doc.get("regions"), REGIONS, f"{field}.regions", "region")
    if not regions:
        raise CaseError(f"{field}.regions", "name at least one treated region")
    return PreviousSession(when, regions)


def _plannable(when: date | None, protocol: Protocol, field: str = "proposed_date") -> date | None:
    """A session date the engine can count forward from: the protocol's interval and follow-up
    must still land on a calendar date (year 9999 leaves no room: a typing slip)."""
    room = timedelta(days=max(protocol.interval_days, protocol.follow_up_days))
    if when is not None and when > date.max - room:
        raise CaseError(field, "this date is too far in the future to plan from; check the year")
    return when
