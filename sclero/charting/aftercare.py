"""The patient's aftercare sheet: what was done, compression, aftercare, what to expect and the
emergency signs — from the session, its plan and the protocol (no clinical text of our own)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sclero.charting import service
from sclero.charting.choices import SessionStatus
from sclero.core.db import UnitOfWork
from sclero.core.errors import Conflict
from sclero.patients import queries as patient_queries
from sclero.planning import queries as planning_queries
from sclero.rules.vocabulary import Agent, Region, Side, VeinType
from sclero.web.templating import PACKAGE

SHEET_CSS = PACKAGE / "web" / "static" / "aftercare.css"

CLINIC = "the clinic"  # placeholder until the clinic's name and phone are configurable


@dataclass(frozen=True)
class AftercareSheet:
    """Everything the printed sheet says, in the patient's words where the protocol has them."""

    session_id: int
    patient_name: str
    session_date: date
    sites: list[str]
    treatments: list[str]
    injection_count: int
    compression_given: str | None
    compression_advice: str | None
    aftercare: list[str]
    fade: list[str]
    expectations: str | None
    common: list[str]
    contact_clinic: list[str]
    urgent: list[str]
    follow_up: date
    protocol: str
    clinic: str = CLINIC


def build_sheet(uow: UnitOfWork, session_id: int) -> AftercareSheet:
    """The sheet of a closed session (the read is audited through the charting service)."""
    session = service.get_session(uow, session_id)
    if session.status != SessionStatus.CLOSED:
        raise Conflict("Close the session first: the sheet records what was done.", "session")
    patient = patient_queries.load_patient(uow, session.patient_id)
    proposal = planning_queries.load_plan(uow, session.plan_id).proposal
    protocol = uow.protocol
    compression = session.compression or {}
    advised = compression.get("advised") or {}
    rules = protocol.spec.triage
    return AftercareSheet(
        session_id=session.id,
        patient_name=f"{patient.first_name} {patient.last_name}",
        session_date=session.started_at.date(),
        sites=_sites(session.injections),
        treatments=_treatments(session.injections),
        injection_count=len(session.injections),
        compression_given=compression.get("given"),
        compression_advice=advised.get("message") if advised.get("required") else None,
        aftercare=list(session.aftercare or []),
        fade=_fade(proposal, {i.vein_type for i in session.injections if i.vein_type}),
        expectations=(proposal.get("expectations") or {}).get("message"),
        common=[r.message for r in rules if r.level == "routine"],
        contact_clinic=[r.message for r in rules if r.level == "contact_clinic"],
        urgent=[r.message for r in rules if r.level == "urgent_care"],
        follow_up=session.started_at.date() + timedelta(days=protocol.follow_up_days),
        protocol=f"{protocol.id} {protocol.version}",
    )


def _sites(injections: list[Any]) -> list[str]:
    counts = Counter((i.side, i.region) for i in injections)
    return [
        f"{Side(side).label} {Region(region).label.lower()} ({n} injection{'s' if n != 1 else ''})"
        for (side, region), n in counts.items()
    ]


def _treatments(injections: list[Any]) -> list[str]:
    volumes: dict[tuple[str, float, str], float] = {}
    for i in injections:
        key = (i.agent, i.concentration_percent, i.technique)
        volumes[key] = volumes.get(key, 0.0) + i.volume_ml
    return [
        f"{Agent(agent).label} {percent:g} % as {technique}, {volume:g} mL in total"
        for (agent, percent, technique), volume in volumes.items()
    ]


def _fade(proposal: dict[str, Any], treated: set[str]) -> list[str]:
    lines = []
    for row in (proposal.get("expectations") or {}).get("fade", []):
        types = [t for t in row["vein_types"] if not treated or t in treated]
        if types:
            names = ", ".join(VeinType(t).label.lower() for t in types)
            span = f"{row['min']:g}–{row['max']:g} {row['unit']}"
            lines.append(f"{names[:1].upper()}{names[1:]}: usually fade in {span}.")
    return lines


def to_pdf(html: str) -> bytes:
    """The sheet as PDF (WeasyPrint; the DejaVu fonts are on the machine), styled by the same
    static stylesheet as the page."""
    from weasyprint import CSS, HTML  # heavy: loaded when a PDF is first asked for, not at start

    return bytes(HTML(string=html).write_pdf(stylesheets=[CSS(filename=str(SHEET_CSS))]))
