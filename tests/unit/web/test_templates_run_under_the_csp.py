"""Every template runs under the strict Content-Security-Policy: no inline script or handler, no
style attribute or <style> block, no javascript: URL, no framework that evaluates attribute code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sclero.web.templating import PACKAGE

TEMPLATES = sorted(PACKAGE.glob("*/templates/**/*.html"))
FORBIDDEN = {
    "inline event handler": re.compile(r"""[\s"'/]on[a-z]+\s*=""", re.IGNORECASE),
    "style attribute": re.compile(r"""[\s"']style\s*=""", re.IGNORECASE),
    "<style> block": re.compile(r"<style\b", re.IGNORECASE),
    "inline <script>": re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "Alpine.js directive (needs eval)": re.compile(r"""[\s"'](x-[a-z]+|@[a-z]+|:[a-z-]+)\s*="""),
    "hx-on handler (needs eval)": re.compile(r"\bhx-on\b|\bhx-on:|\bhx-on::", re.IGNORECASE),
}


def offences(text: str) -> list[str]:
    found = []
    for name, pattern in FORBIDDEN.items():
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"line {line}: {name}: {match.group(0).strip()!r}")
    return found


def test_the_templates_are_found() -> None:
    assert len(TEMPLATES) > 20
    assert any(t.name == "base.html" for t in TEMPLATES)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_template_has_no_inline_script_or_style(template: Path) -> None:
    assert offences(template.read_text()) == []


@pytest.mark.parametrize(
    "markup",
    [
        '<button onclick="window.print()">',
        '<span style="width: 3%">',
        "<style>p { color: red }</style>",
        "<script>alert(1)</script>",
        '<a href="javascript:alert(1)">',
        '<form x-data="{open: false}">',
        '<input @change="go()">',
        '<div hx-on:click="go()">',
    ],
)
def test_the_scan_catches_each_kind(markup: str) -> None:
    assert offences(markup)


def test_the_scan_lets_static_files_and_data_attributes_through() -> None:
    markup = '<script src="/static/sclero.js" defer></script><button data-print="consent">'
    assert offences(markup) == []
