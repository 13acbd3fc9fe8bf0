"""The OpenAPI document as the API really answers: every JSON operation lists its error answers
(400 … 429) with the one error body Sclero sends, `{"errors": [{"code", "field", "message"}]}`,
in place of FastAPI's own validation schema, which Sclero never sends."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, ConfigDict, Field

ERROR_ANSWERS = {
    "400": "The request could not be read (e.g. a body that is not JSON).",
    "401": "Not signed in: send a bearer token from /api/v1/auth/token.",
    "403": "Signed in, but this role may not do this (or the CSRF token is missing).",
    "404": "No such record, or not this patient's.",
    "409": "The clinic's rules refuse it (e.g. a contraindication, a dose limit, a clash).",
    "412": "The record changed since it was read: read it again (If-Match is stale).",
    "413": "The request body is larger than Sclero accepts.",
    "422": "A value is missing or invalid; `field` names it.",
    "428": "A change of a versioned record must send If-Match with its ETag.",
    "429": "Too many failed sign-ins: wait the Retry-After seconds.",
}
JSON_PREFIX = "/api/"


class ErrorItem(BaseModel):
    """One reason a request was refused (a refusal may add figures, e.g. given and limit)."""

    model_config = ConfigDict(extra="allow")

    code: str = Field(description="A stable code, e.g. not_found, invalid, dose_limit_exceeded")
    field: str | None = Field(description="The input at fault, e.g. findings[2].diameter_mm")
    message: str = Field(description="In the clinic's words, for a person to read")


class ErrorBody(BaseModel):
    """Every 4xx answer of the JSON API."""

    errors: list[ErrorItem]


def install(app: FastAPI) -> None:
    """Replace the app's OpenAPI document by one with the error answers documented."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override


def document(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in (ErrorItem, ErrorBody):
        components[model.__name__] = model.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    for path, item in schema.get("paths", {}).items():
        if not path.startswith(JSON_PREFIX):
            continue
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_ANSWERS.items():
                responses[status] = {"description": description, "content": error}
    for unused in ("HTTPValidationError", "ValidationError"):
        if f'"#/components/schemas/{unused}"' not in json.dumps(schema.get("paths", {})):
            components.pop(unused, None)
    return schema
