"""Small FHIR building blocks shared by the mappings: ids, references, instants, quantities."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from sclero.core.time import clinic_zone
from sclero.exchange.codes import UCUM
from sclero.exchange.elements import Frozen, Resource, clean

__all__ = ["Frozen", "Resource", "clean"]  # the mappings take them from here with the rest

TERMINOLOGY = "http://terminology.hl7.org/CodeSystem"


def ref(resource_type: str, ident: str | int) -> dict[str, str]:
    return {"reference": f"{resource_type}/{ident}"}


def patient_ref(patient_id: int) -> dict[str, str]:
    return ref("Patient", patient_id)


def practitioner_ref(user_id: int | None) -> dict[str, str] | None:
    return None if user_id is None else ref("Practitioner", user_id)


def instant(moment: datetime | None) -> str | None:
    """A stored (naive UTC) timestamp as a FHIR instant."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC, microsecond=0).isoformat().replace("+00:00", "Z")


def wall_instant(moment: datetime) -> str:
    """A clinic wall-clock time (how appointments are kept) as an instant with its offset."""
    zone = clinic_zone()
    aware = moment.replace(tzinfo=zone) if zone else moment.astimezone()
    return aware.replace(microsecond=0).isoformat()


def day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


@lru_cache(maxsize=1024)
def hl7(code_system: str, code: str, display: str | None = None) -> Frozen:
    """A CodeableConcept in one of HL7's own CodeSystems (terminology.hl7.org), shared."""
    coding: dict[str, str] = {"system": f"{TERMINOLOGY}/{code_system}", "code": code}
    if display:
        coding["display"] = display
    return Frozen.of({"coding": [coding]})


def meta(updated: datetime | None) -> dict[str, str] | None:
    stamp = instant(updated)
    return None if stamp is None else {"lastUpdated": stamp}


def note(*texts: str | None) -> list[dict[str, str]] | None:
    notes = [{"text": t} for t in texts if t]
    return notes or None
