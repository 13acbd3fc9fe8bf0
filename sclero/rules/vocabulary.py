"""The clinical vocabulary of Sclero: stable codes with their labels (docs/clinical-reference.md).

Codes are what data, protocol, API and tests use; labels are for people. Every other part of
Sclero takes its codes from here, so one word means one thing in tables, code, API and UI.
"""

from __future__ import annotations

from enum import StrEnum


class Coded(StrEnum):
    """A code with a human label; `label` falls back to the code made readable."""

    @property
    def label(self) -> str:
        return _LABELS.get(self.value, self.value.replace("_", " ").capitalize())

    @classmethod
    def codes(cls) -> frozenset[str]:
        return frozenset(member.value for member in cls)


class Condition(Coded):
    ACUTE_DVT = "acute_dvt"
    ACUTE_PE = "acute_pe"
    HISTORY_DVT = "history_dvt"
    HISTORY_PE = "history_pe"
    ACUTE_SUPERFICIAL_VEIN_THROMBOSIS = "acute_superficial_vein_thrombosis"
    THROMBOPHILIA = "thrombophilia"
    ACTIVE_CANCER = "active_cancer"
    LOCAL_INFECTION_TREATMENT_AREA = "local_infection_treatment_area"
    SEVERE_SYSTEMIC_INFECTION = "severe_systemic_infection"
    IMMOBILITY = "immobility"
    SYMPTOMATIC_RIGHT_TO_LEFT_SHUNT = "symptomatic_right_to_left_shunt"
    ASYMPTOMATIC_RIGHT_TO_LEFT_SHUNT = "asymptomatic_right_to_left_shunt"
    NEUROLOGICAL_EVENT_AFTER_FOAM = "neurological_event_after_foam"
    MIGRAINE_WITH_AURA = "migraine_with_aura"
    SEVERE_PERIPHERAL_ARTERIAL_DISEASE = "severe_peripheral_arterial_disease"
    UNSTABLE_CIRCULATORY_CONDITION = "unstable_circulatory_condition"
    POOR_GENERAL_HEALTH = "poor_general_health"
    BRONCHIAL_ASTHMA = "bronchial_asthma"
    ALLERGIC_DIATHESIS = "allergic_diathesis"
    UNCONTROLLED_SYSTEMIC_DISEASE = "uncontrolled_systemic_disease"


class Medication(Coded):
    ORAL_CONTRACEPTIVE = "oral_contraceptive"
    HORMONE_REPLACEMENT_THERAPY = "hormone_replacement_therapy"
    ANTICOAGULANT = "anticoagulant"
    ANTIPLATELET = "antiplatelet"
    MINOCYCLINE = "minocycline"


class Allergy(Coded):
    POLIDOCANOL = "polidocanol"
    SODIUM_TETRADECYL_SULFATE = "sodium_tetradecyl_sulfate"
    HYPERTONIC_SALINE = "hypertonic_saline"
    GLYCERIN = "glycerin"
    LIDOCAINE = "lidocaine"
    LATEX = "latex"


class Side(Coded):
    LEFT = "left"
    RIGHT = "right"
    MIDLINE = "midline"


class Region(Coded):
    THIGH_ANTERIOR = "thigh_anterior"
    THIGH_MEDIAL = "thigh_medial"
    THIGH_LATERAL = "thigh_lateral"
    THIGH_POSTERIOR = "thigh_posterior"
    KNEE_ANTERIOR = "knee_anterior"
    KNEE_POSTERIOR = "knee_posterior"
    LEG_ANTERIOR = "leg_anterior"
    LEG_MEDIAL = "leg_medial"
    LEG_LATERAL = "leg_lateral"
    LEG_POSTERIOR = "leg_posterior"
    ANKLE_MEDIAL = "ankle_medial"
    ANKLE_LATERAL = "ankle_lateral"
    FOOT = "foot"
    FACE = "face"
    OTHER = "other"


class VeinType(Coded):
    TELANGIECTASIA = "telangiectasia"
    RETICULAR = "reticular"
    VARICOSE = "varicose"
    SAPHENOUS_TRUNK = "saphenous_trunk"
    PERFORATOR = "perforator"
    RECURRENT = "recurrent"  # recurrent varicose veins after earlier treatment (CEAP C2r)


class Agent(Coded):
    POLIDOCANOL = "polidocanol"
    SODIUM_TETRADECYL_SULFATE = "sodium_tetradecyl_sulfate"


class Technique(Coded):
    LIQUID = "liquid"
    FOAM = "foam"
    REFER = "refer"


