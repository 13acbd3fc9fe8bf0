"""Numbers the engine cannot compute with are refused as a CaseError naming the field, never a
crash: a number too large for a float."""

from __future__ import annotations

from typing import Any

import pytest

from sclero.rules import CaseError, Protocol, classify_vein, parse_case
from sclero.rules.engine import evaluate_document
from tests.factories.cases import CaseFactory

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
    document["findings"][0]["diameter_mm"] = 2  # an int is accepted as before
    assert parse_case(document, protocol).findings[0].diameter_mm == 2.0
