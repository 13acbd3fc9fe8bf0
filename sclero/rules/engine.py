"""Evaluate a case: screen the patient, plan the veins, and decide (strictest finding wins).

Pure: no clock, no I/O. Findings that apply only to a technique (foam) count for the decision
only when that technique is planned; such a finding first switches the plan away from foam.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sclero.rules.case import Case, Patient, parse_case
from sclero.rules.dose import check_injection, session_limits
from sclero.rules.dose_facts import DoseCheck
from sclero.rules.errors import CaseError
from sclero.rules.interval import IntervalCheck, check_interval, earliest_for
from sclero.rules.loading import default_protocol
from sclero.rules.planning import FiredReferral, PlanItem, compression, fire_referrals, plan_items
from sclero.rules.protocol import ELIGIBLE_RANK, PRECAUTIONS_RANK, Protocol, Rule
from sclero.rules.result import EvaluationResult, ScreeningFinding
from sclero.rules.triage import TriageResult, triage
from sclero.rules.vocabulary import STRICTNESS

_STOPPED = frozenset({"contraindicated", "defer"})


def evaluate(case: Case, protocol: Protocol | None = None) -> EvaluationResult:
    """Screen and plan one case under the protocol (the shipped default if None)."""
    p = protocol or default_protocol()
    hits = patient_rules(case.patient, p)
    agent = _agent(hits, p)
    blocked = frozenset(
        r.applies_to for r in hits if r.applies_to != "all" and r.rank < PRECAUTIONS_RANK
    )
    items = plan_items(p, case.findings, agent, blocked) if agent is not None else []
    planned = {i.choice.technique for i in items}
    findings = [
        ScreeningFinding(r, r.applies_to == "all" or r.applies_to in planned, r.message)
        for r in hits
    ]
    findings += _case_findings(p, agent, items)
    findings += _unanswered(case.patient, p)
    referrals = fire_referrals(p, case)
    findings += [
        ScreeningFinding(f.referral.rule, True, f.referral.rule.message) for f in referrals
    ]
    interval = _interval(case, p)
    if interval is not None and not interval.allowed:
        rule = p.case_rules["interval_too_short"]
        findings.append(ScreeningFinding(rule, True, f"{rule.message} {interval.message}"))
    rank = min((f.rule.rank for f in findings if f.applies_to_plan), default=ELIGIBLE_RANK)
    decision = STRICTNESS[rank].value
    if decision == "contraindicated":
        items = []
    limits = session_limits(case.patient.weight_kg, p)
    return EvaluationResult(
        protocol=p,
        decision=decision,
        findings=tuple(findings),
        items=tuple(items),
        referrals=tuple(referrals),
        session_limits=limits,
        interval=interval,
        earliest_next_session=_earliest_next(case, p, interval),
        follow_up_date=_follow_up(case, p, decision),
        compression=compression(p, items),
        planned_vein_types=frozenset(i.finding.vein_type for i in items),
        triage=_triage(case, p),
        injection_check=_injection_check(case, p, limits),
    )


def _triage(case: Case, p: Protocol) -> TriageResult | None:
    return None if case.symptoms is None else triage(case.symptoms, p)


def _injection_check(case: Case, p: Protocol, limits: Any) -> DoseCheck | None:
    """The proposed injection against the day's charted injections and the session limits."""
    if case.charting is None:
        return None
    return check_injection(limits, case.charting.charted, case.charting.injection, p)


def evaluate_document(
    document: Mapping[str, Any], protocol: Protocol | None = None
) -> dict[str, Any]:
    """Parse a case document, evaluate it and return the result document (the public contract)."""
    p = protocol or default_protocol()
    return evaluate(parse_case(document, p), p).to_document()


def patient_rules(patient: Patient, p: Protocol) -> list[Rule]:
    """The screening rules the patient's record triggers, in a stable order."""
    hits: list[Rule] = []
    for codes, rules in (
        (patient.conditions, p.conditions),
        (patient.medications, p.medications),
        (patient.allergies, p.allergies),
    ):
        for code in codes:
            rule = rules.get(code)
            if rule is not None:
                hits.append(rule)
    if patient.pregnant and p.pregnancy is not None:
        hits.append(p.pregnancy)
    if patient.breastfeeding and p.breastfeeding is not None:
        hits.append(p.breastfeeding)
    return hits


def _unanswered(patient: Patient, p: Protocol) -> list[ScreeningFinding]:
    """A safety question left unanswered is never read as "no": the screening defers."""
    codes = [
        code
        for code, answer in (
            ("pregnancy_not_answered", patient.pregnant),
            ("breastfeeding_not_answered", patient.breastfeeding),
        )
        if answer is None
    ]
    return [ScreeningFinding(p.case_rules[c], True, p.case_rules[c].message) for c in codes]


def _agent(hits: list[Rule], p: Protocol) -> str | None:
    excluded = {r.excludes_agent for r in hits if r.excludes_agent is not None}
    return next((a for a in p.agent_preference if a not in excluded), None)


def _case_findings(p: Protocol, agent: str | None, items: list[PlanItem]) -> list[ScreeningFinding]:
    codes: list[str] = []
    if agent is None:
        codes.append("no_agent_available")
    if any(i.choice.switched and not i.choice.unavailable for i in items):
        codes.append("technique_switched")
    if any(i.choice.unavailable for i in items):
        codes.append("technique_unavailable")
    return [ScreeningFinding(p.case_rules[c], True, p.case_rules[c].message) for c in codes]


def _regions(case: Case) -> frozenset[str]:
    return frozenset(f.region for f in case.findings)


def _interval(case: Case, p: Protocol) -> IntervalCheck | None:
    if case.proposed_date is None or not case.previous_sessions:
        return None
    return check_interval(case.previous_sessions, case.proposed_date, _regions(case), p)


def _earliest_next(case: Case, p: Protocol, interval: IntervalCheck | None) -> date | None:
    """After the proposed session (if it may take place), else after the last one on the regions."""
    if case.proposed_date is not None and (interval is None or interval.allowed):
        return _days_after(case.proposed_date, p.interval_days)
    if interval is not None:
        return interval.earliest_date
    earliest, _ = earliest_for(case.previous_sessions, _regions(case), p.interval_days)
    return earliest


def _follow_up(case: Case, p: Protocol, decision: str) -> date | None:
    if case.proposed_date is None or decision in _STOPPED:
        return None
    return _days_after(case.proposed_date, p.follow_up_days)


def _days_after(day: date, days: int) -> date:
    """`days` after the proposed date; a date with no calendar room after it (a Case built
    without `parse_case`, which refuses such dates) is a CaseError, never a crash."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        raise CaseError(
            "proposed_date", "this date is too far in the future to plan from; check the year"
        ) from None


__all__ = ["FiredReferral", "evaluate", "evaluate_document", "patient_rules"]
