"""The dose guard: session limits by weight and the check of each charted injection."""

from __future__ import annotations

import pytest

from sclero.rules import CaseError, InjectionFacts, SessionLimits, check_injection, session_limits

POL = "polidocanol"
STS = "sodium_tetradecyl_sulfate"


def liquid(
    volume: float, percent: float = 1.0, vein: str | None = "varicose", agent: str = POL
) -> InjectionFacts:
    return InjectionFacts(agent, "liquid", percent, volume, vein)


def foam(
    volume: float, percent: float = 1.0, ratio: tuple[int, int] | None = None
) -> InjectionFacts:
    return InjectionFacts(POL, "foam", percent, volume, "varicose", ratio)


def test_70_kg_gives_140_mg_polidocanol_and_the_fixed_volume_limits() -> None:
    limits = session_limits(70)
    assert limits.max_agent_mg == 140.0
    assert (limits.max_liquid_ml, limits.max_sts_ml, limits.max_foam_ml) == (10.0, 10.0, 10.0)
    assert limits.anaphylaxis_precaution_ml == 3.0
    assert limits.source_map["max_agent_mg"] == ("EG2014",)
    assert limits.confirmed_map["max_agent_mg"] is False
    assert limits.source_map["max_liquid_ml"] == ("ASCLERA",)
    assert set(limits.sources) == {"EG2014", "ASCLERA", "SOTRADECOL"}


@pytest.mark.parametrize(("weight", "mg"), [(50, 100.0), (62.5, 125.0), (100, 200.0)])
def test_polidocanol_limit_scales_with_weight(weight: float, mg: float) -> None:
    assert session_limits(weight).max_agent_mg == mg


@pytest.mark.parametrize("weight", [0, -1, float("nan"), float("inf"), True, "70"])
def test_session_limits_refuse_impossible_weight(weight: object) -> None:
    with pytest.raises(CaseError) as refused:
        session_limits(weight)  # type: ignore[arg-type]
    assert refused.value.field == "weight_kg"


def test_injection_within_every_limit_is_allowed_with_its_tally() -> None:
    check = check_injection(session_limits(70), [liquid(1.0)], liquid(0.5, 2.0))
    assert check.allowed
    assert check.violations == []
    assert check.tally.agent_mg == {POL: 20.0}
    assert check.tally.liquid_ml == 1.5
    assert check.tally.foam_ml == 0.0


def test_exceeding_polidocanol_mg_reports_given_limit_remaining() -> None:
    limits = session_limits(20)  # 40 mg
    check = check_injection(limits, [liquid(1.0)] * 3, liquid(1.0, 2.0))
    assert not check.allowed
    (violation,) = check.violations
    assert violation.code == "agent_mg_above_session_max"
    assert (violation.given, violation.limit, violation.remaining, violation.unit) == (
        50.0,
        40.0,
        10.0,
        "mg",
    )
    assert violation.sources == ("EG2014",)
    assert "50 mg" in violation.message


def test_exceeding_liquid_volume_reports_no_volume_remaining() -> None:
    check = check_injection(session_limits(100), [liquid(1.0, 0.5)] * 10, liquid(0.5, 0.5))
    (violation,) = check.violations
    assert violation.code == "liquid_ml_above_session_max"
    assert (violation.given, violation.limit, violation.remaining) == (10.5, 10.0, 0.0)
    assert violation.sources == ("ASCLERA",)


def test_sts_above_ten_ml_breaks_both_sts_and_liquid_limits() -> None:
    charted = [liquid(1.0, 1.0, agent=STS)] * 10
    check = check_injection(session_limits(70), charted, liquid(0.2, 1.0, agent=STS))
    assert {v.code for v in check.violations} == {
        "liquid_ml_above_session_max",
        "sts_ml_above_session_max",
    }
    sts = next(v for v in check.violations if v.code == "sts_ml_above_session_max")
    assert sts.sources == ("SOTRADECOL",)
    assert sts.given == 10.2


def test_foam_counts_its_liquid_fraction_for_mass_and_its_volume_for_the_foam_limit() -> None:
    check = check_injection(session_limits(70), [foam(9.0)], foam(2.0))
    (violation,) = check.violations
    assert violation.code == "foam_ml_above_session_max"
    assert (violation.given, violation.limit, violation.remaining) == (11.0, 10.0, 1.0)
    # 11 mL foam at 1:4 = 2.2 mL of 1 % solution = 22 mg
    assert check.tally.agent_mg[POL] == pytest.approx(22.0)
    assert check.tally.foam_ml == 11.0


