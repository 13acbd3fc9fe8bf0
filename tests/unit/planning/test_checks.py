"""The checks a plan passes, on engine results: what stops treatment is refused naming every
reason with its sources; a referral is pending until a physician's written decision covers it."""

from __future__ import annotations

import pytest

from sclero.core.errors import ContraindicationError
from sclero.planning.checks import needs_decision_message, pending_decisions, refuse_if_blocked
from sclero.planning.models import TreatmentPlan
from sclero.rules import EvaluationResult, Protocol, evaluate, parse_case
from tests.factories.cases import CaseFactory

VARICOSE = {"id": "f3", "side": "right", "region": "thigh_medial", "diameter_mm": 4.5}


def _result(document: dict[str, object], protocol: Protocol) -> EvaluationResult:
    return evaluate(parse_case(document), protocol)


def test_a_pregnancy_is_refused_with_its_reason_and_sources(
    make_case: CaseFactory, protocol: Protocol
) -> None:
    result = _result(make_case(pregnant=True), protocol)
    with pytest.raises(ContraindicationError) as refused:
        refuse_if_blocked(result)
    assert refused.value.message.startswith("No treatment now: the screening says")
    reasons = [f.explained() for f in result.reasons]
    assert reasons and all(reason in refused.value.message for reason in reasons)
    named = [f["code"] for f in refused.value.detail["findings"]]
    assert {f.rule.code for f in result.reasons} <= set(named)


def test_a_clear_screening_passes(make_case: CaseFactory, protocol: Protocol) -> None:
    result = _result(make_case(), protocol)
    assert not result.stops_treatment
    refuse_if_blocked(result)  # nothing raised
    assert pending_decisions(result, TreatmentPlan(physician_decision_codes=[])) == []


def test_a_referral_is_pending_until_the_plan_records_the_physicians_decision(
    make_case: CaseFactory, protocol: Protocol
) -> None:
    document = make_case()
    document["findings"].append(VARICOSE)  # type: ignore[attr-defined]
    result = _result(document, protocol)
    pending = pending_decisions(result, TreatmentPlan(physician_decision_codes=[]))
    assert pending, "a varicose vein without a duplex needs a physician's decision"
    codes = [f.rule.code for f in pending]
    assert pending_decisions(result, TreatmentPlan(physician_decision_codes=codes)) == []
    message = needs_decision_message(pending)
    assert message.startswith("A physician's decision is needed first: ")
    assert all(f.explained() in message for f in pending)
