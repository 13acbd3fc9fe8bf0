"""A patient's age on the day of the case: a birthday counts from its own day."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from sclero.evaluation.queries import age_on


def test_the_age_turns_on_the_birthday() -> None:
    born = date(1980, 6, 15)
    assert age_on(born, date(2026, 6, 14)) == 45
    assert age_on(born, date(2026, 6, 15)) == 46


def test_a_leap_day_birthday_turns_on_the_first_of_march() -> None:
    born = date(2000, 2, 29)
    assert age_on(born, date(2026, 2, 28)) == 25
    assert age_on(born, date(2026, 3, 1)) == 26


@given(born=st.dates(date(1900, 1, 1), date(2025, 12, 31)), days=st.integers(0, 40_000))
def test_the_age_is_the_whole_years_lived(born: date, days: int) -> None:
    on = date.fromordinal(born.toordinal() + days)
    age = age_on(born, on)
    assert age >= 0
    assert (on.month, on.day) >= (born.month, born.day) or age == on.year - born.year - 1
