"""Triage of symptoms after treatment: each symptom's level, worst wins, unknown refused."""

from __future__ import annotations

import pytest

from sclero.rules import CaseError, triage
from sclero.rules.vocabulary import Symptom

URGENT = {
    "chest_pain", "breathlessness", "coughing_blood", "calf_pain_swelling", "visual_disturbance",
    "neurological_deficit", "severe_headache", "fainting", "generalised_allergic_reaction",
}  # fmt: skip
CONTACT = {"painful_lump", "skin_ulceration", "spreading_redness"}
ROUTINE = {"bruising", "injection_site_pain", "itching", "hyperpigmentation", "matting"}


def test_every_symptom_has_a_level() -> None:
    assert Symptom.codes() == URGENT | CONTACT | ROUTINE


@pytest.mark.parametrize("symptom", sorted(Symptom.codes()))
def test_each_symptom_alone(symptom: str) -> None:
    result = triage([symptom])
    expected = (
        "urgent_care"
        if symptom in URGENT
        else "contact_clinic"
        if symptom in CONTACT
        else "routine"
    )
    assert result.level == expected
    (finding,) = result.findings
    assert finding.code == symptom
    assert finding.sources
    if expected == "urgent_care":
        assert "call emergency services / go to urgent care now" in finding.message


def test_no_symptom_is_routine() -> None:
    result = triage([])
    assert result.level == "routine"
    assert result.findings == ()


def test_the_worst_level_wins_and_comes_first() -> None:
    result = triage(["itching", "painful_lump", "chest_pain", "itching"])
    assert result.level == "urgent_care"
    assert [f.code for f in result.findings] == ["chest_pain", "painful_lump", "itching"]
    assert triage(["bruising", "spreading_redness"]).level == "contact_clinic"
    assert result.to_document()["findings"][0]["level"] == "urgent_care"


def test_unknown_symptom_is_refused_with_its_position() -> None:
    with pytest.raises(CaseError) as refused:
        triage(["itching", "sore_throat"])
    assert refused.value.field == "symptoms[1]"
    assert "sore_throat" in refused.value.message
