"""The CapabilityStatement: exactly what Sclero's FHIR endpoint supports, nothing more."""

from __future__ import annotations

from typing import Any

from sclero.exchange.codes import CANONICAL, SYSTEMS, VERSION
from sclero.exchange.sources import RESOURCE_TYPES

IMPORTED = ("Patient", "Condition", "AllergyIntolerance", "MedicationStatement")
BULK = "http://hl7.org/fhir/uv/bulkdata"
SECURITY = "http://terminology.hl7.org/CodeSystem/restful-security-service"


def _resource(resource_type: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"type": resource_type, "interaction": []}
    if resource_type in IMPORTED:
        entry["interaction"].append({"code": "create"})
        entry["documentation"] = "Created or matched by a transaction Bundle (POST /fhir)."
    if resource_type == "Patient":
        entry["operation"] = [
            {
                "name": "everything",
                "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
            },
            {"name": "export", "definition": f"{BULK}/OperationDefinition/patient-export"},
        ]
    if not entry["interaction"]:
        del entry["interaction"]
        entry["documentation"] = "Exported only (Patient/$everything, $export): no read or search."
    return entry


def capability_statement(base_url: str) -> dict[str, Any]:
    base = base_url.rstrip("/")
    resources = [_resource(t) for t in RESOURCE_TYPES]
    resources.append({"type": "Group", "operation": [
        {"name": "export", "definition": f"{BULK}/OperationDefinition/group-export"}
    ]})  # fmt: skip
    resources.append({
        "type": "CodeSystem",
        "interaction": [{"code": "read"}, {"code": "search-type"}],
        "searchParam": [{"name": "url", "type": "uri"}],
        "documentation": f"Sclero's {len(SYSTEMS)} CodeSystems ({CANONICAL}/CodeSystem/…).",
    })  # fmt: skip
    return {
        "resourceType": "CapabilityStatement",
        "id": "sclero",
        "url": f"{CANONICAL}/CapabilityStatement/sclero",
        "version": VERSION,
        "name": "Sclero",
        "status": "active",
        "date": "2026-12-02",
        "publisher": "Sclero",
        "kind": "instance",
        "software": {"name": "Sclero", "version": "0.1.0"},
        "implementation": {"description": "Sclero FHIR endpoint", "url": f"{base}/fhir"},
        "fhirVersion": "4.3.0",
        "format": ["json"],
        "instantiates": [f"{BULK}/CapabilityStatement/bulk-data"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Bearer token from POST /api/v1/auth/token; clinicians only.",
                "security": {
                    "service": [{"coding": [{"system": SECURITY, "code": "OAuth"}]}],
                    "description": "Bearer tokens of Sclero's API (physician or nurse).",
                },
                "resource": resources,
                "interaction": [{"code": "transaction"}],
                "operation": [
                    {"name": "export", "definition": f"{BULK}/OperationDefinition/export"},
                ],
            }
        ],
    }
