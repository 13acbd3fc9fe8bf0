"""A follow-up's clearance summary counts what the clinic's protocol calls a success: the clearance
scale's `success_level` and its label, never a number written into a page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sclero.follow_up.models import FollowUp, RegionClearance
from sclero.follow_up.queries import clearance_summary
from sclero.rules import Protocol, default_protocol, parse_protocol
from sclero.rules.loading import DEFAULT_PROTOCOL_PATH


@dataclass
class ProtocolOnly:
    """The one part of a unit of work the summary reads."""

    protocol: Protocol


def follow_up(*levels: int) -> FollowUp:
    return FollowUp(clearances=[RegionClearance(level=level) for level in levels])


def summary(protocol: Protocol, *levels: int) -> Any:
    return clearance_summary(ProtocolOnly(protocol), follow_up(*levels))  # type: ignore[arg-type]


def test_the_shipped_scale_counts_its_success_level_and_above_in_its_own_words() -> None:
    shipped = default_protocol()
    level = shipped.spec.clearance_scale.success_level
    result = summary(shipped, level, level - 1, 0)
    assert (result.cleared, result.regions) == (1, 3)
    assert result.text == f"1/3 regions {shipped.clearance_labels[level]}"


def test_a_clinic_that_counts_a_lower_level_as_success_sees_its_own_count() -> None:
    text = DEFAULT_PROTOCOL_PATH.read_text(encoding="utf-8")
    assert "  success_level: 3 " in text
    lenient = parse_protocol(text.replace("  success_level: 3 ", "  success_level: 2 ", 1))
    result = summary(lenient, 2, 3, 1)
    assert (result.cleared, result.regions) == (2, 3)
    assert result.text == f"2/3 regions {lenient.clearance_labels[2]}"


def test_one_region_is_named_in_the_singular() -> None:
    assert summary(default_protocol(), 0).text.startswith("0/1 region ")
