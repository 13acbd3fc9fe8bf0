"""Statistics on counts the database already aggregated: Wilson intervals, Kaplan–Meier steps."""

from __future__ import annotations

from collections.abc import Iterable
from math import sqrt

Z_95 = 1.959963984540054  # two-sided 95 % normal quantile


def share(part: int | float, whole: int | float) -> float | None:
    """part / whole, or None when there is nothing to divide by."""
    return None if not whole else float(part) / float(whole)


def wilson(successes: int, trials: int, z: float = Z_95) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion (95 % by default); None without trials."""
    if trials <= 0:
        return None
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return low, high


def kaplan_meier(steps: Iterable[tuple[int, int, int]]) -> list[tuple[int, float]]:
    """Survival after each step from (time, events, at risk) rows in time order: the share
    still without the event, S(t) = Π (1 − events / at risk)."""
    survival, curve = 1.0, []
    for when, events, at_risk in steps:
        if at_risk > 0:
            survival *= 1 - events / at_risk
        curve.append((when, survival))
    return curve
