"""Evaluating cases: decision, foam switching, agents, referrals, order, dates, document shape."""

from __future__ import annotations

import ast
import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sclero.rules import (
    DEFAULT_PROTOCOL_PATH,
    evaluate,
    evaluate_document,
    load_protocol,
    parse_case,
)

CaseFactory = Callable[..., dict[str, Any]]
RULES_DIR = Path(__file__).resolve().parents[3] / "sclero" / "rules"


def vein(
    fid: str, diameter: float | None = None, region: str = "thigh_lateral", **extra: Any
) -> dict[str, Any]:
    finding: dict[str, Any] = {"id": fid, "side": "left", "region": region, **extra}
    if diameter is not None:
        finding["diameter_mm"] = diameter
    return finding


def codes(result: dict[str, Any]) -> list[str]:
    return [f["code"] for f in result["screening"]["findings"]]


def test_healthy_patient_with_spider_and_reticular_veins_is_eligible(
    make_case: CaseFactory,
) -> None:
    result = evaluate_document(make_case())
    assert result["protocol"] == {"id": "sclero-default", "version": "1.0.0"}
    assert result["screening"]["decision"] == "eligible"
    assert result["screening"]["findings"] == []
    assert result["screening"]["reasons"] == []
    plan = result["plan"]
    reticular, spider = plan["items"]  # larger veins first
    assert (reticular["finding_id"], reticular["technique"], reticular["agent"]) == (
        "f2",
        "liquid",
        "polidocanol",
    )
    assert reticular["concentration_percent"] == {"min": 0.5, "max": 1.0}
    assert reticular["max_volume_per_injection_ml"] == 0.3
    assert spider["concentration_percent"] == {"min": 0.25, "max": 0.5}
    assert spider["max_volume_per_injection_ml"] == 0.2
    assert "DGP2020" in spider["sources"]
    assert plan["session_limits"]["max_agent_mg"] == 140.0
    assert plan["session_limits"]["max_foam_ml"] == 10.0
    assert plan["follow_up_date"] == "2025-03-31"
    assert plan["earliest_next_session"] == "2025-03-31"
    assert (plan["compression"]["min_days"], plan["compression"]["max_days"]) == (5, 7)
    assert plan["referrals"] == []
    assert [s["finding_id"] for s in plan["order"]["steps"]] == ["f2", "f1"]
    assert {a["code"] for a in plan["aftercare"]} >= {"walk_after_injection", "avoid_for_days"}
    assert plan["expected_sessions"]["confirmed"] is False
    json.dumps(result)


def test_foam_only_contraindication_does_not_block_liquid_microsclerotherapy(
    make_case: CaseFactory,
) -> None:
    result = evaluate_document(make_case(conditions=["symptomatic_right_to_left_shunt"]))
    assert result["screening"]["decision"] == "eligible"
    (finding,) = result["screening"]["findings"]
    assert (finding["code"], finding["kind"], finding["applies_to"]) == (
        "symptomatic_right_to_left_shunt",
        "absolute",
        "foam",
    )
    assert finding["applies_to_plan"] is False
    assert finding["confirmed"] is False
    assert {i["technique"] for i in result["plan"]["items"]} == {"liquid"}


def test_foam_only_finding_switches_planned_foam_to_liquid(make_case: CaseFactory) -> None:
    document = make_case(conditions=["symptomatic_right_to_left_shunt"])
    document["findings"] = [vein("v1", 4.0)]
    document["duplex"] = {"performed": True}
    result = evaluate_document(document)
    (item,) = result["plan"]["items"]
    assert (item["technique"], item["switched"]) == ("liquid", True)
    assert item["concentration_percent"] == {"min": 1.0, "max": 3.0}
    assert result["screening"]["decision"] == "eligible_with_precautions"
    assert "technique_switched" in codes(result)
    without = copy.deepcopy(document)
    without["patient"]["conditions"] = []
    assert evaluate_document(without)["plan"]["items"][0]["technique"] == "foam"


