"""The consent text a patient reads and signs, generated from the plan and the protocol."""

from __future__ import annotations

import unicodedata
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
        *(f"- {risk}" for risk in _risks(protocol)),
        "",
        _emergency(protocol),
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


def _risks(protocol: Protocol) -> list[str]:
    """The protocol's consent risks, each with how often it happens."""
    meanings = {w.code: w.meaning for w in protocol.spec.adverse_events.frequency_words}
    risks = []
    for risk in protocol.spec.consent_risks:
        word = risk.frequency
        if word in meanings:
            word = f"{word.replace('_', ' ')} ({meanings[word]})"
        risks.append(f"{risk.label}{f' — {word}' if word else ''}")
    return risks


def _emergency(protocol: Protocol) -> str:
    signs = protocol.spec.emergency_signs
    return f"Emergency signs: {'; '.join(signs.signs)}. {signs.message}"


def signed_by_patient(signed: str, first_name: str, last_name: str) -> bool:
    """Whether a typed signature is the patient's name: every word of first and last name, in
    either order, with or without a comma, accents or capitals ("Zoë O'Brien" = "obrien, zoe")."""
    return _words(signed) == _words(f"{first_name} {last_name}")


def _words(name: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", name.casefold())
    letters = "".join(ch for ch in plain if not unicodedata.combining(ch))
    cleaned = "".join(
        ch if ch.isalnum() else " " if ch in ",-" or ch.isspace() else "" for ch in letters
    )
    return sorted(cleaned.split())
