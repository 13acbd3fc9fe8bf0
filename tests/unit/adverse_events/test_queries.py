"""How the forms show the protocol's triage: urgent-care signs first, with their sources, and an
event summed up in the clinic's words."""

from __future__ import annotations

from sclero.adverse_events.models import AdverseEvent
from sclero.adverse_events.queries import summary, symptoms_by_level, urgent_sources
from sclero.adverse_events.schemas import symptom_label
from sclero.core.protocol import current_protocol
from sclero.rules.vocabulary import Symptom, TriageLevel


def test_symptoms_are_grouped_by_level_urgent_care_first() -> None:
    groups = symptoms_by_level()
    assert next(iter(groups)) == TriageLevel.URGENT_CARE
    urgent = {code for code, _ in groups[TriageLevel.URGENT_CARE]}
    assert {Symptom.CHEST_PAIN, Symptom.BREATHLESSNESS} <= urgent
    rules = current_protocol().triage_rules
    for level, symptoms in groups.items():
        for code, advice in symptoms:
            assert rules[code].level == level and advice == rules[code].message


def test_the_urgent_signs_cite_their_sources() -> None:
    sources = urgent_sources()
    assert sources == sorted(set(sources)) and sources


def test_an_event_reads_as_its_type_and_its_symptoms() -> None:
    event_type = current_protocol().spec.adverse_events.events[0]
    event = AdverseEvent(
        event_type=event_type.code, symptoms=[Symptom.CHEST_PAIN, Symptom.BREATHLESSNESS]
    )
    symptoms = f"{symptom_label('chest_pain')}, {symptom_label('breathlessness')}".lower()
    assert summary(event) == f"{event_type.label}: {symptoms}"
    assert summary(AdverseEvent(event_type="other", symptoms=[])) == "Other"
