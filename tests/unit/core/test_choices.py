"""Choice classes: one definition of each operational code with its label and badge style."""

from __future__ import annotations

from sclero.adverse_events.choices import EventStatus, Outcome, Severity
from sclero.charting.choices import SessionStatus
from sclero.core.choices import choice_label, choice_style
from sclero.planning.choices import PlanStatus
from sclero.scheduling.choices import AppointmentKind, AppointmentStatus
from sclero.web.templating import label

STYLES = {"ok", "caution", "warning", "danger", "info", "muted"}
ALL = (
    AppointmentKind,
    AppointmentStatus,
    SessionStatus,
    PlanStatus,
    EventStatus,
    Severity,
    Outcome,
)


def test_a_choice_is_its_stored_code() -> None:
    assert AppointmentStatus.NO_SHOW == "no_show"
    assert AppointmentStatus("no_show") is AppointmentStatus.NO_SHOW
    assert AppointmentStatus.codes() == ("booked", "arrived", "done", "cancelled", "no_show")


def test_every_choice_has_a_label_and_a_style_of_the_style_sheet() -> None:
    for cls in ALL:
        for member in cls:
            assert member.label and member.label[0].isupper(), member
            assert member.style in STYLES, member


def test_pages_show_the_choice_label_not_the_code() -> None:
    assert label("no_show") == "No-show"
    assert choice_label("resolved_with_sequelae") == "Resolved with sequelae"
    assert choice_style("severe") == "danger"
    assert choice_label("not_a_code") is None
    assert label("leg_posterior") == "Leg posterior (calf)"  # clinical vocabulary still labelled
