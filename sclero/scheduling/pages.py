"""Pages of scheduling: today's list (the front desk's start page)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from sclero.core.db import Database
from sclero.core.time import today
from sclero.scheduling import service
from sclero.scheduling.service import KIND_LABELS
from sclero.web.deps import get_db
from sclero.web.security import PageActor, require_csrf
from sclero.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])
DB = Annotated[Database, Depends(get_db)]


@router.get("/today", response_class=HTMLResponse)
def today_page(request: Request, actor: PageActor, db: DB) -> HTMLResponse:
    """Today's appointments by kind, in time order."""
    day = today()
    with db.uow(actor) as uow:
        rows = service.between(uow, day, 1)
    groups = {kind: [(a, p) for a, p in rows if a.kind == kind] for kind in KIND_LABELS}
    return render(
        request,
        "scheduling/today.html",
        {"day": day, "groups": groups, "kind_labels": KIND_LABELS, "count": len(rows)},
        actor=actor,
    )
