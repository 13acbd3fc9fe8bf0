"""Where an appointment may go next: done, cancelled and no-show are final, and what says what
happened on the day is not offered before the day."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from sclero.scheduling.choices import AppointmentStatus
from sclero.scheduling.models import Appointment
from sclero.scheduling.transitions import ON_THE_DAY, next_statuses

TODAY = date(2026, 12, 3)


def _appointment(status: AppointmentStatus, day: date) -> Appointment:
    return Appointment(status=status, starts_at=datetime(day.year, day.month, day.day, 9, 30))


@pytest.mark.parametrize(
    "status", [AppointmentStatus.DONE, AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW]
)
def test_a_final_status_goes_nowhere(status: AppointmentStatus) -> None:
    assert next_statuses(_appointment(status, TODAY), TODAY) == []


def test_a_booked_appointment_today_may_be_arrived_done_no_show_or_cancelled() -> None:
    offered = next_statuses(_appointment(AppointmentStatus.BOOKED, TODAY), TODAY)
    assert set(offered) == {*ON_THE_DAY, AppointmentStatus.CANCELLED}


def test_before_its_day_a_booked_appointment_may_only_be_cancelled() -> None:
    tomorrow = date(2026, 12, 4)
    offered = next_statuses(_appointment(AppointmentStatus.BOOKED, tomorrow), TODAY)
    assert offered == [AppointmentStatus.CANCELLED]


def test_an_arrival_ends_done_or_cancelled() -> None:
    offered = next_statuses(_appointment(AppointmentStatus.ARRIVED, TODAY), TODAY)
    assert offered == [AppointmentStatus.DONE, AppointmentStatus.CANCELLED]