def test_no_technique_left_refers_the_vein(tmp_path: Path, make_case: CaseFactory) -> None:
    text = DEFAULT_PROTOCOL_PATH.read_text(encoding="utf-8")
    kept = [
        line
        for line in text.splitlines()
        if not ("vein_type: varicose, agent:" in line and "liquid" in line)
    ]
    path = tmp_path / "foam-only-varicose.yaml"
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    protocol = load_protocol(path)
    document = make_case(conditions=["migraine_with_aura"])
    document["findings"] = [vein("v1", 5.0)]
    document["duplex"] = {"performed": True}
    result = evaluate_document(document, protocol)
    assert result["plan"]["items"][0]["technique"] == "refer"
    assert "technique_unavailable" in codes(result)
    assert result["screening"]["decision"] == "refer"


def test_allergy_to_polidocanol_chooses_sts(make_case: CaseFactory) -> None:
    result = evaluate_document(make_case(allergies=["polidocanol"]))
    assert {i["agent"] for i in result["plan"]["items"]} == {"sodium_tetradecyl_sulfate"}
    spider = next(i for i in result["plan"]["items"] if i["vein_type"] == "telangiectasia")
    assert spider["concentration_percent"] == {"min": 0.1, "max": 0.2}
    assert result["screening"]["decision"] == "eligible_with_precautions"


def test_allergy_to_both_agents_is_contraindicated_with_no_plan(make_case: CaseFactory) -> None:
    result = evaluate_document(make_case(allergies=["polidocanol", "sodium_tetradecyl_sulfate"]))
    assert result["screening"]["decision"] == "contraindicated"
    assert "no_agent_available" in codes(result)
    assert result["plan"]["items"] == []
    assert result["plan"]["compression"]["required"] is False


def test_pregnancy_defers_and_gives_no_follow_up(make_case: CaseFactory) -> None:
    result = evaluate_document(make_case(pregnant=True))
    assert result["screening"]["decision"] == "defer"
    assert result["plan"]["follow_up_date"] is None


def test_strictest_finding_wins(make_case: CaseFactory) -> None:
    document = make_case(
        conditions=["history_dvt", "acute_dvt"], medications=["anticoagulant"], pregnant=True
    )
    result = evaluate_document(document)
    assert result["screening"]["decision"] == "contraindicated"
    assert result["plan"]["items"] == []
    assert set(codes(result)) == {"history_dvt", "acute_dvt", "anticoagulant", "pregnancy"}


def test_varicose_vein_without_duplex_is_referred_first(make_case: CaseFactory) -> None:
    document = make_case()
    document["findings"].append(vein("v3", 3.0, "knee_posterior"))
    result = evaluate_document(document)
    assert result["screening"]["decision"] == "refer"
    (referral,) = result["plan"]["referrals"]
    assert (referral["code"], referral["to"], referral["finding_ids"]) == (
        "duplex_before_treatment",
        "duplex_ultrasound",
        ["v3"],
    )
    steps = result["plan"]["order"]["steps"]
    assert steps[0] == {
        "kind": "referral",
        "code": "duplex_before_treatment",
        "to": "duplex_ultrasound",
        "step": 1,
    }
    assert [s.get("finding_id") for s in steps[1:]] == ["v3", "f2", "f1"]


DONE = {"performed": True}
EVA, SURGERY = "endovenous_ablation", "vascular_surgery"


@pytest.mark.parametrize(
    ("finding", "duplex", "expected"),
    [
        (vein("s", vein_type="saphenous_trunk"), DONE, {("saphenous_trunk_vein", EVA)}),
        (vein("p", vein_type="perforator"), DONE, {("perforator_vein", SURGERY)}),
        (vein("p", vein_type="perforator"), None,
         {("perforator_vein", SURGERY), ("duplex_before_treatment", "duplex_ultrasound")}),
        (vein("t", 0.5), {**DONE, "saphenous_reflux": True}, {("saphenous_reflux", EVA)}),
        (vein("t", 0.5), {**DONE, "perforator_reflux": True}, {("perforator_reflux", SURGERY)}),
        (vein("t", 0.5), {**DONE, "deep_reflux": True}, {("deep_reflux", SURGERY)}),
        (vein("t", 0.5, "face"), None, {("face_treatment", "physician_review")}),
        (vein("v", 6.0), {"performed": True}, set()),
    ],
)  # fmt: skip
def test_referrals(
    make_case: CaseFactory,
    finding: dict[str, Any],
    duplex: dict[str, Any] | None,
    expected: set[tuple[str, str]],
) -> None:
    document = make_case()
    document["findings"] = [finding]
    if duplex is not None:
        document["duplex"] = duplex
    result = evaluate_document(document)
    assert {(r["code"], r["to"]) for r in result["plan"]["referrals"]} == expected
    assert result["screening"]["decision"] == ("refer" if expected else "eligible")


