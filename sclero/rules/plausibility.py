"""Plausible ranges of measured values (age, weight, diameter), from the protocol's settings.

One check for every door — the engine's case parser, the API, the pages and the command line —
so a value refused in one place is refused in all of them, with the same words.
"""

from __future__ import annotations

import math
from typing import Any

from sclero.rules.errors import CaseError
from sclero.rules.protocol import Protocol

_WHAT = {
    "age_years": "the age",
    "weight_kg": "the weight",
    "diameter_mm": "the diameter",
}


def as_number(value: Any, field: str) -> float:
    """A finite number, or a CaseError: booleans, text, NaN, infinity and overflowing integers
    are refused (1e308 kg would give an infinite dose ceiling)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CaseError(field, "expected a number")
    try:
        number = float(value)  # a whole number too large for a float overflows here
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise CaseError(field, "not a usable number; check the value")
    return number


def bound_message(name: str, protocol: Protocol) -> str:
    """`Enter the weight from 2 to 350 kg.` — the words every door uses for this range."""
    bound = protocol.bound(name)
    return f"Enter {_WHAT.get(name, name)} from {bound.min:g} to {bound.max:g} {bound.unit}."


def plausible(value: Any, name: str, protocol: Protocol, field: str | None = None) -> float:
    """`value` as a float when it lies in the protocol's plausible range for `name`; else a
    CaseError on `field` that names the range. Weight and diameter must also be above 0."""
    where = field or name
    try:
        number = as_number(value, where)
    except CaseError as error:
        raise CaseError(where, f"{error.message}. {bound_message(name, protocol)}") from None
    bound = protocol.bound(name)
    if name != "age_years" and number <= 0:
        raise CaseError(where, f"must be greater than 0. {bound_message(name, protocol)}")
    if not bound.min <= number <= bound.max:
        raise CaseError(where, f"{number:g} {bound.unit} is not plausible. "
                        f"{bound_message(name, protocol)}")  # fmt: skip
    return number
