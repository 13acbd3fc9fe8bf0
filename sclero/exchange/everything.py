"""A patient's whole record as one FHIR Bundle (`Patient/$everything`), validated and audited."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from sqlalchemy import select

from sclero.core import audit
from sclero.core.auth import CLINICAL, User
from sclero.core.db import UnitOfWork
from sclero.core.time import utcnow
from sclero.core.use_case import use_case
from sclero.exchange import map_record
from sclero.exchange.fhir_types import Resource, instant
from sclero.exchange.sources import RESOURCE_TYPES, Context, stream_type
from sclero.exchange.validate import validate
from sclero.patients.queries import load_patient

PRACTITIONER_REF = re.compile(r"^Practitioner/(\d+)$")


def patient_resources(uow: UnitOfWork, patient_id: int, ctx: Context) -> list[Resource]:
    """Every resource of one patient's record, the Practitioners they name last (no audit)."""
    resources: list[Resource] = []
    for resource_type in RESOURCE_TYPES:
        if resource_type != "Practitioner":
            resources.extend(stream_type(uow.session, resource_type, [patient_id], None, ctx))
    staff = sorted(_practitioners(resources))
    if staff:
        users = uow.session.scalars(select(User).where(User.id.in_(staff)).order_by(User.id))
        resources.extend(map_record.practitioner(u) for u in users)
    return resources


@use_case(*CLINICAL)
def everything(uow: UnitOfWork, patient_id: int, ctx: Context) -> dict[str, Any]:
    """The Bundle of a patient's whole record (clinical roles); every resource is validated
    with fhir.resources R4B, and the export is audited with the types and counts."""
    load_patient(uow, patient_id)
    resources = patient_resources(uow, patient_id, ctx)
    for resource in resources:
        validate(resource)
    counts = Counter(r["resourceType"] for r in resources)
    audit.record(
        uow,
        "export",
        "fhir_bundle",
        patient_id=patient_id,
        detail={"operation": "$everything", "patient_ids": [patient_id], "types": dict(counts)},
    )
    return bundle(resources, ctx)


def bundle(resources: list[Resource], ctx: Context) -> dict[str, Any]:
    base = ctx.base_url.rstrip("/")
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": instant(utcnow()),
        "total": len(resources),
        "entry": [
            {
                "fullUrl": f"{base}/fhir/{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in resources
        ],
    }


def _practitioners(resources: list[Resource]) -> set[int]:
    found: set[int] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            reference = value.get("reference")
            if isinstance(reference, str) and (match := PRACTITIONER_REF.match(reference)):
                found.add(int(match.group(1)))
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(resources)
    return found
