"""Patients as the front desk registers them."""

from __future__ import annotations

from typing import Any

from tests.factories.api import Post

PATIENT = {
    "first_name": "Maria",
    "last_name": "Lopez",
    "birth_date": "1979-06-15",
    "sex": "female",
    "weight_kg": 70,
}


def register(post: Post, patient: dict[str, Any] | None = None) -> int:
    """A new patient (Maria Lopez unless `patient` says otherwise); the patient's id."""
    return int(post("/patients", patient or PATIENT)["id"])
