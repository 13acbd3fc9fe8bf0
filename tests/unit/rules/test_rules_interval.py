"""The interval between sessions on the same region, and the follow-up date."""

from __future__ import annotations

from datetime import date

import pytest

from sclero.rules import CaseError, PreviousSession, check_interval

JAN_1 = date(2025, 1, 1)


def test_no_previous_session_on_the_regions_allows_any_date() -> None:
    sessions = [PreviousSession(JAN_1, ["foot"])]
    check = check_interval(sessions, date(2025, 1, 2), ["thigh_lateral"])
    assert check.allowed
    assert check.earliest_date is None
    assert check.conflicting_regions == ()
    assert check.sources == ("SEED-000", "SEED-002")


@pytest.mark.parametrize(
    ("proposed", "allowed"),
    [(date(2025, 1, 28), False), (date(2025, 1, 29), True), (date(2025, 3, 1), True)],
)
def test_28_days_after_the_last_session_on_the_region(proposed: date, allowed: bool) -> None:
    check = check_interval(
        [PreviousSession(JAN_1, ["thigh_lateral"])], proposed, ["thigh_lateral", "foot"]
    )
    assert check.allowed is allowed
    assert check.earliest_date == date(2025, 1, 29)
    assert check.interval_days == 28


def test_the_latest_session_counts_and_conflicts_are_named() -> None:
    sessions = [
        PreviousSession(JAN_1, ["thigh_lateral", "foot"]),
        PreviousSession(date(2025, 1, 20), ["foot"]),
    ]
    check = check_interval(sessions, date(2025, 2, 5), {"thigh_lateral", "foot"})
    assert not check.allowed
    assert check.conflicting_regions == ("foot",)
    assert check.earliest_date == date(2025, 2, 17)
    # The message in the clinic's words and date format; the document keeps the ISO date.
    assert check.message == (
        "Too soon: foot treated less than 28 days before; earliest date 17 Feb 2025."
    )
    assert check.to_document()["earliest_date"] == "2025-02-17"


def test_unknown_region_is_refused() -> None:
    with pytest.raises(CaseError) as refused:
        check_interval([], JAN_1, ["calf"])
    assert refused.value.field == "regions"


def test_previous_session_is_a_value() -> None:
    assert PreviousSession(JAN_1, ["foot", "foot"]) == PreviousSession(JAN_1, ("foot",))
    assert len({PreviousSession(JAN_1, ["foot"]), PreviousSession(JAN_1, ["foot"])}) == 1
