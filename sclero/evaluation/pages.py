"""Pages of the evaluation step (HTML, HTMX partials)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from sclero.web.security import require_csrf

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])
