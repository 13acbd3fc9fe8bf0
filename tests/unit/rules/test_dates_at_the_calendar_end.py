"""Dates with no calendar room for the interval or the follow-up are refused as a CaseError
naming the field; the last plannable date still works."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sclero.rules import CaseError, Protocol, evaluate, parse_case
from sclero.rules.engine import evaluate_document
from tests.factories.cases import CaseFactory


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
