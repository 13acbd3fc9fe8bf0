"""Every table of Sclero, imported in one place so Alembic and tests see the whole schema."""

from sclero.adverse_events.models import AdverseEvent
from sclero.assessment.models import DuplexFinding, VeinFinding
from sclero.charting.models import Injection, TreatmentSession
from sclero.core.audit import AuditEntry
from sclero.core.auth import AuthToken, User
from sclero.core.db import Base
from sclero.core.throttle import SignInFailures
from sclero.evaluation.models import Evaluation
from sclero.exchange.models import ExportJob
from sclero.follow_up.models import FollowUp, Photo, RegionClearance
from sclero.patients.models import (
    HistoryItem,
    Patient,
    PatientAllergy,
    PatientHold,
    PatientMedication,
    PatientSearchTerm,
)
from sclero.planning.models import Consent, PlanItem, TreatmentPlan
from sclero.reports import summary as report_summary
from sclero.scheduling.models import Appointment

metadata = Base.metadata

__all__ = [
    "AdverseEvent",
    "Appointment",
    "AuditEntry",
    "AuthToken",
    "Consent",
    "DuplexFinding",
    "Evaluation",
    "ExportJob",
    "FollowUp",
    "HistoryItem",
    "Injection",
    "Patient",
    "PatientAllergy",
    "PatientHold",
    "PatientMedication",
    "PatientSearchTerm",
    "Photo",
    "PlanItem",
    "RegionClearance",
    "SignInFailures",
    "TreatmentPlan",
    "TreatmentSession",
    "User",
    "VeinFinding",
    "metadata",
    "report_summary",
]
