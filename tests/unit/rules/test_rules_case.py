"""Parsing a case document: a valid case, and every kind of refusal naming its field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from sclero.rules import CaseError, VeinType, classify_vein, parse_case

Change = Callable[[dict[str, Any]], None]
CaseFactory = Callable[..., dict[str, Any]]


def test_valid_case_is_parsed_with_vein_types_from_diameters(make_case: CaseFactory) -> None:
    case = parse_case(make_case(conditions=["history_dvt", "history_dvt"]))
    assert case.patient.weight_kg == 70.0
    assert case.patient.conditions == ("history_dvt",)
    assert [f.vein_type for f in case.findings] == ["telangiectasia", "reticular"]
    assert case.proposed_date == date(2025, 3, 3)
    assert case.duplex is None


def test_minimal_case_defaults_lists_and_dates() -> None:
    case = parse_case({"patient": {"age_years": 30, "weight_kg": 60}})
    assert case.findings == ()
    assert case.previous_sessions == ()
    assert case.proposed_date is None
    assert case.patient.sex == "unknown"
    assert not case.patient.pregnant


def test_named_vein_type_needs_no_diameter(make_case: CaseFactory) -> None:
    document = make_case()
    document["findings"] = [
        {"id": 7, "side": "right", "region": "thigh_medial", "vein_type": "saphenous_trunk"}
    ]
    finding = parse_case(document).findings[0]
    assert (finding.id, finding.vein_type, finding.diameter_mm) == (7, "saphenous_trunk", None)


def _set(path: str, value: Any) -> Change:
    def change(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = document
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if last.isdigit():
            node[int(last)] = value
        else:
            node[last] = value

    return change


def _drop(path: str) -> Change:
    def change(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = document
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        del node[last]

    return change


SESSION = {"date": "2025-02-01", "regions": ["thigh_lateral"]}

REFUSALS: list[tuple[str, Change, str, str]] = [
    ("weight zero", _set("patient.weight_kg", 0), "patient.weight_kg", "greater than 0"),
    ("weight negative", _set("patient.weight_kg", -70), "patient.weight_kg", "greater than 0"),
    ("weight text", _set("patient.weight_kg", "70"), "patient.weight_kg", "number"),
    ("weight NaN", _set("patient.weight_kg", float("nan")), "patient.weight_kg", "number"),
    ("weight missing", _drop("patient.weight_kg"), "patient.weight_kg", "required"),
    ("age negative", _set("patient.age_years", -1), "patient.age_years", "Enter the age"),
    ("age fraction", _set("patient.age_years", 41.5), "patient.age_years", "whole years"),
    ("age missing", _drop("patient.age_years"), "patient.age_years", "required"),
    ("sex unknown code", _set("patient.sex", "f"), "patient.sex", "unknown sex"),
    ("pregnant text", _set("patient.pregnant", "yes"), "patient.pregnant", "true or false"),
    ("condition typo", _set("patient.conditions", ["acute_dvt", "dvt"]), "patient.conditions[1]",
     "unknown condition 'dvt'"),
    ("medication typo", _set("patient.medications", ["aspirin"]), "patient.medications[0]",
     "unknown medication"),
    ("allergy typo", _set("patient.allergies", ["penicillin"]), "patient.allergies[0]",
     "unknown allergy"),
    ("conditions not a list", _set("patient.conditions", "acute_dvt"), "patient.conditions",
     "expected a list"),
    ("unknown patient key", _set("patient.height_cm", 170), "patient.height_cm", "unknown field"),
    ("unknown case key", _set("notes", "x"), "notes", "unknown field"),
    ("patient missing", _drop("patient"), "patient", "missing"),
    ("patient not object", _set("patient", []), "patient", "object"),
    ("diameter negative", _set("findings.1.diameter_mm", -0.1), "findings[1].diameter_mm",
     "greater than 0"),
    ("diameter zero", _set("findings.1.diameter_mm", 0), "findings[1].diameter_mm",
     "greater than 0"),
    ("diameter missing", _drop("findings.0.diameter_mm"), "findings[0].diameter_mm",
     "give the diameter"),
    ("region typo", _set("findings.0.region", "thigh"), "findings[0].region", "unknown region"),
    ("side typo", _set("findings.0.side", "both"), "findings[0].side", "unknown side"),
    ("vein type typo", _set("findings.0.vein_type", "spider"), "findings[0].vein_type",
     "unknown vein type"),
    ("vein type contradicts diameter", _set("findings.1.vein_type", "telangiectasia"),
     "findings[1].vein_type", "does not match the diameter 2 mm"),
    ("duplicate finding id", _set("findings.1.id", "f1"), "findings[1].id", "used twice"),
    ("finding id missing", _drop("findings.0.id"), "findings[0].id", "needs an id"),
    ("finding unknown key", _set("findings.0.colour", "red"), "findings[0].colour",
     "unknown field"),
    ("findings not a list", _set("findings", {"id": 1}), "findings", "expected a list"),
    ("proposed date format", _set("proposed_date", "03/03/2025"), "proposed_date", "YYYY-MM-DD"),
    ("proposed date number", _set("proposed_date", 20250303), "proposed_date", "YYYY-MM-DD"),
    ("session after proposed", _set("previous_sessions", [{**SESSION, "date": "2025-03-04"}]),
     "previous_sessions[0].date", "after the proposed date"),
    ("session date missing", _set("previous_sessions", [{"regions": ["foot"]}]),
     "previous_sessions[0].date", "required"),
    ("session without regions", _set("previous_sessions", [{**SESSION, "regions": []}]),
     "previous_sessions[0].regions", "at least one"),
    ("session region typo", _set("previous_sessions", [{**SESSION, "regions": ["calf"]}]),
     "previous_sessions[0].regions[0]", "unknown region"),
    ("duplex without performed", _set("duplex", {"saphenous_reflux": True}), "duplex.performed",
     "whether"),
    ("reflux without duplex", _set("duplex", {"performed": False, "deep_reflux": True}),
     "duplex.deep_reflux", "not performed"),
    ("duplex unknown key", _set("duplex", {"performed": True, "gsv_reflux": True}),
     "duplex.gsv_reflux", "unknown field"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [pytest.param(change, field, words, id=name) for name, change, field, words in REFUSALS],
)
def test_bad_case_is_refused_naming_the_field(
    make_case: CaseFactory, change: Change, field: str, words: str
) -> None:
    document = make_case()
    change(document)
    with pytest.raises(CaseError) as refused:
        parse_case(document)
    assert refused.value.field == field
    assert words in refused.value.message
    assert isinstance(refused.value, ValueError)


def test_case_must_be_an_object() -> None:
    with pytest.raises(CaseError) as refused:
        parse_case([])  # type: ignore[arg-type]
    assert refused.value.field == "case"


@pytest.mark.parametrize(
    ("diameter", "vein_type"),
    [
        (0.1, VeinType.TELANGIECTASIA),
        (0.5, VeinType.TELANGIECTASIA),
        (0.99, VeinType.TELANGIECTASIA),
        (1.0, VeinType.RETICULAR),
        (2.99, VeinType.RETICULAR),
        (3.0, VeinType.VARICOSE),
        (12.0, VeinType.VARICOSE),
    ],
)
def test_classify_vein_boundaries(diameter: float, vein_type: VeinType) -> None:
    assert classify_vein(diameter) is vein_type


@pytest.mark.parametrize(
    "diameter", [-0.01, 0, 0.0, 5e-324, 30.5, 1e308, float("inf"), float("nan")]
)
def test_classify_vein_refuses_impossible_diameters(diameter: float) -> None:
    with pytest.raises(CaseError) as refused:
        classify_vein(diameter)
    assert refused.value.field == "diameter_mm"
