"""Refused form fields speak the clinic's words: an empty required field says so, a number out of
range names the bound; never pydantic's "Input should be a valid string"."""

from __future__ import annotations

from sclero.charting.schemas import InjectionIn, SessionClose
from sclero.web.forms import validate


def test_an_empty_required_field_says_it_is_required() -> None:
    _, errors = validate(SessionClose, {"compression_given": None, "aftercare_given": True})
    assert errors == {"compression_given": "This field is required."}


def test_numbers_name_what_is_expected() -> None:
    body = {
        "side": "left",
        "region": "leg_medial",
        "agent": "polidocanol",
        "technique": "liquid",
        "concentration_percent": "lots",
        "volume_ml": 25,
    }
    _, errors = validate(InjectionIn, body)
    assert errors["concentration_percent"] == "Enter a number."
    assert errors["volume_ml"] == "Enter a value at most 20."
    assert not any("Input should" in message for message in errors.values())
