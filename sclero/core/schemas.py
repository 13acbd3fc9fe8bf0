"""Pydantic building blocks shared by every room's schemas: strict models, pages, codes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Generic, Self, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

T = TypeVar("T")


class Strict(BaseModel):
    """A request body: unknown fields are refused, strings trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Out(BaseModel):
    """A response body read from ORM objects. Stored timestamps are naive UTC: here they get
    their offset, so every `date-time` the API sends is exact (`2026-12-02T09:30:00Z`)."""

    model_config = ConfigDict(from_attributes=True)

    @model_validator(mode="after")
    def _timestamps_carry_utc(self) -> Self:
        for name, value in self:
            if isinstance(value, datetime) and value.tzinfo is None:
                object.__setattr__(self, name, value.replace(tzinfo=UTC))
        return self


class Page(BaseModel, Generic[T]):
    """One page of a list, with the total for the pager."""

    items: list[T]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True)
class CodeIn(AfterValidator):
    """Accepts only the codes of one vocabulary (naming the choices when it refuses) and
    publishes them as the field's `enum` in the OpenAPI document."""

    choices: tuple[str, ...] = ()

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema["enum"] = list(self.choices)
        return schema


def code_in(allowed: Iterable[str], what: str) -> CodeIn:
    """A validator that accepts only codes of one vocabulary, naming the choices when it refuses."""
    choices = frozenset(allowed)

    def check(value: str) -> str:
        if value not in choices:
            raise ValueError(
                f"unknown {what} {value!r}; choose one of {', '.join(sorted(choices))}"
            )
        return value

    return CodeIn(check, choices=tuple(sorted(choices)))


Name = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Note = Annotated[str | None, Field(default=None, max_length=5000)]
