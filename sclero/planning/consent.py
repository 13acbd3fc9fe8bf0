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
        "Risks explained to me (emergency signs — chest pain, breathlessness, coughing blood,"
        " a swollen painful calf, visual or neurological disturbance — mean urgent care now):",
        *(f"- {risk}" for risk in _risks(plan, protocol)),
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
    """What the patient may expect: the success message and when veins fade, from the protocol."""
    if not isinstance(expectations, dict):
        return []
    lines = [str(expectations["message"])] if expectations.get("message") else []
    for fade in expectations.get("fade", []):
        kinds = " and ".join(VeinType(v).label.lower() for v in fade.get("vein_types", []))
        lines.append(
            f"{kinds.capitalize()} veins usually fade in {fade['min']:g}–{fade['max']:g} "
            f"{fade.get('unit', 'weeks')}."
        )
    return lines


def _risks(plan: TreatmentPlan, protocol: Protocol) -> list[str]:
    """The protocol's adverse-event catalogue, with how often each happens for this technique."""
    technique = "foam" if any(i.technique == "foam" for i in plan.items) else "liquid"
    meanings = {w.code: w.meaning for w in protocol.spec.adverse_events.frequency_words}
    risks = []
    for event in protocol.spec.adverse_events.events:
        word = getattr(event, technique) or event.liquid
        how_often = f" — {word.replace('_', ' ')} ({meanings.get(word, '')})" if word else ""
        risks.append(f"{event.label}{how_often}")
    return risks
