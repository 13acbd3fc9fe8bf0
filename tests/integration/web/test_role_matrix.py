"""Every API route declares its roles; each role outside them is refused, each inside is let in."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from sclero.core.auth import Role

PUBLIC = {
    "/api/v1/auth/token",
    # FHIR conformance resources: what the endpoint supports and Sclero's codes, no patient data
    "/fhir/metadata",
    "/fhir/CodeSystem",
    "/fhir/CodeSystem/{code_system_id}",
}
ANY_SIGNED_IN = {
    "/api/v1/auth/me",
    "/api/v1/auth/logout",
    "/api/v1/auth/logout-everywhere",
    "/api/v1/auth/password",
}


def declared_roles(route: APIRoute) -> tuple[str, ...] | None:
    for dependency in route.dependant.dependencies:
        roles = getattr(dependency.call, "roles", None)
        if roles is not None:
            return tuple(roles)
    return None


def api_routes() -> list[APIRoute]:
    from sclero.app import API_ROUTERS

    return [r for router in API_ROUTERS for r in router.routes if isinstance(r, APIRoute)]


ROUTES = [(route, method) for route in api_routes() for method in sorted(route.methods)]
GATED = [(route, method) for route, method in ROUTES if declared_roles(route) is not None]


def test_every_patient_route_declares_its_roles() -> None:
    undeclared = [
        r.path
        for r, _ in ROUTES
        if declared_roles(r) is None and r.path not in PUBLIC | ANY_SIGNED_IN
    ]
    assert undeclared == []


def concrete(path: str) -> str:
    return re.sub(r"\{[a-z_]+\}", "999999", path)


@pytest.mark.parametrize(("route", "method"), GATED, ids=[f"{m} {r.path}" for r, m in GATED])
def test_roles_outside_the_declaration_are_refused(
    client: TestClient, headers, route: APIRoute, method: str
) -> None:  # type: ignore[no-untyped-def]
    roles = declared_roles(route) or ()
    path = concrete(route.path)
    assert client.request(method, path, json={}).status_code == 401
    for role in Role:
        status = client.request(method, path, json={}, headers=headers[role]).status_code
        if role in roles:
            assert status != 403, f"{role} should be let into {method} {route.path}"
        else:
            assert status == 403, f"{role} should be refused {method} {route.path}"


def test_the_declared_matrix_matches_the_clinic_roles() -> None:
    by_path = {(m, r.path): declared_roles(r) for r, m in ROUTES}
    assert by_path[("POST", "/api/v1/patients/{patient_id}/plans")] == ("physician",)
    assert by_path[("POST", "/api/v1/plans/{plan_id}/approve")] == ("physician",)
    assert by_path[("POST", "/api/v1/adverse-events/{event_id}/close")] == ("physician",)
    assert by_path[("GET", "/api/v1/audit")] == ("admin",)
    assert by_path[("GET", "/api/v1/reports/outcomes")] == ("physician", "clinic_lead")
    clinic_lead = [path for (_, path), roles in by_path.items() if "clinic_lead" in (roles or ())]
    assert clinic_lead == ["/api/v1/reports/outcomes"]  # aggregates only, never a record
    assert "front_desk" not in (by_path[("GET", "/api/v1/patients/{patient_id}/findings")] or ())
    assert "front_desk" in (by_path[("POST", "/api/v1/patients/{patient_id}/appointments")] or ())
