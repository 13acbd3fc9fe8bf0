"""Pydantic building blocks shared by every room's schemas: strict models, pages, codes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

T = TypeVar("T")


class Strict(BaseModel):
    """A request body: unknown fields are refused, strings trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Out(BaseModel):
    """A response body read from ORM objects."""

    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    """One page of a list, with the total for the pager."""

    items: list[T]
    total: int
    limit: int
    offset: int


def code_in(allowed: Iterable[str], what: str) -> AfterValidator:
    """A validator that accepts only codes of one vocabulary, naming the choices when it refuses."""
    choices = frozenset(allowed)

    def check(value: str) -> str:
        if value not in choices:
            raise ValueError(
                f"unknown {what} {value!r}; choose one of {', '.join(sorted(choices))}"
            )
        return value

    return AfterValidator(check)


Name = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Note = Annotated[str | None, Field(default=None, max_length=5000)]
