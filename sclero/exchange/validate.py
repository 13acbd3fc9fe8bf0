"""Validation of FHIR JSON with fhir.resources' R4B models (the R4-family set on PyPI)."""

from __future__ import annotations

from functools import cache
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir_core.fhirabstractmodel import FHIRAbstractModel as ResourceModel
from pydantic import ValidationError

from sclero.exchange.fhir_types import Resource

__all__ = ["FhirInvalid", "ValidationError", "model_of", "validate"]


class FhirInvalid(ValueError):
    """A resource that is not valid FHIR R4B; `problems` are (field path, message) pairs."""

    def __init__(self, resource_type: str, problems: list[tuple[str, str]]) -> None:
        super().__init__(f"{resource_type}: " + "; ".join(f"{f}: {m}" for f, m in problems))
        self.resource_type = resource_type
        self.problems = problems


@cache
def model_of(resource_type: str) -> type[ResourceModel]:
    """The R4B model class of a resource type; KeyError when R4B has no such resource."""
    try:
        model: type[ResourceModel] = get_fhir_model_class(resource_type)
    except (KeyError, ValueError, AttributeError, ImportError):
        raise KeyError(resource_type) from None
    return model


def validate(resource: Resource) -> ResourceModel:
    """The validated model of a resource, or FhirInvalid naming each field at fault."""
    resource_type = str(resource.get("resourceType", ""))
    try:
        model = model_of(resource_type)
    except KeyError:
        problem = [("resourceType", "not a FHIR R4B resource")]
        raise FhirInvalid(resource_type or "?", problem) from None
    try:
        return model.model_validate(resource)
    except ValidationError as error:
        raise FhirInvalid(resource_type, _problems(error)) from None


def _problems(error: ValidationError) -> list[tuple[str, str]]:
    out = []
    for item in error.errors()[:20]:
        path = ".".join(str(part) for part in item.get("loc", ()) if part != "__root__")
        out.append((path or "resource", str(item.get("msg", "invalid"))))
    return out


def is_resource_type(name: Any) -> bool:
    if not isinstance(name, str) or not name.isalpha():
        return False
    try:
        model_of(name)
    except KeyError:
        return False
    return True