def test_foam_ratio_changes_the_mass_and_is_checked_against_the_range() -> None:
    check = check_injection(session_limits(70), [], foam(5.0, ratio=(1, 3)))
    assert check.tally.agent_mg[POL] == pytest.approx(12.5)
    assert check.precautions == []
    wide = check_injection(session_limits(70), [], foam(5.0, ratio=(1, 8)))
    assert [p.code for p in wide.precautions] == ["foam_ratio_outside_range"]
    assert wide.allowed


def test_more_than_3_ml_polidocanol_shows_the_anaphylaxis_precaution() -> None:
    limits = session_limits(70)
    at_three = check_injection(limits, [liquid(1.0)] * 2, liquid(1.0))
    assert at_three.precautions == []
    above = check_injection(limits, [liquid(1.0)] * 3, liquid(0.1))
    assert [p.code for p in above.precautions] == ["polidocanol_anaphylaxis_volume"]
    assert above.precautions[0].sources == ("ASCLERA",)
    assert above.allowed


def test_volume_per_injection_above_the_vein_type_maximum_is_a_violation() -> None:
    limits = session_limits(70)
    ok = check_injection(limits, [], liquid(0.2, 0.5, "telangiectasia"))
    assert ok.allowed
    check = check_injection(limits, [], liquid(0.3, 0.5, "telangiectasia"))
    (violation,) = check.violations
    assert violation.code == "volume_per_injection_above_max"
    assert (violation.given, violation.limit, violation.unit) == (0.3, 0.2, "mL")
    assert check_injection(limits, [], liquid(0.31, 1.0, "reticular")).violations[0].limit == 0.3


def test_concentration_above_the_range_blocks_below_the_range_warns() -> None:
    limits = session_limits(70)
    high = check_injection(limits, [], liquid(0.1, 1.0, "telangiectasia"))
    assert [v.code for v in high.violations] == ["concentration_above_max"]
    assert high.violations[0].limit == 0.5
    low = check_injection(limits, [], liquid(0.1, 0.1, "telangiectasia"))
    assert low.allowed
    assert [p.code for p in low.precautions] == ["concentration_below_range"]
    sts = check_injection(limits, [], liquid(0.1, 0.3, "telangiectasia", STS))
    assert sts.violations[0].limit == 0.2


def test_technique_without_a_protocol_range_is_a_violation() -> None:
    check = check_injection(session_limits(70), [], liquid(1.0, 1.0, "saphenous_trunk"))
    assert [v.code for v in check.violations] == ["no_protocol_range"]


def test_unknown_vein_type_is_a_violation_a_physician_must_own() -> None:
    check = check_injection(session_limits(70), [], liquid(4.0, 3.0, None))  # 120 mg
    assert not check.allowed
    assert [v.code for v in check.violations] == ["vein_type_unknown"]
    assert {p.code for p in check.precautions} == {"polidocanol_anaphylaxis_volume"}


def test_limits_survive_a_round_trip_through_their_document() -> None:
    limits = session_limits(64)
    assert SessionLimits.from_document(limits.to_document()) == limits


@pytest.mark.parametrize(
    ("injection", "field"),
    [
        (InjectionFacts("saline", "liquid", 1.0, 1.0), "new.agent"),
        (InjectionFacts(POL, "gel", 1.0, 1.0), "new.technique"),
        (InjectionFacts(POL, "liquid", 0.0, 1.0), "new.concentration_percent"),
        (InjectionFacts(POL, "liquid", 1.0, -1.0), "new.volume_ml"),
        (InjectionFacts(POL, "liquid", 1.0, 1.0, "spider"), "new.vein_type"),
        (InjectionFacts(POL, "liquid", 1.0, 1.0, None, (1, 4)), "new.liquid_gas_ratio"),
        (InjectionFacts(POL, "foam", 1.0, 1.0, None, (0, 4)), "new.liquid_gas_ratio"),
    ],
)
def test_impossible_injection_is_refused(injection: InjectionFacts, field: str) -> None:
    with pytest.raises(CaseError) as refused:
        check_injection(session_limits(70), [], injection)
    assert refused.value.field == field


def test_bad_charted_injection_is_refused_with_its_index() -> None:
    with pytest.raises(CaseError) as refused:
        check_injection(session_limits(70), [liquid(1.0), liquid(-1.0)], liquid(1.0))
    assert refused.value.field == "charted[1].volume_ml"
