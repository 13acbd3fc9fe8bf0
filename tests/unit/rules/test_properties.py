"""Properties over generated cases: limits never exceeded, monotonic, always sourced."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sclero.rules import default_protocol, evaluate_document
from sclero.rules import vocabulary as v

PROTOCOL = default_protocol()
RANK = {decision.value: index for index, decision in enumerate(v.STRICTNESS)}
KNOWN_SOURCES = {s.id for s in PROTOCOL.spec.sources}
PROPOSED = date(2025, 6, 2)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _sorted(codes: frozenset[str]) -> list[str]:
    return sorted(codes)


regions = st.sampled_from(_sorted(v.Region.codes()))
finding = st.one_of(
    st.fixed_dictionaries(
        {"side": st.sampled_from(_sorted(v.Side.codes())), "region": regions,
         "diameter_mm": st.floats(0.1, 12, allow_nan=False)}
    ),
    st.fixed_dictionaries(
        {"side": st.sampled_from(_sorted(v.Side.codes())), "region": regions,
         "vein_type": st.sampled_from(["saphenous_trunk", "perforator", "recurrent"])}
    ),
)  # fmt: skip
session = st.fixed_dictionaries(
    {"date": st.integers(0, 120).map(lambda d: (PROPOSED - timedelta(days=d)).isoformat()),
     "regions": st.lists(regions, min_size=1, max_size=3)}
)  # fmt: skip
patient = st.fixed_dictionaries(
    {
        "age_years": st.integers(16, 95),
        "weight_kg": st.floats(30, 250, allow_nan=False),
        "pregnant": st.booleans(),
        "breastfeeding": st.booleans(),
        "conditions": st.lists(st.sampled_from(_sorted(v.Condition.codes())), max_size=3),
        "medications": st.lists(st.sampled_from(_sorted(v.Medication.codes())), max_size=2),
        "allergies": st.lists(st.sampled_from(_sorted(v.Allergy.codes())), max_size=2),
    }
)
duplex = st.one_of(
    st.none(),
    st.just({"performed": False}),
    st.fixed_dictionaries(
        {"performed": st.just(True), "saphenous_reflux": st.booleans(),
         "perforator_reflux": st.booleans(), "deep_reflux": st.booleans()}
    ),
)  # fmt: skip


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    findings = draw(st.lists(finding, max_size=6))
    document: dict[str, Any] = {
        "patient": draw(patient),
        "findings": [{"id": f"f{i}", **f} for i, f in enumerate(findings)],
        "previous_sessions": draw(st.lists(session, max_size=3)),
        "proposed_date": draw(st.sampled_from([PROPOSED.isoformat(), None])),
    }
    found = draw(duplex)
    if found is not None:
        document["duplex"] = found
    return document


contraindication = st.one_of(
    st.sampled_from(_sorted(v.Condition.codes())).map(lambda c: ("conditions", c)),
    st.sampled_from(_sorted(v.Medication.codes())).map(lambda c: ("medications", c)),
    st.sampled_from(_sorted(v.Allergy.codes())).map(lambda c: ("allergies", c)),
    st.sampled_from(["pregnant", "breastfeeding"]).map(lambda c: (c, "")),
)


@FAST
@given(cases())
def test_no_case_yields_limits_or_plan_beyond_the_protocol(document: dict[str, Any]) -> None:
    plan = evaluate_document(document)["plan"]
    limits = PROTOCOL.limits
    session = plan["session_limits"]
    weight = document["patient"]["weight_kg"]
    assert session["max_agent_mg"] <= limits.polidocanol_mg_per_kg * weight + 1e-6
    assert session["max_liquid_ml"] <= limits.max_liquid_ml
    assert session["max_sts_ml"] <= limits.max_sts_ml
    assert session["max_foam_ml"] <= limits.max_foam_ml
    for item in plan["items"]:
        if item["technique"] == "refer":
            assert item["concentration_percent"] is None
            continue
        row = PROTOCOL.concentrations[(item["vein_type"], item["agent"], item["technique"])]
        assert item["concentration_percent"]["max"] <= row.max
        volume = PROTOCOL.volumes.get((item["vein_type"], item["technique"]))
        ceiling = volume.max_ml if volume else limits.max_foam_ml
        assert item["max_volume_per_injection_ml"] <= ceiling
    assert plan["compression"]["max_days"] <= 21


@FAST
@given(cases(), contraindication)
def test_adding_a_contraindication_never_relaxes_the_decision(
    document: dict[str, Any], added: tuple[str, str]
) -> None:
    before = evaluate_document(document)["screening"]["decision"]
    key, code = added
    patient = document["patient"]
    if code:
        patient[key] = [*patient[key], code]
    else:
        patient[key] = True
    after = evaluate_document(document)["screening"]["decision"]
    assert RANK[after] <= RANK[before], (added, before, after)


@FAST
@given(cases())
def test_everything_the_engine_says_carries_a_known_source(document: dict[str, Any]) -> None:
    result = evaluate_document(document)
    plan = result["plan"]
    sourced = [
        *result["screening"]["findings"],
        *plan["items"],
        *plan["referrals"],
        *plan["aftercare"],
        *plan["preparation"],
        plan["session_limits"],
        plan["compression"],
        plan["expectations"],
        plan["expected_sessions"],
        plan["order"],
    ]
    for entry in sourced:
        assert entry["sources"], entry
        assert set(entry["sources"]) <= KNOWN_SOURCES, entry
        assert isinstance(entry.get("confirmed", True), bool)
    for item in result["screening"]["findings"]:
        assert isinstance(item["confirmed"], bool)


@FAST
@given(cases())
def test_decision_matches_the_plan(document: dict[str, Any]) -> None:
    result = evaluate_document(document)
    decision = result["screening"]["decision"]
    findings = result["screening"]["findings"]
    counted = [f for f in findings if f["applies_to_plan"]]
    expected = min((RANK[f["effect"]] for f in counted), default=RANK["eligible"])
    assert RANK[decision] == expected
    if decision == "contraindicated":
        assert result["plan"]["items"] == []
    if result["plan"]["referrals"]:
        assert RANK[decision] <= RANK["refer"]
    foam_blocked = any(
        f["applies_to"] == "foam" and RANK[f["effect"]] < RANK["eligible_with_precautions"]
        for f in findings
    )
    if foam_blocked:
        assert all(i["technique"] != "foam" for i in result["plan"]["items"])
