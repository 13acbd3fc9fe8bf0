"""OperationOutcome answers: every refusal under /fhir names what is wrong, where (the Bundle
entry and field as a FHIRPath expression), with a FHIR issue code; never a 500 or an HTML page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from sclero.core.errors import DomainError
from sclero.web.errors import audit_refusal, field_of, readable

FHIR_JSON = "application/fhir+json"
PREFIX = "/fhir"
ISSUE_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    409: "conflict",
    410: "deleted",
    413: "too-costly",
    415: "not-supported",
    422: "invalid",
}


@dataclass(frozen=True)
class Issue:
    message: str
    expression: str | None = None
    code: str = "invalid"
    severity: str = "error"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "severity": self.severity,
            "code": self.code,
            "diagnostics": self.message,
        }
        if self.expression:
            out["expression"] = [self.expression]
        return out


@dataclass
class FhirRefused(Exception):
    """A FHIR request refused with an OperationOutcome (nothing was written)."""

    status_code: int
    issues: list[Issue] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(i.message for i in self.issues)


def outcome(issues: list[Issue]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [i.to_json() for i in issues]}


def fhir_response(
    body: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return JSONResponse(body, status_code=status_code, media_type=FHIR_JSON, headers=headers)


def refusal(status_code: int, message: str, expression: str | None = None) -> Response:
    code = ISSUE_CODES.get(status_code, "processing")
    body = outcome([Issue(message, expression, code)])
    headers = {"WWW-Authenticate": "Bearer"} if status_code == 401 else None
    return fhir_response(body, status_code, headers)


def _is_fhir(request: Request) -> bool:
    return request.url.path == PREFIX or request.url.path.startswith(PREFIX + "/")


def install(app: FastAPI) -> None:
    """Answer errors under /fhir as OperationOutcomes; every other path keeps its handler."""
    previous = dict(app.exception_handlers)

    def refused(request: Request, exc: FhirRefused) -> Response:
        return fhir_response(outcome(exc.issues), exc.status_code)

    def domain(request: Request, exc: DomainError) -> Response:
        if not _is_fhir(request):
            return previous[DomainError](request, exc)  # type: ignore[no-any-return]
        if exc.status_code == 403:
            audit_refusal(request)
        return refusal(exc.status_code, exc.message, exc.field)

    def invalid(request: Request, exc: RequestValidationError) -> Response:
        if not _is_fhir(request):
            return previous[RequestValidationError](request, exc)  # type: ignore[no-any-return]
        issues = [Issue(readable(e), field_of(e.get("loc", ()))) for e in exc.errors()]
        return fhir_response(outcome(issues), 422)

    def http(request: Request, exc: StarletteHTTPException) -> Response:
        if not _is_fhir(request):
            return previous[StarletteHTTPException](request, exc)  # type: ignore[no-any-return]
        return refusal(exc.status_code, str(exc.detail))

    app.add_exception_handler(FhirRefused, refused)  # type: ignore[arg-type]
    app.add_exception_handler(DomainError, domain)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, invalid)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, http)  # type: ignore[arg-type]
