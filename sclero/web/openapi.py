"""The OpenAPI document as the API really answers: every JSON operation lists its error answers
(400 … 429) with the one error body Sclero sends, `{"errors": [{"code", "field", "message"}]}`,
in place of FastAPI's own validation schema, which Sclero never sends."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, ConfigDict, Field

from sclero.rules.vocabulary import Agent, Coded, Region, Side, Technique, VeinType

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
CLINICAL_CODES: dict[str, type[Coded]] = {
    "side": Side,
    "region": Region,
    "vein_type": VeinType,
    "agent": Agent,
    "technique": Technique,
}
"""Fields that hold a code of the clinical vocabulary wherever they appear (answers too)."""


class ErrorItem(BaseModel):
    """One reason a request was refused (a refusal may add figures, e.g. given and limit)."""

    model_config = ConfigDict(extra="allow")

    code: str = Field(description="A stable code, e.g. not_found, invalid, dose_limit_exceeded")
    field: str | None = Field(description="The input at fault, e.g. findings[2].diameter_mm")
    message: str = Field(description="In the clinic's words, for a person to read")


class ErrorBody(BaseModel):
    """Every 4xx answer of the JSON API."""

    errors: list[ErrorItem]


Codes = dict[tuple[str, str], Iterable[str]]
"""(component, field) → its codes, for the operational codes the steps own (statuses, kinds)."""


def install(app: FastAPI, codes: Codes | None = None) -> None:
    """Replace the app's OpenAPI document by one with the error answers and codes documented."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(app, codes or {})
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override


def document(app: FastAPI, codes: Codes) -> dict[str, Any]:
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
    for name, component in components.items():
        publish_codes(component)
        for (owner, field_name), allowed in codes.items():
            if owner == name and field_name in component.get("properties", {}):
                set_enum(component["properties"][field_name], sorted(allowed))
    for unused in ("HTTPValidationError", "ValidationError"):
        if f'"#/components/schemas/{unused}"' not in json.dumps(schema.get("paths", {})):
            components.pop(unused, None)
    return schema


def publish_codes(component: dict[str, Any]) -> None:
    """Give a plain string field of the clinical vocabulary its codes as `enum`."""
    for name, prop in component.get("properties", {}).items():
        vocabulary = CLINICAL_CODES.get(name)
        if vocabulary is None:
            continue
        set_enum(prop, sorted(vocabulary.codes()))


def set_enum(prop: dict[str, Any], allowed: list[str]) -> None:
    for option in prop.get("anyOf", [prop]):
        if option.get("type") == "string" and "enum" not in option and "format" not in option:
            option["enum"] = allowed
