"""Sclero's clinical protocol engine: pure functions over a protocol file (no database, no I/O).

Every clinical number lives in a protocol file with its source ids; the engine's results carry
those ids. Sclero supports clinical judgement; it never replaces it.
"""

from sclero.rules.case import (
    Case,
    Duplex,
    Patient,
    PreviousSession,
    VeinFinding,
    classify_vein,
    parse_case,
)
from sclero.rules.dose import check_injection, session_limits
from sclero.rules.dose_facts import (
    DoseCheck,
    DosePrecaution,
    DoseTally,
    DoseViolation,
    InjectionFacts,
    SessionLimits,
)
from sclero.rules.engine import evaluate, evaluate_document
from sclero.rules.errors import CaseError, ProtocolError
from sclero.rules.interval import IntervalCheck, check_interval
from sclero.rules.loading import (
    DEFAULT_PROTOCOL_PATH,
    default_protocol,
    load_protocol,
    parse_protocol,
)
from sclero.rules.planning import PlanChoice, PlanItem
from sclero.rules.protocol import Protocol
from sclero.rules.result import (
    STOPPING_DECISIONS,
    EvaluationResult,
    ScreeningFinding,
    stored_reasons,
)
from sclero.rules.triage import TriageFinding, TriageResult, triage
from sclero.rules.vocabulary import VeinType

__all__ = [
    "DEFAULT_PROTOCOL_PATH",
    "STOPPING_DECISIONS",
    "Case",
    "CaseError",
    "DoseCheck",
    "DosePrecaution",
    "DoseTally",
    "DoseViolation",
    "Duplex",
    "EvaluationResult",
    "InjectionFacts",
    "IntervalCheck",
    "Patient",
    "PlanChoice",
    "PlanItem",
    "PreviousSession",
    "Protocol",
    "ProtocolError",
    "ScreeningFinding",
    "SessionLimits",
    "TriageFinding",
    "TriageResult",
    "VeinFinding",
    "VeinType",
    "check_injection",
    "check_interval",
    "classify_vein",
    "default_protocol",
    "evaluate",
    "evaluate_document",
    "load_protocol",
    "parse_case",
    "parse_protocol",
    "session_limits",
    "stored_reasons",
    "triage",
]
