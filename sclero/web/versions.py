"""The version of a record at the edges: `ETag` on API reads, `If-Match` on API writes, a hidden
`version` field in page forms (the checks themselves are the services', core/versioning.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Response

from sclero.core.errors import PreconditionFailed
from sclero.core.versioning import Versioned

FIELD = "version"
"""The hidden field of a page form that carries the version the form was filled on."""


def if_match(
    value: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description="The ETag of the record as you read it; a change made on an older "
            "version is refused (412), a change without it is refused (428).",
        ),
    ] = None,
) -> int | None:
    """The version an API write was made on (None when the header is missing)."""
    if value is None:
        return None
    return parse(value.strip().removeprefix("W/"), PreconditionFailed)


IfMatch = Annotated[int | None, Depends(if_match)]


def parse(text: str | None, error: type[PreconditionFailed] = PreconditionFailed) -> int | None:
    text = (text or "").strip().strip('"')
    if text.isascii() and text.isdecimal() and len(text) < 10:
        return int(text)
    raise error(
        "This change does not say which version of the record it was made on as Sclero gave it "
        "(the ETag). Reload the record and make the change again.",
        field="version",
    )


def etag(response: Response, row: Versioned) -> None:
    """Give the answer the version of `row` as its ETag (sent back as If-Match)."""
    response.headers["ETag"] = f'"{row.version}"'


def form_version(values: dict[str, Any]) -> int | None:
    """Take the hidden version field out of a submitted form (None when missing or garbled:
    the service then refuses the change as made without a version)."""
    raw = values.pop(FIELD, None)
    try:
        return parse(raw) if raw else None
    except PreconditionFailed:
        return None
