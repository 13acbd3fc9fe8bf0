"""Sclero's own FHIR CodeSystems (stable canonical URLs) and the external codes it may state.

Every Sclero code (regions, vein types, agents, techniques, decisions, …) is published as a FHIR
CodeSystem whose canonical URL is `CANONICAL/CodeSystem/<id>`; the app serves each one at
`/fhir/CodeSystem/<id>`. External codes (ATC, ICD-10) appear only in `EXTERNAL`, each with the
reason it is right and whether it was checked against a published list (docs/fhir.md)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sclero.adverse_events.choices import EventStatus, Outcome, Severity
from sclero.adverse_events.schemas import EVENT_TYPES
from sclero.charting.choices import SessionStatus
from sclero.core.choices import Choice
from sclero.exchange.elements import Frozen
from sclero.planning.choices import PlanStatus
from sclero.rules import vocabulary as v
from sclero.rules.vocabulary import label_of
from sclero.scheduling.choices import AppointmentKind, AppointmentStatus

CANONICAL = "https://sclero.invalid/fhir"
"""Base of Sclero's canonical URLs: an identifier, the same in every installation. `.invalid`
(RFC 6761) never resolves, so no one else's server can ever answer for it."""

ATC = "http://www.whocc.no/atc"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
MRN_SYSTEM = f"{CANONICAL}/identifier/mrn"
"""Sclero's record numbers (SC-000123): unique within one installation only."""
VERSION = "1.0.0"


def system(code_system_id: str) -> str:
    """The canonical URL of one of Sclero's CodeSystems."""
    return f"{CANONICAL}/CodeSystem/{code_system_id}"


OBSERVATION_CODES: dict[str, str] = {
    "vein-finding": "Vein finding on the body map (type, diameter, colour)",
    "vein-type": "Vein type",
    "vein-diameter": "Vein diameter",
    "vein-colour": "Vein colour",
    "ceap-limb": "CEAP classification of one limb",
    "ceap-c": "CEAP clinical class (C)",
    "ceap-e": "CEAP etiologic class (E)",
    "ceap-a": "CEAP anatomic class (A)",
    "ceap-p": "CEAP pathophysiologic class (P)",
    "duplex": "Duplex ultrasound of the legs",
    "reflux-saphenous": "Reflux in a saphenous trunk",
    "reflux-perforator": "Reflux in a perforator vein",
    "reflux-deep": "Reflux in the deep veins",
    "clearance": "Clearance of a treated region (0-3: 3 = 75-100 %)",
    "satisfaction": "Patient satisfaction (1 very unhappy - 5 very happy)",
    "screening-decision": "The protocol's screening decision at a medical evaluation",
}
CLEARANCE_LEVELS = {
    "0": "Under 25 % clear",
    "1": "25-50 % clear",
    "2": "50-75 % clear",
    "3": "75-100 % clear",
}
CEAP_C = {
    "C0": "No visible or palpable signs of venous disease",
    "C1": "Telangiectasias or reticular veins",
    "C2": "Varicose veins",
    "C2r": "Recurrent varicose veins",
    "C3": "Edema",
    "C4": "Changes in skin and subcutaneous tissue",
    "C4a": "Pigmentation or eczema",
    "C4b": "Lipodermatosclerosis or atrophie blanche",
    "C4c": "Corona phlebectatica",
    "C5": "Healed venous ulcer",
    "C6": "Active venous ulcer",
    "C6r": "Recurrent active venous ulcer",
}
PROCEDURE_CODES = {"sclerotherapy": "Sclerotherapy session (liquid or foam)"}
CONSENT_CODES = {"sclerotherapy-consent": "Informed consent to a sclerotherapy plan"}


def _from_choice(choice: type[Choice]) -> dict[str, str]:
    return {member.value: member.label for member in choice}


def _from_vocabulary(coded: type[v.Coded]) -> dict[str, str]:
    return {member.value: member.label for member in coded}


def _event_types() -> dict[str, str]:
    return {code: label_of(code) for code in EVENT_TYPES}


@dataclass(frozen=True)
class SystemDef:
    id: str
    title: str
    concepts: dict[str, str]


