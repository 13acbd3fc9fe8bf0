"""The report's tables: named columns and a few rows each, one shape for the page, CSV, JSON
and PDF. Shares are fractions 0–1 in columns whose key ends in `_share`."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Column:
    key: str
    label: str

    @property
    def is_share(self) -> bool:
        return self.key.endswith("_share")


@dataclass(frozen=True)
class ReportTable:
    """One figure's data: what it shows (title, caption) and its rows."""

    key: str
    title: str
    caption: str
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]] = field(default_factory=list)
    sources: tuple[str, ...] = ()

    def cell(self, row: dict[str, Any], column: Column) -> str:
        """A cell as people read it: shares as percentages, numbers rounded."""
        value = row.get(column.key)
        if value is None:
            return "—"
        if column.is_share:
            return f"{100 * float(value):.1f} %"
        if isinstance(value, float):
            return f"{value:.1f}"
        return str(value)

    def to_csv(self) -> str:
        """The table as CSV (raw values: shares as fractions), header from the column keys."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([c.key for c in self.columns])
        for row in self.rows:
            writer.writerow([self.csv_value(row.get(c.key)) for c in self.columns])
        return out.getvalue()

    @staticmethod
    def csv_value(value: Any) -> str:
        """One value as a CSV cell: shares stay fractions, text cannot start a formula."""
        return _csv_value(value)

    def to_document(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "caption": self.caption,
            "columns": [{"key": c.key, "label": c.label} for c in self.columns],
            "rows": [
                {c.key: _json_value(row.get(c.key)) for c in self.columns} for row in self.rows
            ],
            "sources": list(self.sources),
        }


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def columns(*pairs: tuple[str, str]) -> tuple[Column, ...]:
    return tuple(Column(key, label) for key, label in pairs)


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return f"'{value}"  # free text (an override reason) must not run as a spreadsheet formula
    return str(value)


def _json_value(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6)
    return value
