"""Synthetic clinical facts of one demo patient: coded history, screening answers, veins, duplex.

The rates are plausible for a sclerotherapy clinic's population (mostly healthy adults with
spider veins); they are demo data, not epidemiology.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from typing import Any

# Share of patients with each coded condition / medication / allergy.
CONDITION_RATES: tuple[tuple[str, float], ...] = (
    ("history_dvt", 0.03),
    ("history_pe", 0.008),
    ("thrombophilia", 0.01),
    ("migraine_with_aura", 0.04),
    ("bronchial_asthma", 0.05),
    ("allergic_diathesis", 0.015),
    ("active_cancer", 0.005),
    ("acute_superficial_vein_thrombosis", 0.004),
    ("local_infection_treatment_area", 0.004),
    ("asymptomatic_right_to_left_shunt", 0.005),
    ("severe_peripheral_arterial_disease", 0.004),
    ("poor_general_health", 0.004),
    ("uncontrolled_systemic_disease", 0.003),
    ("unstable_circulatory_condition", 0.002),
    ("immobility", 0.001),
    ("acute_dvt", 0.001),
)
ALLERGY_RATES: tuple[tuple[str, float], ...] = (
    ("polidocanol", 0.01),
    ("sodium_tetradecyl_sulfate", 0.005),
    ("lidocaine", 0.01),
    ("latex", 0.02),
    ("glycerin", 0.002),
    ("hypertonic_saline", 0.002),
)
LEG_REGIONS = (
    "thigh_anterior",
    "thigh_medial",
    "thigh_lateral",
    "thigh_posterior",
    "knee_anterior",
    "knee_posterior",
    "leg_anterior",
    "leg_medial",
    "leg_lateral",
    "leg_posterior",
    "ankle_medial",
    "ankle_lateral",
    "foot",
)
# Spider veins cluster on the lateral thigh, the knees and the calves.
LEG_WEIGHTS = (6, 5, 10, 5, 4, 6, 4, 6, 7, 6, 3, 3, 1)
VARICOSE_REGIONS = (
    "thigh_medial",
    "knee_posterior",
    "leg_medial",
    "leg_posterior",
    "thigh_posterior",
)
COLOURS = {
    "telangiectasia": ("red", "purple"),
    "reticular": ("blue", "purple"),
    "varicose": ("blue",),
    "saphenous_trunk": ("blue",),
    "perforator": ("blue",),
    "recurrent": ("blue",),
}
CEAP = {
    "telangiectasia": "C1",
    "reticular": "C1",
    "varicose": "C2",
    "saphenous_trunk": "C2",
    "perforator": "C2",
    "recurrent": "C2r",
}


@dataclass
class Finding:
    id: int
    side: str
    region: str
    vein_type: str
    diameter_mm: float
    derived: bool

    def case(self) -> dict[str, Any]:
        """The finding as the engine's case document lists it."""
        return {
            "id": str(self.id),
            "side": self.side,
            "region": self.region,
            "vein_type": self.vein_type,
            "diameter_mm": self.diameter_mm,
        }


@dataclass
class Profile:
    """Screening answers and coded history of one patient."""

    conditions: list[str] = field(default_factory=list)
    medications: list[str] = field(default_factory=list)
    allergies: list[str] = field(default_factory=list)
    pregnant: bool = False
    breastfeeding: bool = False

    def answers(self, weight_kg: float) -> dict[str, Any]:
        return {
            "weight_kg": weight_kg,
            "pregnant": self.pregnant,
            "breastfeeding": self.breastfeeding,
            "conditions": list(self.conditions),
            "medications": list(self.medications),
            "allergies": list(self.allergies),
        }


def make_profile(rng: random.Random, sex: str, age: int) -> Profile:
    profile = Profile(
        conditions=[code for code, rate in CONDITION_RATES if rng.random() < rate],
        allergies=[code for code, rate in ALLERGY_RATES if rng.random() < rate],
    )
    female = sex == "female"
    if female and age < 50 and rng.random() < 0.26:
        profile.medications.append("oral_contraceptive")
    if female and age >= 45 and rng.random() < 0.12:
        profile.medications.append("hormone_replacement_therapy")
    clot_history = {"history_dvt", "history_pe", "thrombophilia"} & set(profile.conditions)
    if rng.random() < (0.5 if clot_history else 0.012):
        profile.medications.append("anticoagulant")
    if rng.random() < (0.08 if age >= 60 else 0.015):
        profile.medications.append("antiplatelet")
    if rng.random() < 0.005:
        profile.medications.append("minocycline")
    if female and 25 <= age < 45:
        profile.pregnant = rng.random() < 0.02
        profile.breastfeeding = not profile.pregnant and rng.random() < 0.02
    return profile