def _definitions() -> dict[str, SystemDef]:
    defs = [
        SystemDef("condition", "Medical-history conditions", _from_vocabulary(v.Condition)),
        SystemDef("medication", "Current medications (classes)", _from_vocabulary(v.Medication)),
        SystemDef("allergy", "Allergens", _from_vocabulary(v.Allergy)),
        SystemDef("side", "Body side", _from_vocabulary(v.Side)),
        SystemDef("region", "Body regions of the vein map", _from_vocabulary(v.Region)),
        SystemDef("vein-type", "Vein types", _from_vocabulary(v.VeinType)),
        SystemDef("agent", "Sclerosing agents", _from_vocabulary(v.Agent)),
        SystemDef("technique", "Sclerotherapy techniques", _from_vocabulary(v.Technique)),
        SystemDef("decision", "Screening decisions", _from_vocabulary(v.Decision)),
        SystemDef("referral", "Referral targets", _from_vocabulary(v.ReferralTarget)),
        SystemDef("symptom", "Symptoms after treatment", _from_vocabulary(v.Symptom)),
        SystemDef("triage-level", "Triage levels", _from_vocabulary(v.TriageLevel)),
        SystemDef("adverse-event-type", "Adverse event types", _event_types()),
        SystemDef("severity", "Adverse event severity", _from_choice(Severity)),
        SystemDef("event-outcome", "Adverse event outcome", _from_choice(Outcome)),
        SystemDef("event-status", "Adverse event status", _from_choice(EventStatus)),
        SystemDef("plan-status", "Treatment plan status", _from_choice(PlanStatus)),
        SystemDef("session-status", "Treatment session status", _from_choice(SessionStatus)),
        SystemDef("appointment-kind", "Kinds of visit", _from_choice(AppointmentKind)),
        SystemDef("appointment-status", "Appointment status", _from_choice(AppointmentStatus)),
        SystemDef("observation", "Sclero's observations", OBSERVATION_CODES),
        SystemDef("clearance-level", "Clearance scale of a treated region", CLEARANCE_LEVELS),
        SystemDef("ceap-c", "CEAP 2020 clinical classes (Lurie et al. 2020)", CEAP_C),
        SystemDef("procedure", "Sclero's procedures", PROCEDURE_CODES),
        SystemDef("consent", "Sclero's consents", CONSENT_CODES),
    ]
    return {d.id: d for d in defs}


SYSTEMS: dict[str, SystemDef] = _definitions()


@lru_cache(maxsize=4096)
def coding(code_system_id: str, code: str) -> Frozen:
    """A Coding in one of Sclero's CodeSystems, with the code's label as display (shared:
    built once per code, read-only)."""
    display = SYSTEMS[code_system_id].concepts.get(code) or label_of(code)
    return Frozen.of({"system": system(code_system_id), "code": code, "display": display})


def concept(code_system_id: str, code: str, *extra: dict[str, str]) -> dict[str, Any]:
    """A CodeableConcept: Sclero's coding first, then any stated external ones (shared when
    there are none: read-only)."""
    if not extra:
        return _concept(code_system_id, code)
    first = coding(code_system_id, code)
    return {"coding": [first, *extra], "text": first["display"]}


@lru_cache(maxsize=4096)
def _concept(code_system_id: str, code: str) -> Frozen:
    first = coding(code_system_id, code)
    return Frozen.of({"coding": [first], "text": first["display"]})


@lru_cache(maxsize=4096)
def coded(kind: str, code: str) -> Frozen:
    """The concept of a Sclero code with the verified external codings stated for it (e.g.
    `coded("agent", "polidocanol")` carries ATC C05BB02), shared and read-only."""
    return Frozen.of(concept(kind, code, *external_codings(f"{kind}:{code}")))


def code_system_resource(code_system_id: str) -> dict[str, Any]:
    """The FHIR CodeSystem resource the app serves at /fhir/CodeSystem/<id>."""
    definition = SYSTEMS[code_system_id]
    return {
        "resourceType": "CodeSystem",
        "id": definition.id,
        "url": system(definition.id),
        "version": VERSION,
        "name": "Sclero" + "".join(part.capitalize() for part in definition.id.split("-")),
        "title": definition.title,
        "status": "active",
        "publisher": "Sclero",
        "caseSensitive": True,
        "content": "complete",
        "count": len(definition.concepts),
        "concept": [{"code": c, "display": d} for c, d in definition.concepts.items()],
    }


