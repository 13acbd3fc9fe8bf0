"""The shipped protocol against the clinical reference, row by row (scenario → expected result)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from sclero.rules import (
    InjectionFacts,
    PreviousSession,
    check_injection,
    check_interval,
    classify_vein,
    default_protocol,
    evaluate_document,
    session_limits,
    triage,
)

CaseFactory = Callable[..., dict[str, Any]]
PROTOCOL = default_protocol()
DOCS = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"

# (where in the case, code, finding code, kind, applies_to, decision for liquid spider/reticular
#  veins, confirmed). Decision "eligible" for foam-only rules: liquid is not blocked.
ABS, REL, PRE = "absolute", "relative", "precaution"
ALL, FOAM = "all", "foam"
CI, DEFER, REFER, EWP, OK = (
    "contraindicated", "defer", "refer", "eligible_with_precautions", "eligible",
)  # fmt: skip
STS = "sodium_tetradecyl_sulfate"
COND, MED, ALG = "conditions", "medications", "allergies"

CONTRAINDICATIONS = [
    (ALG, "polidocanol", "allergy_polidocanol", ABS, ALL, EWP, True),
    (ALG, STS, "allergy_sodium_tetradecyl_sulfate", ABS, ALL, EWP, True),
    (ALG, "hypertonic_saline", "allergy_hypertonic_saline", ABS, ALL, EWP, True),
    (ALG, "glycerin", "allergy_glycerin", ABS, ALL, EWP, True),
    (ALG, "lidocaine", "allergy_lidocaine", PRE, ALL, EWP, False),
    (ALG, "latex", "allergy_latex", PRE, ALL, EWP, False),
    (COND, "acute_dvt", "acute_dvt", ABS, ALL, CI, True),
    (COND, "acute_pe", "acute_pe", ABS, ALL, CI, True),
    (COND, "local_infection_treatment_area", "local_infection_treatment_area", ABS, ALL, DEFER,
     True),
    (COND, "severe_systemic_infection", "severe_systemic_infection", ABS, ALL, DEFER, True),
    (COND, "immobility", "immobility", ABS, ALL, CI, True),
    (COND, "symptomatic_right_to_left_shunt", "symptomatic_right_to_left_shunt", ABS, FOAM, OK,
     False),
    (COND, "unstable_circulatory_condition", "unstable_circulatory_condition", ABS, ALL, DEFER,
     True),
    (COND, "uncontrolled_systemic_disease", "uncontrolled_systemic_disease", ABS, ALL, DEFER,
     True),
    ("pregnant", True, "pregnancy", REL, ALL, DEFER, True),
    ("breastfeeding", True, "breastfeeding", REL, ALL, EWP, False),
    (COND, "history_dvt", "history_dvt", REL, ALL, REFER, True),
    (COND, "history_pe", "history_pe", REL, ALL, REFER, True),
    (COND, "thrombophilia", "thrombophilia", REL, ALL, REFER, True),
    (COND, "active_cancer", "active_cancer", REL, ALL, REFER, True),
    # sources disagree (SEED-000 vs UIP2023): a setting, the safer default
    (MED, "oral_contraceptive", "oral_contraceptive", REL, ALL, CI, True),
    (MED, "hormone_replacement_therapy", "hormone_replacement_therapy", REL, ALL, REFER,
     True),
    (COND, "acute_superficial_vein_thrombosis", "acute_superficial_vein_thrombosis", REL, ALL,
     REFER, True),
    (COND, "severe_peripheral_arterial_disease", "severe_peripheral_arterial_disease", REL, ALL,
     REFER, True),
    (COND, "poor_general_health", "poor_general_health", REL, ALL, REFER, True),
    (COND, "allergic_diathesis", "allergic_diathesis", REL, ALL, REFER, True),
    (COND, "bronchial_asthma", "bronchial_asthma", REL, ALL, REFER, True),
    (COND, "neurological_event_after_foam", "neurological_event_after_foam", REL, FOAM, OK, False),
    (COND, "asymptomatic_right_to_left_shunt", "asymptomatic_right_to_left_shunt", REL, FOAM, OK,
     True),
    (COND, "migraine_with_aura", "migraine_with_aura", REL, FOAM, OK, True),
    (MED, "anticoagulant", "anticoagulant", PRE, ALL, EWP, True),
    (MED, "antiplatelet", "antiplatelet", PRE, ALL, EWP, True),
]  # fmt: skip


def _with(make_case: CaseFactory, where: str, code: object) -> dict[str, Any]:
    return make_case(**{where: code if isinstance(code, bool) else [code]})


@pytest.mark.parametrize(
    ("where", "code", "finding", "kind", "applies_to", "decision", "confirmed"),
    CONTRAINDICATIONS,
    ids=[row[2] for row in CONTRAINDICATIONS],
)
def test_contraindication(
    make_case: CaseFactory,
    where: str,
    code: object,
    finding: str,
    kind: str,
    applies_to: str,
    decision: str,
    confirmed: bool,
) -> None:
    result = evaluate_document(_with(make_case, where, code))
    (found,) = result["screening"]["findings"]
    assert (found["code"], found["kind"], found["applies_to"]) == (finding, kind, applies_to)
    assert found["confirmed"] is confirmed
    assert found["sources"]
    assert found["message"]
    assert result["screening"]["decision"] == decision


def test_every_rule_of_the_shipped_protocol_is_in_the_table() -> None:
    assert {row[2] for row in CONTRAINDICATIONS} == {
        r.code for r in PROTOCOL.spec.contraindications
    }


def test_minocycline_has_no_rule_in_the_reference(make_case: CaseFactory) -> None:
    result = evaluate_document(make_case(medications=["minocycline"]))
    assert result["screening"]["decision"] == "eligible"
    assert result["screening"]["findings"] == []


@pytest.mark.parametrize(
    ("code", "decision"),
    [
        ("symptomatic_right_to_left_shunt", "eligible_with_precautions"),
        ("neurological_event_after_foam", "eligible_with_precautions"),
        ("asymptomatic_right_to_left_shunt", "eligible_with_precautions"),
        ("migraine_with_aura", "eligible_with_precautions"),
    ],
)
def test_foam_only_rules_switch_varicose_foam_to_liquid(
    make_case: CaseFactory, code: str, decision: str
) -> None:
    document = make_case(conditions=[code])
    document["findings"] = [
        {"id": "v", "side": "right", "region": "leg_medial", "diameter_mm": 4.0}
    ]
    document["duplex"] = {"performed": True}
    result = evaluate_document(document)
    assert result["plan"]["items"][0]["technique"] == "liquid"
    assert result["screening"]["decision"] == decision


# (vein type, agent, technique, min %, max %); None min = "up to" in the reference
CONCENTRATIONS = [
    ("telangiectasia", "polidocanol", "liquid", 0.25, 0.5),
    ("telangiectasia", "polidocanol", "foam", None, 0.5),
    ("telangiectasia", "sodium_tetradecyl_sulfate", "liquid", 0.1, 0.2),
    ("telangiectasia", "sodium_tetradecyl_sulfate", "foam", None, 0.25),
    ("reticular", "polidocanol", "liquid", 0.5, 1.0),
    ("reticular", "polidocanol", "foam", None, 0.5),
    ("reticular", "sodium_tetradecyl_sulfate", "liquid", 0.2, 0.5),
    ("reticular", "sodium_tetradecyl_sulfate", "foam", None, 0.5),
    ("varicose", "polidocanol", "liquid", 1.0, 3.0),
    ("varicose", "polidocanol", "foam", None, 2.0),
    ("varicose", "sodium_tetradecyl_sulfate", "liquid", 0.5, 3.0),
    ("varicose", "sodium_tetradecyl_sulfate", "foam", None, 1.0),
    ("saphenous_trunk", "polidocanol", "foam", 1.0, 3.0),
    ("saphenous_trunk", "sodium_tetradecyl_sulfate", "foam", 1.0, 3.0),
    ("perforator", "polidocanol", "foam", 1.0, 3.0),
    ("perforator", "sodium_tetradecyl_sulfate", "foam", 1.0, 3.0),
    ("recurrent", "polidocanol", "foam", 1.0, 3.0),
    ("recurrent", "sodium_tetradecyl_sulfate", "foam", 1.0, 3.0),
]


@pytest.mark.parametrize(("vein_type", "agent", "technique", "low", "high"), CONCENTRATIONS)
def test_concentration_row(
    vein_type: str, agent: str, technique: str, low: float | None, high: float
) -> None:
    row = PROTOCOL.concentrations[(vein_type, agent, technique)]
    assert (row.min, row.max) == (low, high)
    assert "EG2014" in row.sources
    assert row.confirmed is False  # EG2014 ranges are [U]


def test_no_liquid_range_for_trunks_and_perforators() -> None:
    assert len(PROTOCOL.concentrations) == len(CONCENTRATIONS)
    for vein_type in ("saphenous_trunk", "perforator"):
        for agent in ("polidocanol", "sodium_tetradecyl_sulfate"):
            assert (vein_type, agent, "liquid") not in PROTOCOL.concentrations


@pytest.mark.parametrize(
    ("vein_type", "diameter", "technique"),
    [
        ("telangiectasia", 0.5, "liquid"),
        ("reticular", 2.0, "liquid"),
        ("varicose", 4.0, "foam"),
        ("saphenous_trunk", None, "refer"),
        ("perforator", None, "refer"),
    ],
)
def test_planned_technique_per_vein_type(
    make_case: CaseFactory, vein_type: str, diameter: float | None, technique: str
) -> None:
    document = make_case()
    finding: dict[str, Any] = {
        "id": "x",
        "side": "left",
        "region": "thigh_medial",
        "vein_type": vein_type,
    }
    if diameter is not None:
        finding["diameter_mm"] = diameter
    document["findings"] = [finding]
    document["duplex"] = {"performed": True}
    (item,) = evaluate_document(document)["plan"]["items"]
    assert item["technique"] == technique


@pytest.mark.parametrize(
    ("diameter", "vein_type"), [(0.99, "telangiectasia"), (1.0, "reticular"), (3.0, "varicose")]
)
def test_ceap_diameter_thresholds(diameter: float, vein_type: str) -> None:
    assert classify_vein(diameter) == vein_type


@pytest.mark.parametrize(
    ("vein_type", "ml", "sources"),
    [("telangiectasia", 0.2, ("EG2014", "ASCLERA")), ("reticular", 0.3, ("ASCLERA", "EG2014")),
     ("varicose", 1.0, ("SOTRADECOL",))],
)  # fmt: skip
def test_volume_per_injection_is_the_strictest_source(
    vein_type: str, ml: float, sources: tuple[str, ...]
) -> None:
    row = PROTOCOL.volumes[(vein_type, "liquid")]
    assert (row.max_ml, row.sources) == (ml, sources)


@pytest.mark.parametrize(
    ("limit", "value", "sources"),
    [
        ("max_agent_mg", 140.0, ("EG2014",)),
        ("max_liquid_ml", 10.0, ("ASCLERA",)),
        ("max_sts_ml", 10.0, ("SOTRADECOL",)),
        ("max_foam_ml", 10.0, ("EG2014",)),
        ("anaphylaxis_precaution_ml", 3.0, ("ASCLERA",)),
    ],
)
def test_session_limit_for_70_kg(limit: str, value: float, sources: tuple[str, ...]) -> None:
    limits = session_limits(70)
    assert getattr(limits, limit) == value
    assert limits.source_map[limit] == sources


def test_varithena_foam_volume_is_the_documented_alternative() -> None:
    assert PROTOCOL.spec.session_limits.max_foam_ml.varithena.value == 15
    assert PROTOCOL.spec.settings.max_foam_ml_choice == "consensus"


def test_foam_is_tessari_one_to_four_within_sixty_seconds() -> None:
    foam = PROTOCOL.spec.foam
    assert (foam.liquid_gas_ratio.liquid, foam.liquid_gas_ratio.gas) == (1, 4)
    assert (foam.ratio_range.min_gas_per_liquid, foam.ratio_range.max_gas_per_liquid) == (3, 5)
    assert foam.use_within_seconds == 60
    assert PROTOCOL.foam_liquid_fraction == 0.2


def test_dose_guard_blocks_the_141st_mg_for_70_kg() -> None:
    charted = [InjectionFacts("polidocanol", "liquid", 2.0, 1.0, "varicose")] * 7  # 140 mg
    check = check_injection(
        session_limits(70), charted, InjectionFacts("polidocanol", "liquid", 0.1, 0.1, "varicose")
    )
    codes = {v.code for v in check.violations}
    assert "agent_mg_above_session_max" in codes
    assert (
        next(v for v in check.violations if v.code == "agent_mg_above_session_max").remaining == 0.0
    )


@pytest.mark.parametrize(
    ("vein_type", "technique", "days"),
    [
        ("telangiectasia", "liquid", (2, 3)),
        ("reticular", "liquid", (5, 7)),
        ("varicose", "foam", (14, 14)),
    ],
)
def test_compression_per_vein_type(vein_type: str, technique: str, days: tuple[int, int]) -> None:
    rule = PROTOCOL.compression[(vein_type, technique)]
    assert (rule.min_days, rule.max_days) == days


def test_interval_and_follow_up_are_28_days() -> None:
    assert (PROTOCOL.interval_days, PROTOCOL.follow_up_days) == (28, 28)
    last = PreviousSession(date(2025, 5, 1), ["foot"])
    assert not check_interval([last], date(2025, 5, 28), ["foot"]).allowed
    assert check_interval([last], date(2025, 5, 29), ["foot"]).allowed


def test_expectations_from_the_seeds(make_case: CaseFactory) -> None:
    expectations = evaluate_document(make_case())["plan"]["expectations"]
    assert expectations["success_rate_percent"] == {"min": 60.0, "max": 80.0}
    assert expectations["fade"] == [
        {"vein_types": ["telangiectasia", "reticular"], "min": 3.0, "max": 6.0, "unit": "weeks"}
    ]
    assert expectations["sources"] == ["SEED-002", "SEED-003"]


TRIAGE = {
    "chest_pain": "urgent_care", "breathlessness": "urgent_care",
    "coughing_blood": "urgent_care", "calf_pain_swelling": "urgent_care",
    "visual_disturbance": "urgent_care", "neurological_deficit": "urgent_care",
    "severe_headache": "urgent_care", "fainting": "urgent_care",
    "generalised_allergic_reaction": "urgent_care", "painful_lump": "contact_clinic",
    "skin_ulceration": "contact_clinic", "spreading_redness": "contact_clinic",
    "bruising": "routine", "injection_site_pain": "routine", "itching": "routine",
    "hyperpigmentation": "routine",
    "matting": "routine",
}  # fmt: skip


@pytest.mark.parametrize(("symptom", "level"), sorted(TRIAGE.items()))
def test_triage(symptom: str, level: str) -> None:
    assert triage([symptom]).level == level


def test_adverse_event_catalogue_triage_matches_the_reference() -> None:
    events = {e.code: e.triage for e in PROTOCOL.spec.adverse_events.events}
    assert events["distal_dvt"] == events["anaphylaxis"] == events["stroke_tia"] == "urgent_care"
    assert events["superficial_thrombosis"] == events["skin_necrosis"] == "contact_clinic"
    assert events["hyperpigmentation"] == events["local_reaction"] == "routine"


def test_every_disagreement_is_documented_with_its_default() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for disagreement in PROTOCOL.spec.disagreements:
        assert f"`{disagreement.code}`" in text, disagreement.code
    assert f"{PROTOCOL.rule_count} rules" in text


def test_every_source_of_the_protocol_is_in_the_shipped_clinical_reference() -> None:
    reference = (DOCS.parent / "clinical-reference.md").read_text(encoding="utf-8")
    for source in PROTOCOL.spec.sources:
        assert f'<a id="{source.id}"></a>' in reference, source.id
    readme = (DOCS.parent.parent / "README.md").read_text(encoding="utf-8")
    assert "docs/clinical-reference.md" in readme and "../shared" not in readme
