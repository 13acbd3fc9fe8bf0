"""Vein findings as the assessment records them."""

from __future__ import annotations

from typing import Any


def vein(
    region: str = "leg_medial", diameter_mm: float = 2.0, side: str = "left"
) -> dict[str, Any]:
    """A finding's body: a 2 mm (reticular) vein on the left inner calf unless told otherwise."""
    return {"side": side, "region": region, "diameter_mm": diameter_mm}