@dataclass(frozen=True)
class External:
    """An external code Sclero states, and why: `verified` when checked against a published
    list of that code system; unverified ones are documented, never emitted or used."""

    system: str
    code: str
    display: str
    means: str  # "<kind>:<Sclero code>", e.g. "agent:polidocanol"
    verified: bool
    why: str


EXTERNAL: tuple[External, ...] = (
    External(ATC, "C05BB02", "Polidocanol", "agent:polidocanol", True,
             "WHO ATC group C05BB Sclerosing agents for local injection"),
    External(ATC, "C05BB04", "Sodium tetradecyl sulfate", "agent:sodium_tetradecyl_sulfate",
             True, "WHO ATC group C05BB Sclerosing agents for local injection"),
    External(ATC, "C05BB02", "Polidocanol", "allergy:polidocanol", True,
             "the substance of the allergy is the agent coded C05BB02"),
    External(ATC, "C05BB04", "Sodium tetradecyl sulfate", "allergy:sodium_tetradecyl_sulfate",
             True, "the substance of the allergy is the agent coded C05BB04"),
    External(ATC, "B01AA", "Vitamin K antagonists", "medication:anticoagulant", True,
             "WHO ATC B01A: vitamin K antagonists are anticoagulants"),
    External(ATC, "B01AB", "Heparin group", "medication:anticoagulant", True,
             "WHO ATC B01A: the heparin group are anticoagulants"),
    External(ATC, "B01AE", "Direct thrombin inhibitors", "medication:anticoagulant", True,
             "WHO ATC B01A: direct thrombin inhibitors are anticoagulants"),
    External(ATC, "B01AF", "Direct factor Xa inhibitors", "medication:anticoagulant", True,
             "WHO ATC B01A: direct factor Xa inhibitors are anticoagulants"),
    External(ATC, "B01AC", "Platelet aggregation inhibitors excl. heparin",
             "medication:antiplatelet", True, "WHO ATC B01AC is the antiplatelet group"),
    External(ATC, "G03AA", "Progestogens and estrogens, fixed combinations",
             "medication:oral_contraceptive", True,
             "WHO ATC G03A hormonal contraceptives for systemic use (combined pill)"),
    External(ATC, "G03AB", "Progestogens and estrogens, sequential preparations",
             "medication:oral_contraceptive", True,
             "WHO ATC G03A hormonal contraceptives for systemic use (combined pill)"),
    External(ATC, "G03F", "Progestogens and estrogens in combination",
             "medication:hormone_replacement_therapy", True,
             "WHO ATC: preparations for menopausal symptoms are classified in G03F"),
    External(ATC, "J01AA08", "Minocycline", "medication:minocycline", False,
             "tetracyclines J01AA; the 5th level was not re-checked against the WHO index"),
    External(ATC, "N01BB02", "Lidocaine", "allergy:lidocaine", False,
             "local anaesthetics, amides N01BB; the 5th level was not re-checked"),
    External(ICD10, "I26", "Pulmonary embolism", "condition:pulmonary_embolism", True,
             "WHO ICD-10 category I26; acute or past from the clinical status"),
    External(ICD10, "I80.1", "Phlebitis and thrombophlebitis of femoral vein",
             "condition:deep_vein_thrombosis", True,
             "WHO ICD-10 I80: a deep vein of the leg; acute or past from the clinical status"),
    External(ICD10, "I80.2", "Phlebitis and thrombophlebitis of other deep vessels of lower "
             "extremities", "condition:deep_vein_thrombosis", True,
             "WHO ICD-10 I80: deep veins of the leg; acute or past from the clinical status"),
    External(ICD10, "I80.0", "Phlebitis and thrombophlebitis of superficial vessels of lower "
             "extremities", "condition:acute_superficial_vein_thrombosis", True,
             "WHO ICD-10 I80.0; mapped only while active"),
    External(ICD10, "G43.1", "Migraine with aura", "condition:migraine_with_aura", False,
             "WHO ICD-10 G43 migraine; the subcategory was not re-checked"),
    External(ICD10, "J45", "Asthma", "condition:bronchial_asthma", False,
             "WHO ICD-10 J45; not re-checked against the published list"),
)  # fmt: skip


def external_codings(means: str) -> list[dict[str, str]]:
    """The verified external codings stated for a Sclero code (e.g. `agent:polidocanol`)."""
    return [
        {"system": e.system, "code": e.code, "display": e.display}
        for e in EXTERNAL
        if e.means == means and e.verified
    ]
