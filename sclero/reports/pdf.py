"""The outcomes report as a printable document: HTML with the figures inline, and its PDF
(WeasyPrint), headed with the clinic's name, address and phone from the settings."""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

from sclero.core.settings import Settings
from sclero.reports.report import OutcomesReport
from sclero.web.templating import PACKAGE, templates

PRINT_CSS = PACKAGE / "web" / "static" / "outcomes-print.css"


def report_html(report: OutcomesReport, settings: Settings, printed_on: date) -> str:
    """The whole report as one HTML document (figures as data: URIs, so WeasyPrint needs
    nothing from the network)."""
    from sclero.reports.figures import render_svg  # matplotlib: loaded when a report is drawn

    figures = {
        key: "data:image/svg+xml;base64,"
        + base64.b64encode(render_svg(table, report.headline)).decode("ascii")
        for key, table in report.tables.items()
    }
    context: dict[str, Any] = {
        "report": report,
        "figures": figures,
        "clinic": {
            "name": settings.clinic_name,
            "address": settings.clinic_address,
            "phone": settings.clinic_phone,
        },
        "printed_on": printed_on,
    }
    return templates.env.get_template("reports/outcomes_pdf.html").render(context)


def to_pdf(html: str) -> bytes:
    """The report as PDF with the print style sheet (the import is heavy, so it waits until a
    PDF is asked for)."""
    from weasyprint import CSS, HTML  # heavy: loaded when a PDF is first asked for

    return bytes(HTML(string=html).write_pdf(stylesheets=[CSS(filename=str(PRINT_CSS))]))
