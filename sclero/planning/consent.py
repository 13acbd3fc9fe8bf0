"""The consent text a patient reads and signs, generated from the plan and the protocol."""

from __future__ import annotations

from typing import Any

from sclero.planning.models import TreatmentPlan
from sclero.rules import Protocol
from sclero.rules.vocabulary import VeinType


def consent_text(plan: TreatmentPlan, protocol: Protocol) -> str:
    """Plain-language consent: what will be treated, how, what to expect, the risks, the limits."""
    lines = [
        f"Treatment plan {plan.id} — sclerotherapy (protocol {plan.protocol_id} "
        f"{plan.protocol_version}).",
        "",
        "What will be treated:",
        *_treated(plan),
        "",
        f"Expected number of sessions: {plan.expected_sessions or 'to be decided at follow-up'}, "
        f"at least {plan.interval_days} days apart on the same area.",
        *_expectations(plan.proposal.get("expectations")),
        "",
        "Risks explained to me:",
        *(f"- {risk}" for risk in _risks(plan.proposal)),
        "",
        "Sclero supports the clinician's judgement; it does not replace it.",
    ]
    return "\n".join(lines)


def _treated(plan: TreatmentPlan) -> list[str]:
    lines = []
    for item in plan.items:
        what = (
            VeinType(item.vein_type).label if item.vein_type in VeinType.codes() else item.vein_type
        )
        if item.technique == "refer":
            lines.append(f"- {what}: referred for another treatment or test first")
        else:
            lines.append(f"- {what}: {item.technique} sclerotherapy with {item.agent}")
    return lines or ["- (no vein findings in the plan)"]


def _expectations(expectations: Any) -> list[str]:
    if not isinstance(expectations, dict):
        return []
    lines = []
    for key, value in expectations.items():
        if key in {"sources", "confirmed"}:
            continue
        text = value.get("text") if isinstance(value, dict) else value
        if text:
            lines.append(f"{key.replace('_', ' ').capitalize()}: {text}")
    return lines


def _risks(proposal: dict[str, Any]) -> list[str]:
    risks = proposal.get("risks") or (proposal.get("expectations") or {}).get("risks")
    if isinstance(risks, list) and risks:
        return [r.get("text", str(r)) if isinstance(r, dict) else str(r) for r in risks]
    return [
        "bruising, mild swelling, itching or burning where injected",
        "brown discolouration or new tiny veins (matting) near treated veins",
        "a painful lump (trapped blood) that may need draining",
        "rarely a skin sore, a deep vein thrombosis or a clot in the lungs",
        "rarely visual disturbance, headache or an allergic reaction",
    ]


__all__ = ["consent_text"]