def test_saphenous_trunk_is_not_injected_here(make_case: CaseFactory) -> None:
    document = make_case()
    document["findings"] = [vein("s", vein_type="saphenous_trunk"), vein("t", 0.4)]
    document["duplex"] = {"performed": True}
    items = evaluate_document(document)["plan"]["items"]
    assert items[0]["finding_id"] == "s"
    assert (items[0]["technique"], items[0]["agent"], items[0]["concentration_percent"]) == (
        "refer",
        None,
        None,
    )


def test_too_short_interval_defers_to_the_earliest_date(make_case: CaseFactory) -> None:
    document = make_case()
    document["previous_sessions"] = [{"date": "2025-02-20", "regions": ["leg_medial"]}]
    result = evaluate_document(document)
    assert result["screening"]["decision"] == "defer"
    assert "interval_too_short" in codes(result)
    assert result["plan"]["interval"]["conflicting_regions"] == ["leg_medial"]
    assert result["plan"]["earliest_next_session"] == "2025-03-20"


def test_without_proposed_date_next_session_follows_the_last_one(make_case: CaseFactory) -> None:
    document = make_case()
    del document["proposed_date"]
    assert evaluate_document(document)["plan"]["earliest_next_session"] is None
    document["previous_sessions"] = [
        {"date": "2025-01-05", "regions": ["thigh_lateral"]},
        {"date": "2025-02-01", "regions": ["foot"]},
    ]
    plan = evaluate_document(document)["plan"]
    assert plan["earliest_next_session"] == "2025-02-02"
    assert plan["follow_up_date"] is None


def test_evaluation_is_pure_and_leaves_the_document_alone(make_case: CaseFactory) -> None:
    document = make_case(conditions=["bronchial_asthma"])
    before = copy.deepcopy(document)
    first = evaluate_document(document)
    first["plan"]["aftercare"].clear()
    assert evaluate_document(document) != first
    assert document == before
    case = parse_case(document)
    assert evaluate(case).to_document() == evaluate(case).to_document()


def test_document_keys_are_the_contract(make_case: CaseFactory) -> None:
    result = evaluate_document(make_case(medications=["antiplatelet"]))
    assert {"protocol", "screening", "plan"} <= result.keys()
    assert {"code", "kind", "applies_to", "message", "sources", "confirmed"} <= result["screening"][
        "findings"
    ][0].keys()
    item_keys = {
        "finding_id",
        "vein_type",
        "technique",
        "agent",
        "concentration_percent",
        "max_volume_per_injection_ml",
        "sources",
    }
    assert item_keys <= result["plan"]["items"][0].keys()
    plan_keys = {
        "items", "referrals", "session_limits", "earliest_next_session", "follow_up_date",
        "compression", "aftercare", "expected_sessions", "expectations", "order",
    }  # fmt: skip
    assert plan_keys <= result["plan"].keys()
    assert {"max_agent_mg", "max_foam_ml", "sources"} <= result["plan"]["session_limits"].keys()


FORBIDDEN = ("sqlalchemy", "fastapi", "jinja2", "typer", "starlette")


@pytest.mark.parametrize("module", sorted(p.name for p in RULES_DIR.glob("*.py")))
def test_rules_import_nothing_from_the_rest_of_sclero(module: str) -> None:
    tree = ast.parse((RULES_DIR / module).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            assert not name.startswith(FORBIDDEN), name
            assert not name.startswith("sclero.") or name.startswith("sclero.rules"), name
