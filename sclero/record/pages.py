"""The patient chart page: alerts on top, then the timeline of the whole pathway."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from sclero.core.db import Database
from sclero.record.chart import build_chart
from sclero.web.deps import PageActor, get_db
from sclero.web.security import require_csrf
from sclero.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])


@router.get("/patients/{patient_id}", response_class=HTMLResponse)
def chart(
    request: Request, patient_id: int, actor: PageActor, db: Annotated[Database, Depends(get_db)]
) -> HTMLResponse:
    """The patient chart: alerts on top, then the timeline of the whole pathway."""
    with db.uow(actor) as uow:  # render inside: the template reads related rows lazily
        return render(request, "record/chart.html", build_chart(uow, patient_id), actor=actor)
