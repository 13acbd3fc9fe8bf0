"""The outcomes report as a file: JSON (the report document), CSV (one table wide, or every
table long: table, row, column, value) or PDF."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

from sclero.core.errors import NotFound
from sclero.core.settings import Settings
from sclero.reports import pdf
from sclero.reports.report import OutcomesReport
from sclero.reports.tables import ReportTable

FORMATS = ("json", "csv", "pdf")


def render(
    report: OutcomesReport, what: str, settings: Settings, today: date, table: str | None = None
) -> bytes:
    """The report in format `what`; `table` picks one table for CSV."""
    if what == "json":
        return (json.dumps(report.to_document(), indent=2, ensure_ascii=False) + "\n").encode()
    if what == "pdf":
        return pdf.to_pdf(pdf.report_html(report, settings, today))
    if table is not None:
        if table not in report.tables:
            known = ", ".join(report.tables)
            raise NotFound(f"The report has no table {table!r}; one of {known}.", field="table")
        return report.tables[table].to_csv().encode()
    return long_csv(report).encode()


def long_csv(report: OutcomesReport) -> str:
    """Every figure of the report as rows of (table, row, column, value): the headline first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["table", "row", "column", "value"])
    for key, value in report.headline.to_document().items():
        writer.writerow(["headline", 0, key, _cell(value)])
    for name, table in report.tables.items():
        _table_rows(writer, name, table)
    return out.getvalue()


def _table_rows(writer: Any, name: str, table: ReportTable) -> None:
    for number, row in enumerate(table.rows):
        for column in table.columns:
            writer.writerow([name, number, column.key, _cell(row.get(column.key))])


def _cell(value: object) -> str:
    return ReportTable.csv_value(value)
