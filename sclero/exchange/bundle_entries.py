"""A FHIR Bundle (or NDJSON) as the importer reads it, before anything touches the database:
parsed, bounded, its entries typed and validated against R4B, each clinical entry tied to the
Patient entry it is about; a bad one refused with an OperationOutcome naming entry and field."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sclero.exchange.outcome import FhirRefused, Issue
from sclero.exchange.validate import FhirInvalid, is_resource_type, validate

MAX_FILE_BYTES = 5 * 1024 * 1024
"""The largest file `sclero import` reads (POST /fhir: the app's SCLERO_MAX_UPLOAD_BYTES)."""
MAX_ENTRIES = 1000
"""Entries per Bundle; a longer Bundle is refused before any entry is looked at (413)."""
IMPORTED = ("Patient", "Condition", "AllergyIntolerance", "MedicationStatement")
SUBJECT = {
    "Condition": "subject",
    "AllergyIntolerance": "patient",
    "MedicationStatement": "subject",
}
BUNDLE_TYPES = {"transaction", "collection", "searchset"}
"""What `sclero import` reads (POST /fhir takes a transaction only)."""


def parse_json(raw: bytes) -> Any:
    """JSON of a request body, or a refusal that says where it breaks."""
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise FhirRefused(
            400, [Issue(f"The body is not valid JSON ({error.msg}, {where}).")]
        ) from None
    except (RecursionError, UnicodeDecodeError, ValueError):
        raise FhirRefused(
            400, [Issue("The body is not valid JSON (too deeply nested or not UTF-8).")]
        ) from None


def parse_ndjson(text: str) -> dict[str, Any]:
    """NDJSON (one resource a line) as a collection Bundle; a bad line is named."""
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entries.append({"resource": json.loads(line)})
        except (json.JSONDecodeError, RecursionError):
            raise FhirRefused(400, [Issue(f"Line {number} is not valid JSON.")]) from None
        if len(entries) > MAX_ENTRIES:
            raise _too_many(len(entries))
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def _too_many(count: int) -> FhirRefused:
    message = (
        f"The Bundle has {count} or more entries; Sclero takes at most {MAX_ENTRIES} a Bundle."
    )
    return FhirRefused(413, [Issue(message, "Bundle.entry", "too-costly")])


@dataclass
class Entry:
    index: int
    resource: dict[str, Any]
    full_url: str | None

    @property
    def where(self) -> str:
        return f"Bundle.entry[{self.index}].resource"

    @property
    def type(self) -> str:
        return str(self.resource["resourceType"])


@dataclass
class Result:
    """What an import did, entry by entry, for the transaction-response Bundle."""

    statuses: dict[int, tuple[str, str | None]] = field(default_factory=dict)
    warnings: dict[int, list[Issue]] = field(default_factory=dict)
    patients: dict[int, int] = field(default_factory=dict)  # entry index → Sclero patient id
    counts: Counter[str] = field(default_factory=Counter)

    def warn(self, index: int, issue: Issue) -> None:
        self.warnings.setdefault(index, []).append(issue)


def entries_of(document: Any, allowed: set[str]) -> list[Entry]:
    """The Bundle's entries, after the checks that need no database (shape, size, types)."""
    if not isinstance(document, dict):
        raise FhirRefused(400, [Issue("The body must be a FHIR Bundle (a JSON object).")])
    kind = document.get("resourceType")
    if kind != "Bundle":
        raise FhirRefused(
            400, [Issue(f"Expected a Bundle, got resourceType {str(kind)[:40]!r}.", "resourceType")]
        )
    if not isinstance(document.get("type"), str) or document["type"] not in allowed:
        raise FhirRefused(
            400,
            [
                Issue(
                    f"The Bundle type must be one of: {', '.join(sorted(allowed))}.", "Bundle.type"
                )
            ],
        )
    raw = document.get("entry") or []
    if not isinstance(raw, list):
        raise FhirRefused(400, [Issue("Bundle.entry must be a list.", "Bundle.entry")])
    if len(raw) > MAX_ENTRIES:
        raise _too_many(len(raw))
    issues: list[Issue] = []
    entries: list[Entry] = []
    for index, item in enumerate(raw):
        resource = item.get("resource") if isinstance(item, dict) else None
        where = f"Bundle.entry[{index}].resource"
        if not isinstance(resource, dict):
            issues.append(Issue("The entry has no resource.", where))
        elif not is_resource_type(resource.get("resourceType")):
            name = str(resource.get("resourceType"))[:40]
            issues.append(
                Issue(f"{name!r} is not a FHIR R4B resource type.", f"{where}.resourceType")
            )
        else:
            url = item.get("fullUrl")
            entries.append(Entry(index, resource, url if isinstance(url, str) else None))
    if issues:
        raise FhirRefused(422, issues)
    return entries


def validate_entries(entries: list[Entry], result: Result) -> list[Entry]:
    """The importable entries, each valid R4B; other types are reported and left out."""
    issues: list[Issue] = []
    kept: list[Entry] = []
    for entry in entries:
        if entry.type not in IMPORTED:
            message = f"{entry.type} is not imported (Sclero imports {', '.join(IMPORTED)})."
            result.warn(entry.index, Issue(message, entry.where, "not-supported", "warning"))
            result.statuses[entry.index] = ("200 OK", None)
            continue
        try:
            validate(entry.resource)
        except FhirInvalid as error:
            issues.extend(Issue(m, f"{entry.where}.{f}") for f, m in error.problems)
            continue
        kept.append(entry)
    if issues:
        raise FhirRefused(422, issues[:100])
    return kept


def _keys(entry: Entry) -> set[str]:
    keys = {f"Patient/{entry.resource.get('id')}"} if entry.resource.get("id") else set()
    if entry.full_url:
        keys.add(entry.full_url)
        if "/Patient/" in entry.full_url:
            keys.add("Patient/" + entry.full_url.rsplit("/Patient/", 1)[1])
    return keys


def subjects_of(entries: list[Entry]) -> dict[int, int]:
    """For each clinical entry, the index of the Patient entry it points at (all must)."""
    by_key: dict[str, int] = {}
    for entry in entries:
        if entry.type == "Patient":
            for key in _keys(entry):
                by_key[key] = entry.index
    issues: list[Issue] = []
    subjects: dict[int, int] = {}
    for entry in entries:
        if entry.type == "Patient":
            continue
        name = SUBJECT[entry.type]
        reference = (entry.resource.get(name) or {}).get("reference")
        target = by_key.get(str(reference))
        if target is None:
            message = f"The reference {str(reference)[:80]!r} points to no Patient in this Bundle."
            issues.append(Issue(message, f"{entry.where}.{name}", "not-found"))
        else:
            subjects[entry.index] = target
    if issues:
        raise FhirRefused(422, issues[:100])
    return subjects
