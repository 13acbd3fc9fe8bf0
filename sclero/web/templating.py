"""Jinja2 templates from every room, rendered with the actor, CSRF token, navigation and labels."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse

from sclero.core.choices import choice_label, choice_style
from sclero.core.db import Actor
from sclero.core.protocol import current_protocol
from sclero.core.time import to_clinic_wall_time
from sclero.core.use_case import allowed
from sclero.rules import vocabulary
from sclero.web.security import CSRF_COOKIE, csrf_token

PACKAGE = Path(__file__).resolve().parents[1]
ROOMS = (
    "patients",
    "evaluation",
    "assessment",
    "planning",
    "charting",
    "scheduling",
    "follow_up",
    "adverse_events",
    "record",
    "reports",
    "exchange",
)

NavItem = tuple[str, str, Callable[..., Any] | None]
"""A menu entry: its text, its address and the use case it opens (None: every signed-in user).
The assembly (`sclero/app.py`) declares them in `app.state.navigation`."""

DECISION_STYLE = {
    "contraindicated": "danger",
    "defer": "warning",
    "refer": "info",
    "eligible_with_precautions": "caution",
    "eligible": "ok",
}
TRIAGE_STYLE = {"urgent_care": "danger", "contact_clinic": "warning", "routine": "ok"}


def label(code: Any) -> str:
    """The human label of any code: an operational choice's, else the clinical vocabulary's."""
    if code is None:
        return ""
    text = str(code)
    return choice_label(text) or vocabulary.label_of(text)


def clinic_time(utc_timestamp: datetime | None) -> datetime | None:
    """A stored (naive UTC) timestamp as the clinic's wall-clock time, for display."""
    if utc_timestamp is None:
        return None
    return to_clinic_wall_time(utc_timestamp.replace(tzinfo=UTC))


def number(value: float | None) -> str:
    """A measured or limiting number as the clinic reads it (70, 0.5, 1.25); none: a dash."""
    if value is None:
        return "—"
    return f"{float(value):g}"


def span(low: float | None, high: float | None, unit: str = "") -> str:
    """A range from the protocol or a plan, where either end may be open ("up to 2 %")."""
    suffix = f" {unit}" if unit else ""
    if low is None and high is None:
        return "—"
    if low is None:
        return f"up to {number(high)}{suffix}"
    if high is None:
        return f"at least {number(low)}{suffix}"
    if low == high:
        return f"{number(low)}{suffix}"
    return f"{number(low)}–{number(high)}{suffix}"


CODE = re.compile(r"[a-z][a-z0-9_]*")


def shown_value(value: Any) -> str:
    """An audited old or new value as the clinic reads it: labels for codes, "none" for empty."""
    if value is None or value == [] or value == "":
        return "none"
    if isinstance(value, list):
        return ", ".join(shown_value(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    text = str(value)
    # a code (lower-case, no spaces) gets its label; free text (a name, a note) is shown as typed
    return label(text) if CODE.fullmatch(text) else text


def range_attrs(name: str, step: str = "0.1") -> str:
    """`step min max` attributes of a number input from the protocol's plausible range, so the
    form offers exactly what the engine, the API and the command line accept."""
    bound = current_protocol().bound(name)
    return f'step="{step}" min="{max(bound.min, float(step)):g}" max="{bound.max:g}"'


def _environment() -> Environment:
    folders = [PACKAGE / "web" / "templates"] + [PACKAGE / room / "templates" for room in ROOMS]
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(f)) for f in folders if f.is_dir()]),
        autoescape=select_autoescape(["html", "xml", "svg"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["label"] = label
    env.filters["style"] = choice_style
    env.filters["clinic_time"] = clinic_time
    env.filters["num"] = number
    env.filters["shown_value"] = shown_value
    env.globals.update(
        vocabulary=vocabulary,
        DECISION_STYLE=DECISION_STYLE,
        TRIAGE_STYLE=TRIAGE_STYLE,
        range_attrs=range_attrs,
        span=span,
    )
    return env


templates = Jinja2Templates(env=_environment())


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    actor: Actor | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a page or partial with what every template may use."""
    token = csrf_token(request)
    full = {
        "actor": actor,
        "csrf_token": token,
        "nav": _navigation(request, actor),
        "path": request.url.path,
        **(context or {}),
    }
    response = templates.TemplateResponse(
        request, name, full, status_code=status_code, headers=headers
    )
    if request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(
            CSRF_COOKIE,
            token,
            httponly=False,
            samesite="strict",
            secure=request.app.state.settings.secure_cookies,
        )
    return response


def _navigation(request: Request, actor: Actor | None) -> list[tuple[str, str]]:
    """The menu entries whose use case this actor may run."""
    if actor is None:
        return []
    items: tuple[NavItem, ...] = getattr(request.app.state, "navigation", ())
    return [(text, href) for text, href, opens in items if opens is None or allowed(actor, opens)]
