"""The demo's approved plans: the engine's proposal stored as the planning step stores it, with
the consent the patient (or, for a minor, a parent) signed."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

from sclero.demo.people import FEMALE_NAMES, MALE_NAMES, age_on
from sclero.demo.store import Clinic
from sclero.planning.consent import consent_text
from sclero.planning.models import TreatmentPlan

TREATABLE = {"eligible", "eligible_with_precautions"}
DECISION_REASON = "Reviewed with the patient: benefit outweighs the risk; precautions discussed."


def plan(
    clinic: Clinic,
    rng: random.Random,
    person: dict[str, Any],
    evaluation_id: int,
    at: datetime,
    result: dict[str, Any],
) -> int:
    """An approved plan from the engine's proposal, with the consent the patient signed."""
    ids, rows, plan_doc = clinic.ids, clinic.rows, result["plan"]
    created = at + timedelta(minutes=25)
    plan_id = ids.next("treatment_plans")
    plan_row = _plan_row(clinic, person, evaluation_id, plan_id, created, result)
    items = _item_rows(clinic, plan_id, plan_doc["items"])
    rows.add("treatment_plans", plan_row)
    rows.extend("plan_items", items)
    rows.add(
        "consents",
        {
            "id": ids.next("consents"),
            "patient_id": person["id"],
            "plan_id": plan_id,
            "text": _consent_text(clinic, plan_row, items),
            **_signer(clinic, rng, person, created.date()),
            "signed_at": created + timedelta(minutes=rng.randint(8, 20)),
            "witnessed_by_id": clinic.staff["nurse"],
        },
    )
    return plan_id


def _plan_row(
    clinic: Clinic,
    person: dict[str, Any],
    evaluation_id: int,
    plan_id: int,
    created: datetime,
    result: dict[str, Any],
) -> dict[str, Any]:
    """The approved plan as the planning step stores it, from the engine's proposal."""
    physician = clinic.staff["physician"]
    plan_doc, limits = result["plan"], result["plan"]["session_limits"]
    expected = plan_doc.get("expected_sessions")
    if isinstance(expected, dict):
        expected = f"{expected.get('min')}–{expected.get('max')}"
    return {
        "id": plan_id,
        "patient_id": person["id"],
        "evaluation_id": evaluation_id,
        "status": "approved",
        "created_by_id": physician,
        "approved_by_id": physician,
        "approved_at": created + timedelta(minutes=5),
        "protocol_id": result["protocol"]["id"],
        "protocol_version": result["protocol"]["version"],
        "proposal": plan_doc,
        "weight_kg": person["weight_kg"],
        "max_agent_mg": limits.get("max_agent_mg"),
        "max_foam_ml": limits.get("max_foam_ml"),
        "max_liquid_ml": limits.get("max_liquid_ml"),
        "expected_sessions": None if expected is None else str(expected),
        "interval_days": clinic.protocol.interval_days,
        "compression": plan_doc.get("compression"),
        "notes": None
        if result["screening"]["decision"] in TREATABLE
        else "Physician review: benefit outweighs the risk; precautions discussed.",
        **_physician_decision(result, physician),
        "created_at": created,
        "updated_at": created + timedelta(minutes=5),
    }


def _item_rows(
    clinic: Clinic, plan_id: int, proposed: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The plan's items, one per proposed item, in the proposal's order."""
    items = []
    for position, item in enumerate(proposed):
        concentration = item.get("concentration_percent") or {}
        items.append(
            {
                "id": clinic.ids.next("plan_items"),
                "plan_id": plan_id,
                "finding_id": int(item["finding_id"]) if item.get("finding_id") else None,
                "position": position,
                "vein_type": item["vein_type"],
                "technique": item["technique"],
                "agent": item.get("agent"),
                "concentration_min": concentration.get("min"),
                "concentration_max": concentration.get("max"),
                "max_volume_per_injection_ml": item.get("max_volume_per_injection_ml"),
                "sources": list(item.get("sources", [])),
                "departs_from_proposal": False,
                "departure_reason": None,
            }
        )
    return items


def _signer(
    clinic: Clinic, rng: random.Random, person: dict[str, Any], day: date
) -> dict[str, Any]:
    """Who signs the consent: the patient, or for a minor a parent, naming the relationship."""
    if age_on(person["birth_date"], day) >= clinic.protocol.minor_below_age_years:
        name = f"{person['first_name']} {person['last_name']}"
        return {"signed_by_name": name, "representative_relationship": None}
    relationship = rng.choice(("mother", "father", "legal guardian"))
    first = rng.choice(MALE_NAMES if relationship == "father" else FEMALE_NAMES)
    return {
        "signed_by_name": f"{first} {person['last_name']}",
        "representative_relationship": relationship,
    }


def _physician_decision(result: dict[str, Any], physician: int) -> dict[str, Any]:
    """What the physician decided past at approval, as the app records it: the screening's
    referrals and relative contraindications that need a physician, with a written reason."""
    codes = sorted(result["screening"].get("needs_physician_decision") or [])
    return {
        "physician_decision_codes": codes or None,
        "physician_decision_reason": DECISION_REASON if codes else None,
        "physician_decision_by_id": physician if codes else None,
    }


def _consent_text(clinic: Clinic, plan_row: dict[str, Any], items: list[dict[str, Any]]) -> str:
    """The planning step's own consent text, read from a plain stand-in for the unsaved plan.

    (Building transient ORM objects instead took a third of the generator's time.)
    """
    plan = SimpleNamespace(**plan_row, items=[SimpleNamespace(**item) for item in items])
    return consent_text(cast(TreatmentPlan, plan), clinic.protocol)
