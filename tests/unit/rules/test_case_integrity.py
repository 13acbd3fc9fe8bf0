"""The engine never guesses: impossible or implausible values are refused, unanswered safety
questions defer, minors and recurrent veins go to a physician, and every decision names its
reasons with their sources."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sclero.rules import (
    CaseError,
    classify_vein,
    default_protocol,
    evaluate_document,
    parse_case,
    stored_reasons,
)
from tests.factories.cases import CaseFactory, build_case

PROTOCOL = default_protocol()
WEIGHT = PROTOCOL.bound("weight_kg")
AGE = PROTOCOL.bound("age_years")
DIAMETER = PROTOCOL.bound("diameter_mm")


@pytest.mark.parametrize("diameter", [0, 0.0, -0.0, 5e-324, 30.01, 1e308])
def test_an_impossible_or_implausible_diameter_is_refused(
    make_case: CaseFactory, diameter: float
) -> None:
    document = make_case()
    document["findings"][0]["diameter_mm"] = diameter
    with pytest.raises(CaseError) as refused:
        parse_case(document)
    assert refused.value.field == "findings[0].diameter_mm"
    assert "from 0.1 to 30 mm" in refused.value.message
    with pytest.raises(CaseError):
        classify_vein(diameter)


@pytest.mark.parametrize("weight", [1e308, 5e-324, 0.5, 351, 10**400])
def test_an_implausible_weight_is_refused_never_an_infinite_limit(
    make_case: CaseFactory, weight: float
) -> None:
    with pytest.raises(CaseError) as refused:
        evaluate_document(make_case(weight_kg=weight))
    assert refused.value.field == "patient.weight_kg"
    assert "from 2 to 350 kg" in refused.value.message


@pytest.mark.parametrize("age", [-1, 121, 500])
def test_an_implausible_age_is_refused(make_case: CaseFactory, age: int) -> None:
    with pytest.raises(CaseError) as refused:
        evaluate_document(make_case(age_years=age))
    assert refused.value.field == "patient.age_years"


@settings(max_examples=80, deadline=None)
@given(
    weight=st.floats(WEIGHT.min, WEIGHT.max),
    age=st.integers(int(AGE.min), int(AGE.max)),
    diameter=st.floats(DIAMETER.min, DIAMETER.max),
)
def test_every_plausible_case_gives_a_valid_json_document(
    weight: float, age: int, diameter: float
) -> None:
    document = build_case(weight_kg=weight, age_years=age)
    document["findings"][0]["diameter_mm"] = diameter
    result = evaluate_document(document)
    json.dumps(result, allow_nan=False)  # no Infinity / NaN anywhere: strict JSON
    assert math.isfinite(result["plan"]["session_limits"]["max_agent_mg"])


@pytest.mark.parametrize("question", ["pregnant", "breastfeeding"])
@pytest.mark.parametrize("how", ["null", "missing"])
def test_an_unanswered_safety_question_defers_and_says_so(
    make_case: CaseFactory, question: str, how: str
) -> None:
    document = make_case()
    if how == "null":
        document["patient"][question] = None
    else:
        del document["patient"][question]
    screening = evaluate_document(document)["screening"]
    code = "pregnancy_not_answered" if question == "pregnant" else "breastfeeding_not_answered"
    assert screening["decision"] == "defer"
    assert screening["reasons"] == [code]
    (finding,) = [f for f in screening["findings"] if f["code"] == code]
    assert "not yet answered" in finding["message"] and finding["sources"]


@pytest.mark.parametrize("age", [0, 3, 17])
def test_a_minor_is_referred_to_a_physician(make_case: CaseFactory, age: int) -> None:
    result = evaluate_document(make_case(age_years=age, weight_kg=3.2 if age == 0 else 40))
    assert result["screening"]["decision"] == "refer"
    assert "minor_patient" in result["screening"]["needs_physician_decision"]
    (referral,) = [r for r in result["plan"]["referrals"] if r["code"] == "minor_patient"]
    assert referral["to"] == "physician_review" and referral["confirmed"] is False


def test_an_adult_is_not_flagged_as_a_minor(make_case: CaseFactory) -> None:
    result = evaluate_document(make_case(age_years=18))
    assert result["screening"]["decision"] == "eligible"


def test_a_recurrent_vein_is_referred_to_a_specialist_after_a_duplex(
    make_case: CaseFactory,
) -> None:
    document = make_case()
    document["findings"].append(
        {"id": "r1", "side": "right", "region": "thigh_medial", "vein_type": "recurrent"}
    )
    result = evaluate_document(document)
    codes = {r["code"]: r["to"] for r in result["plan"]["referrals"]}
    assert codes == {
        "duplex_before_treatment": "duplex_ultrasound",
        "recurrent_vein": "vascular_surgery",
    }
    (item,) = [i for i in result["plan"]["items"] if i["finding_id"] == "r1"]
    assert item["technique"] == "refer"


def test_the_pill_is_contraindicated_by_default_and_a_setting(make_case: CaseFactory) -> None:
    screening = evaluate_document(make_case(medications=["oral_contraceptive"]))["screening"]
    assert screening["decision"] == "contraindicated"
    assert screening["reasons"] == ["oral_contraceptive"]
    codes = {d.code: d.setting for d in PROTOCOL.spec.disagreements}
    assert codes["oral_contraceptive"] == "oral_contraceptive_effect"


def test_a_deferral_for_the_interval_names_the_interval(make_case: CaseFactory) -> None:
    document = make_case()
    document["previous_sessions"] = [{"date": "2025-02-24", "regions": ["thigh_lateral"]}]
    screening = evaluate_document(document)["screening"]
    assert screening["decision"] == "defer"
    assert screening["reasons"] == ["interval_too_short"]


def test_symptoms_are_triaged_in_the_same_document(make_case: CaseFactory) -> None:
    document: dict[str, Any] = make_case()
    document["symptoms"] = ["bruising", "calf_pain_swelling"]
    triage = evaluate_document(document)["triage"]
    assert triage["level"] == "urgent_care"
    assert [f["code"] for f in triage["findings"]] == ["calf_pain_swelling", "bruising"]
    assert evaluate_document(make_case())["triage"] is None


def test_a_proposed_injection_is_checked_against_the_charted_ones(make_case: CaseFactory) -> None:
    document: dict[str, Any] = make_case()
    liquid = {"agent": "polidocanol", "technique": "liquid", "concentration_percent": 0.5,
              "volume_ml": 0.2, "finding_id": "f1"}  # fmt: skip
    document["session"] = {"charted": [liquid] * 50, "injection": liquid}
    check = evaluate_document(document)["injection_check"]
    assert check["allowed"] is False
    (violation,) = check["violations"]
    assert violation["code"] == "liquid_ml_above_session_max"
    assert violation["limit"] == 10 and violation["remaining"] == 0
    document["session"] = {"injection": liquid}
    assert evaluate_document(document)["injection_check"]["allowed"] is True


@pytest.mark.parametrize(
    ("session", "field"),
    [
        ({"charted": []}, "session.injection"),
        ({"injection": {"agent": "saline"}}, "session.injection.agent"),
        ({"injection": {"agent": "polidocanol", "technique": "liquid", "volume_ml": 0.1,
                        "concentration_percent": 0.5, "finding_id": "nope"}},
         "session.injection.finding_id"),
        ({"injection": {"agent": "polidocanol", "technique": "liquid", "volume_ml": 0.1,
                        "concentration_percent": 0.5, "liquid_gas_ratio": "1:4"}},
         "session.injection.liquid_gas_ratio"),
        ({"injection": {"agent": "polidocanol", "technique": "foam", "volume_ml": 0,
                        "concentration_percent": 0.5}}, "session.injection.volume_ml"),
    ],
)  # fmt: skip
def test_a_bad_injection_is_refused_naming_the_field(
    make_case: CaseFactory, session: dict[str, Any], field: str
) -> None:
    document = make_case()
    document["session"] = session
    with pytest.raises(CaseError) as refused:
        evaluate_document(document)
    assert refused.value.field == field


def test_a_stored_document_names_its_reasons_with_sources(make_case: CaseFactory) -> None:
    document = make_case()
    document["previous_sessions"] = [{"date": "2025-02-24", "regions": ["thigh_lateral"]}]
    result = evaluate_document(document)
    (reason,) = stored_reasons(result)
    assert "too recent" in reason and "[SEED-000, SEED-002]" in reason
    del result["screening"]["reasons"]  # a document stored before reasons were listed
    assert stored_reasons(result) == [reason]
