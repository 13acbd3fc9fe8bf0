"""Engine case documents (the rules room): fixtures shared by the engine unit tests and the
clinical scenario tables."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from sclero.rules import Protocol, default_protocol

CaseFactory = Callable[..., dict[str, Any]]

BASE_CASE: dict[str, Any] = {
    "patient": {
        "age_years": 42,
        "sex": "female",
        "weight_kg": 70,
        "pregnant": False,
        "breastfeeding": False,
        "conditions": [],
        "medications": [],
        "allergies": [],
    },
    "findings": [
        {"id": "f1", "side": "left", "region": "thigh_lateral", "diameter_mm": 0.6},
        {"id": "f2", "side": "left", "region": "leg_medial", "diameter_mm": 2.0},
    ],
    "previous_sessions": [],
    "proposed_date": "2025-03-03",
}


def build_case(**patient: Any) -> dict[str, Any]:
    """A fresh copy of the base case with the patient fields given replaced."""
    document = copy.deepcopy(BASE_CASE)
    document["patient"].update(patient)
    return document


@pytest.fixture
def protocol() -> Protocol:
    return default_protocol()


@pytest.fixture
def make_case() -> CaseFactory:
    return build_case
