"""Report filters from form values, Wilson intervals and Kaplan–Meier steps."""

from __future__ import annotations

from datetime import date

import pytest

from sclero.core.errors import InvalidInput
from sclero.reports.filters import parse_filters
from sclero.reports.stats import kaplan_meier, wilson
from sclero.reports.tables import ReportTable, columns

TODAY = date(2026, 5, 5)


def test_empty_values_give_the_last_twelve_months() -> None:
    filters = parse_filters({"vein_type": "", "sessions": None}, TODAY)
    assert (filters.date_from, filters.date_to) == (date(2025, 5, 5), TODAY)
    assert filters.vein_type is None and filters.sessions is None


def test_values_are_parsed() -> None:
    filters = parse_filters(
        {
            "date_from": "2026-01-01",
            "technique": "foam",
            "concentration_max": "1,5",
            "sessions": "2",
        },
        TODAY,
    )
    assert (filters.date_from, filters.technique, filters.concentration_max, filters.sessions) == (
        date(2026, 1, 1),
        "foam",
        1.5,
        2,
    )


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"date_from": "5/1/2026"}, "date_from"),
        ({"date_from": "2026-02-01", "date_to": "2026-01-01"}, "date_to"),
        ({"technique": "laser"}, "technique"),
        ({"sessions": "0"}, "sessions"),
        ({"sessions": "two"}, "sessions"),
        ({"concentration_min": "150"}, "concentration_min"),
        ({"concentration_min": "2", "concentration_max": "1"}, "concentration_max"),
        ({"clinician_id": "x"}, "clinician_id"),
    ],
)
def test_bad_values_are_refused_naming_the_field(values: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_filters(values, TODAY)
    assert refused.value.field == field


def test_wilson_interval_of_known_proportions() -> None:
    low, high = wilson(7, 10) or (0, 0)
    assert (round(low, 4), round(high, 4)) == (0.3968, 0.8922)
    assert wilson(0, 0) is None
    assert wilson(10, 10) == (pytest.approx(0.7225, abs=1e-4), 1.0)


def test_kaplan_meier_multiplies_the_steps() -> None:
    assert kaplan_meier([(1, 1, 4), (2, 0, 3), (3, 2, 2)]) == [(1, 0.75), (2, 0.75), (3, 0.0)]


def test_csv_keeps_shares_as_fractions_and_defuses_formulas() -> None:
    table = ReportTable(
        "t",
        "T",
        "",
        columns(("reason", "Reason"), ("x_share", "X")),
        rows=[{"reason": "=cmd()", "x_share": 0.25}, {"reason": "ok", "x_share": None}],
    )
    assert table.to_csv() == "reason,x_share\n'=cmd(),0.25\nok,\n"