class Decision(Coded):
    """Screening decisions; `STRICTNESS` orders them, strictest first."""

    CONTRAINDICATED = "contraindicated"
    DEFER = "defer"
    REFER = "refer"
    ELIGIBLE_WITH_PRECAUTIONS = "eligible_with_precautions"
    ELIGIBLE = "eligible"


STRICTNESS: tuple[Decision, ...] = tuple(Decision)


class FindingKind(Coded):
    ABSOLUTE = "absolute"
    RELATIVE = "relative"
    PRECAUTION = "precaution"
    INFO = "info"


class AppliesTo(Coded):
    ALL = "all"
    FOAM = "foam"
    LIQUID = "liquid"


class ReferralTarget(Coded):
    DUPLEX_ULTRASOUND = "duplex_ultrasound"
    ENDOVENOUS_ABLATION = "endovenous_ablation"
    VASCULAR_SURGERY = "vascular_surgery"
    PHYSICIAN_REVIEW = "physician_review"
    URGENT_CARE = "urgent_care"


class Symptom(Coded):
    CHEST_PAIN = "chest_pain"
    BREATHLESSNESS = "breathlessness"
    COUGHING_BLOOD = "coughing_blood"
    CALF_PAIN_SWELLING = "calf_pain_swelling"
    VISUAL_DISTURBANCE = "visual_disturbance"
    NEUROLOGICAL_DEFICIT = "neurological_deficit"
    SEVERE_HEADACHE = "severe_headache"
    FAINTING = "fainting"
    GENERALISED_ALLERGIC_REACTION = "generalised_allergic_reaction"
    PAINFUL_LUMP = "painful_lump"
    SKIN_ULCERATION = "skin_ulceration"
    SPREADING_REDNESS = "spreading_redness"
    BRUISING = "bruising"
    INJECTION_SITE_PAIN = "injection_site_pain"
    ITCHING = "itching"
    HYPERPIGMENTATION = "hyperpigmentation"
    MATTING = "matting"


class TriageLevel(Coded):
    URGENT_CARE = "urgent_care"
    CONTACT_CLINIC = "contact_clinic"
    ROUTINE = "routine"


class Sex(Coded):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


_LABELS: dict[str, str] = {
    "acute_dvt": "Acute deep vein thrombosis",
    "acute_pe": "Acute pulmonary embolism",
    "history_dvt": "Deep vein thrombosis in the past",
    "history_pe": "Pulmonary embolism in the past",
    "acute_superficial_vein_thrombosis": "Superficial thrombophlebitis now",
    "thrombophilia": "Known thrombophilia / hypercoagulable state",
    "active_cancer": "Active malignancy",
    "local_infection_treatment_area": "Skin infection where treatment is planned",
    "severe_systemic_infection": "Severe generalised infection",
    "immobility": "Long-lasting immobility or bedridden",
    "symptomatic_right_to_left_shunt": "Symptomatic right-to-left shunt (e.g. PFO)",
    "asymptomatic_right_to_left_shunt": "Right-to-left shunt without symptoms",
    "neurological_event_after_foam": "Visual/neurological disturbance after earlier foam",
    "migraine_with_aura": "Migraine with aura",
    "severe_peripheral_arterial_disease": "Severe peripheral arterial disease",
    "unstable_circulatory_condition": "Unstable circulation (e.g. decompensated heart failure)",
    "poor_general_health": "Poor general health",
    "bronchial_asthma": "Bronchial asthma",
    "allergic_diathesis": "Strong predisposition to allergies",
    "uncontrolled_systemic_disease": "Uncontrolled systemic disease",
    "oral_contraceptive": "Oral contraceptive pill",
    "hormone_replacement_therapy": "Hormone replacement therapy",
    "anticoagulant": "Anticoagulant",
    "antiplatelet": "Antiplatelet drug",
    "sodium_tetradecyl_sulfate": "Sodium tetradecyl sulfate (STS)",
    "leg_posterior": "Leg posterior (calf)",
    "eligible_with_precautions": "Eligible with precautions",
    "urgent_care": "Urgent care",
    "contact_clinic": "Contact the clinic",
    "duplex_ultrasound": "Duplex ultrasound",
    "endovenous_ablation": "Endovenous ablation",
    "physician_review": "Physician review",
    "recurrent": "Recurrent varicose vein",
}


DATE_FORMAT = "%d %b %Y"  # how the clinic writes a date in messages and pages: 29 Dec 2026


def label_of(code: str) -> str:
    """The label of any vocabulary code (the code made readable when it has none)."""
    return _LABELS.get(code, code.replace("_", " ").capitalize())
