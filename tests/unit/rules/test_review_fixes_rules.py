"""Inputs the engine cannot compute with are refused as a CaseError naming the field, never a crash:
a number too large for a float, a date with no calendar room for the interval or follow-up."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from sclero.rules import CaseError, Protocol, classify_vein, evaluate, parse_case
from sclero.rules.engine import evaluate_document
from tests.case_fixtures import CaseFactory

HUGE = 10**400  # a JSON integer Python reads exactly but no float can hold


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (("findings", 0, "diameter_mm"), "findings[0].diameter_mm"),
        (("patient", "weight_kg"), "patient.weight_kg"),
    ],
)
def test_a_number_too_large_for_a_float_is_not_a_usable_number(
    make_case: CaseFactory, protocol: Protocol, path: tuple[str | int, ...], field: str
) -> None:
    document = make_case()
    target: Any = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = HUGE
    with pytest.raises(CaseError) as refused:
        evaluate_document(document, protocol)
    assert refused.value.field == field
    assert "not a usable number" in refused.value.message


def test_classify_vein_refuses_a_diameter_too_large_for_a_float(protocol: Protocol) -> None:
    with pytest.raises(CaseError, match="not a usable number"):
        classify_vein(HUGE, protocol)


def test_a_large_but_usable_number_is_still_a_number(
    make_case: CaseFactory, protocol: Protocol
) -> None:
    document = make_case()
    document["findings"][0]["diameter_mm"] = 0  # an int is accepted as before
    assert parse_case(document, protocol).findings[0].diameter_mm == 0.0


def test_a_proposed_date_at_the_end_of_the_calendar_is_refused_on_the_field(
    make_case: CaseFactory, protocol: Protocol
) -> None:
    document = make_case()
    document["proposed_date"] = "9999-12-31"
    with pytest.raises(CaseError) as refused:
        evaluate_document(document, protocol)
    assert refused.value.field == "proposed_date"
    assert "too far in the future" in refused.value.message


def test_the_last_plannable_date_still_gets_its_follow_up(
    make_case: CaseFactory, protocol: Protocol
) -> None:
    room = max(protocol.interval_days, protocol.follow_up_days)
    last = date.max - timedelta(days=room)
    document = make_case()
    document["proposed_date"] = last.isoformat()
    result = evaluate_document(document, protocol)
    assert (
        result["plan"]["follow_up_date"]
        == (last + timedelta(days=protocol.follow_up_days)).isoformat()
    )


def test_a_previous_session_at_the_end_of_the_calendar_is_refused_on_its_date(
    make_case: CaseFactory, protocol: Protocol
) -> None:
    document = make_case()
    document["proposed_date"] = None
    document["previous_sessions"] = [{"date": "9999-12-30", "regions": ["leg_medial"]}]
    with pytest.raises(CaseError) as refused:
        evaluate_document(document, protocol)
    assert refused.value.field == "previous_sessions[0].date"


def test_a_case_built_without_the_parser_fails_as_a_case_error_too(
    make_case: CaseFactory, protocol: Protocol
) -> None:
    case = parse_case(make_case(), protocol)
    stretched = type(case)(case.patient, case.findings, case.duplex, (), date.max)
    with pytest.raises(CaseError) as refused:
        evaluate(stretched, protocol)
    assert refused.value.field == "proposed_date"
