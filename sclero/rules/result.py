"""The result of evaluating a case, and its JSON-ready document (the public contract)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sclero.rules.dose_facts import DoseCheck, SessionLimits
from sclero.rules.interval import IntervalCheck
from sclero.rules.planning import CompressionPlan, FiredReferral, PlanItem
from sclero.rules.protocol import RANK, Protocol, Rule
from sclero.rules.triage import TriageResult

NOTICE = "Sclero supports clinical judgement; it never replaces it."
STOPPING_DECISIONS = frozenset({"contraindicated", "defer"})


@dataclass(frozen=True, slots=True)
class ScreeningFinding:
    """A screening rule that matched; `applies_to_plan` says whether it counts for the decision."""

    rule: Rule
    applies_to_plan: bool
    message: str

    def explained(self) -> str:
        """The message with its source ids, e.g. `Pregnancy — wait … [SEED-003, UIP2023]`."""
        return f"{self.message} [{', '.join(self.rule.sources)}]"

    def to_document(self) -> dict[str, Any]:
        rule = self.rule
        return {
            "code": rule.code,
            "kind": rule.kind,
            "applies_to": rule.applies_to,
            "effect": rule.effect,
            "applies_to_plan": self.applies_to_plan,
            "message": self.message,
            "sources": list(rule.sources),
            "confirmed": rule.confirmed,
        }


@dataclass(frozen=True, slots=True)
class EvaluationResult:
    """Screening decision and treatment plan for one case under one protocol."""

    protocol: Protocol
    decision: str
    findings: tuple[ScreeningFinding, ...]
    items: tuple[PlanItem, ...]
    referrals: tuple[FiredReferral, ...]
    session_limits: SessionLimits
    interval: IntervalCheck | None
    earliest_next_session: date | None
    follow_up_date: date | None
    compression: CompressionPlan
    planned_vein_types: frozenset[str]
    triage: TriageResult | None = None
    injection_check: DoseCheck | None = None

    @property
    def stops_treatment(self) -> bool:
        """Contraindicated or deferred: no plan, approval, session or injection."""
        return self.decision in STOPPING_DECISIONS

    @property
    def reasons(self) -> tuple[ScreeningFinding, ...]:
        """The findings that make the decision (as strict as it): what a refusal names."""
        rank = RANK[self.decision]
        return tuple(f for f in self.findings if f.applies_to_plan and f.rule.rank == rank)

    @property
    def physician_decisions(self) -> tuple[ScreeningFinding, ...]:
        """Findings that refer — a referral (duplex, ablation, vascular surgery, physician
        review) or a relative contraindication — each needing a physician's decision before
        approval and foam, unless resolved (e.g. a duplex recorded)."""
        rank = RANK["refer"]
        return tuple(f for f in self.findings if f.applies_to_plan and f.rule.rank == rank)

    def refusal(self) -> str:
        """`the screening says defer: <reason> [sources]; …` — every reason with its sources."""
        return f"the screening says {self.decision}: " + "; ".join(
            f.explained() for f in self.reasons
        )

    def to_document(self) -> dict[str, Any]:
        """The result as plain JSON types (dates as ISO strings)."""
        p = self.protocol
        static = _static(p)
        return {
            "protocol": {"id": p.id, "version": p.version},
            "notice": NOTICE,
            "screening": {
                "decision": self.decision,
                "stops_treatment": self.stops_treatment,
                "reasons": [f.rule.code for f in self.reasons],
                "needs_physician_decision": [f.rule.code for f in self.physician_decisions],
                "findings": [f.to_document() for f in self.findings],
            },
            "triage": self.triage.to_document() if self.triage is not None else None,
            "injection_check": (
                self.injection_check.to_document() if self.injection_check is not None else None
            ),
            "plan": {
                "items": [_item(i) for i in self.items],
                "referrals": [_referral(r) for r in self.referrals],
                "session_limits": self.session_limits.to_document(),
                "interval": self.interval.to_document() if self.interval else None,
                "earliest_next_session": _iso(self.earliest_next_session),
                "follow_up_date": _iso(self.follow_up_date),
                "compression": _compression(self.compression, p.spec.compression.message),
                "preparation": _texts(static["preparation"]),
                "aftercare": _texts(static["aftercare"]),
                "expected_sessions": _sessions(static["expected_sessions"]),
                "expectations": self._expectations(static),
                "order": self._order(),
            },
        }

    def _expectations(self, static: dict[str, Any]) -> dict[str, Any]:
        planned = self.planned_vein_types
        spec = static["expectations"]
        return {
            "fade": [
                {"vein_types": list(names), "min": low, "max": high, "unit": unit}
                for types, names, low, high, unit in static["fade"]
                if not planned or planned & types
            ],
            "success_rate_percent": {
                "min": spec.success_rate_percent.min,
                "max": spec.success_rate_percent.max,
            },
            "message": spec.message,
            "sources": list(spec.sources),
            "confirmed": spec.confirmed,
        }

    def _order(self) -> dict[str, Any]:
        order = self.protocol.spec.plan_order
        steps: list[dict[str, Any]] = [
            {"kind": "referral", "code": r.referral.rule.code, "to": r.referral.to}
            for r in self.referrals
        ]
        steps += [
            {"kind": "item", "finding_id": i.finding.id, "vein_type": i.finding.vein_type}
            for i in self.items
        ]
        for number, step in enumerate(steps, start=1):
            step["step"] = number
        return {
            "steps": steps,
            "message": order.message,
            "sources": list(order.sources),
            "confirmed": order.confirmed,
        }


def stored_reasons(document: Mapping[str, Any]) -> list[str]:
    """The reasons, with their sources, of a result document as it was stored: the findings
    that make its decision (documents stored before `reasons` existed: those as strict as it)."""
    screening = document.get("screening") or {}
    findings = [f for f in screening.get("findings", []) if f.get("applies_to_plan", True)]
    codes = screening.get("reasons")
    if codes is None:
        decision = screening.get("decision")
        codes = [f.get("code") for f in findings if f.get("effect") == decision]
    return [
        f"{f.get('message', '')} [{', '.join(f.get('sources', []))}]"
        for f in findings
        if f.get("code") in codes
    ]


def _sessions(spec: Any) -> dict[str, Any]:
    return {
        "min": spec.min,
        "max": spec.max,
        "sources": list(spec.sources),
        "confirmed": spec.confirmed,
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _item(item: PlanItem) -> dict[str, Any]:
    finding, choice = item.finding, item.choice
    row = choice.concentration
    return {
        "finding_id": finding.id,
        "side": finding.side,
        "region": finding.region,
        "vein_type": finding.vein_type,
        "diameter_mm": finding.diameter_mm,
        "technique": choice.technique,
        "agent": choice.agent,
        "concentration_percent": {"min": row.min, "max": row.max} if row else None,
        "max_volume_per_injection_ml": choice.max_volume_ml,
        "switched": choice.switched,
        "sources": list(choice.sources),
        "confirmed": choice.confirmed,
    }


def _referral(fired: FiredReferral) -> dict[str, Any]:
    rule = fired.referral.rule
    return {
        "code": rule.code,
        "to": fired.referral.to,
        "finding_ids": list(fired.finding_ids),
        "message": rule.message,
        "sources": list(rule.sources),
        "confirmed": rule.confirmed,
    }


def _compression(plan: CompressionPlan, message: str) -> dict[str, Any]:
    return {
        "setting": plan.setting,
        "required": plan.max_days > 0,
        "message": message if plan.max_days > 0 else "No compression needed for this plan.",
        "min_days": plan.min_days,
        "max_days": plan.max_days,
        "sources": list(plan.sources),
        "confirmed": plan.confirmed,
    }


def _static(p: Protocol) -> dict[str, Any]:
    """The parts of the document that depend only on the protocol, built once (flat tuples)."""
    static: dict[str, Any] | None = p.plan_cache.get("static_document")
    if static is None:
        spec = p.spec
        expectations = spec.expectations
        static = {
            "preparation": tuple(_text_row(item) for item in spec.preparation),
            "aftercare": tuple(_text_row(item) for item in spec.aftercare),
            "expected_sessions": spec.expected_sessions,
            "fade": tuple(
                (frozenset(f.vein_types), list(f.vein_types), f.min, f.max, f.unit)
                for f in expectations.fade
            ),
            "expectations": expectations,
        }
        p.plan_cache["static_document"] = static
    return static


def _text_row(item: Any) -> tuple[str, str, tuple[str, ...], bool]:
    return (item.code, item.message, item.sources, item.confirmed)


def _texts(rows: tuple[tuple[str, str, tuple[str, ...], bool], ...]) -> list[dict[str, Any]]:
    return [
        {"code": code, "message": message, "sources": list(sources), "confirmed": confirmed}
        for code, message, sources, confirmed in rows
    ]