def history_rows(
    profile: Profile, patient_id: int, ids: Any, on: date
) -> dict[str, list[dict[str, Any]]]:
    """The coded history rows the intake records (as the patients service writes them)."""
    return {
        "patient_history": [
            {
                "id": ids.next("patient_history"),
                "patient_id": patient_id,
                "condition": code,
                "active": True,
                "since": None,
                "notes": None,
            }
            for code in profile.conditions
        ],
        "patient_medications": [
            {
                "id": ids.next("patient_medications"),
                "patient_id": patient_id,
                "medication": code,
                "notes": None,
            }
            for code in profile.medications
        ],
        "patient_allergies": [
            {
                "id": ids.next("patient_allergies"),
                "patient_id": patient_id,
                "allergen": code,
                "reaction": "rash and itching" if code in {"latex", "lidocaine"} else None,
            }
            for code in profile.allergies
        ],
    }


def _diameter(rng: random.Random, vein_type: str) -> float:
    low, high = {
        "telangiectasia": (0.2, 0.9),
        "reticular": (1.0, 2.9),
        "varicose": (3.0, 7.5),
        "saphenous_trunk": (5.0, 10.0),
        "perforator": (3.5, 6.0),
        "recurrent": (3.0, 8.0),
    }[vein_type]
    return round(rng.uniform(low, high), 1)


def _vein_type(rng: random.Random, kind: str) -> str:
    roll = rng.random()
    if kind == "spider":
        return "telangiectasia" if roll < 0.7 else "reticular"
    # a patient with larger veins: still mostly small veins beside them
    if roll < 0.4:
        return "telangiectasia"
    if roll < 0.7:
        return "reticular"
    return "varicose"


def make_findings(rng: random.Random, first_id: int) -> list[Finding]:
    """1–6 vein findings; mostly spider and reticular veins on the legs, a few larger veins."""
    count = rng.choices((1, 2, 3, 4, 5, 6), weights=(14, 24, 25, 18, 11, 8))[0]
    kind = "spider" if rng.random() < 0.82 else "larger"
    findings: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for _ in range(count * 3):  # retry on a region already recorded
        if len(findings) == count:
            break
        vein_type = _vein_type(rng, kind)
        if kind == "larger" and not findings:
            vein_type = "varicose"
            if rng.random() < 0.06:
                vein_type = rng.choice(("saphenous_trunk", "perforator"))
            elif rng.random() < 0.1:
                vein_type = "recurrent"  # after earlier treatment: refer / foam by a specialist
        side = rng.choice(("left", "right"))
        if vein_type in {"varicose", "saphenous_trunk", "perforator", "recurrent"}:
            region = rng.choice(VARICOSE_REGIONS)
        elif rng.random() < 0.02:
            region, side = "face", rng.choice(("left", "right", "midline"))
        else:
            region = rng.choices(LEG_REGIONS, weights=LEG_WEIGHTS)[0]
        if (side, region) in seen:
            continue
        seen.add((side, region))
        named = vein_type in {"saphenous_trunk", "perforator", "recurrent"}
        findings.append(
            Finding(
                id=first_id + len(findings),
                side=side,
                region=region,
                vein_type=vein_type,
                diameter_mm=_diameter(rng, vein_type),
                derived=not named and rng.random() < 0.3,
            )
        )
    return findings


def finding_row(finding: Finding, patient_id: int, at: Any, by: int) -> dict[str, Any]:
    return {
        "id": finding.id,
        "patient_id": patient_id,
        "side": finding.side,
        "region": finding.region,
        "vein_type": finding.vein_type,
        "vein_type_derived": finding.derived,
        "diameter_mm": finding.diameter_mm,
        "colour": COLOURS[finding.vein_type][0]
        if finding.vein_type != "telangiectasia"
        else ("red" if finding.diameter_mm < 0.5 else "purple"),
        "ceap_class": CEAP[finding.vein_type],
        "notes": None,
        "recorded_at": at,
        "recorded_by_id": by,
        "active": True,
    }


def make_duplex(rng: random.Random) -> dict[str, bool]:
    """Reflux findings of a duplex scan of a patient with larger veins."""
    return {
        "saphenous_reflux": rng.random() < 0.22,
        "perforator_reflux": rng.random() < 0.07,
        "deep_reflux": rng.random() < 0.03,
    }
