"""The bulk export's fast path (Sclero's own JSON, built from plain rows) writes what its
validated path writes: every resource through fhir.resources R4B and out as that model writes
it. Checked on every resource type of a demo clinic's system export (a photo added: the demo
takes none), resource by resource."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from sclero.core import auth
from sclero.core.db import Database
from sclero.core.settings import get_settings
from sclero.exchange import bulk, worker
from sclero.exchange.models import ExportJob
from sclero.exchange.sources import RESOURCE_TYPES
from sclero.follow_up import service as follow_up
from sclero.follow_up.models import Photo
from sclero.follow_up.schemas import PhotoMeta
from tests.factories.follow_up import png

INSTANT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def _export(db: Database, actor: auth.Actor, validated: bool) -> dict[str, list[str]]:
    """The lines of each file of one system export, run as the worker runs it."""
    with db.uow(actor) as uow:
        job = bulk.kick_off(
            uow, kind="system", group_id=None, types=None, since=None, output_format=None,
            request_url="test", base_url="http://test/",
        )  # fmt: skip
    claimed = worker.claim(db)
    assert claimed is not None and claimed.id == job.id
    worker.run_job(db, claimed, validated=validated)
    with db.sessions() as session:
        done = session.get(ExportJob, job.id)
        assert done is not None and done.status == "done", done and done.error
    folder = bulk.export_dir(db.settings or get_settings(), job.id)
    return {
        path.name.removesuffix(".ndjson"): path.read_text(encoding="utf-8").splitlines()
        for path in folder.glob("*.ndjson")
    }


def _moments(value: Any) -> Any:
    """The JSON with each instant as the moment it names: R4B's model writes a UTC offset as
    `Z` where Sclero writes an appointment's wall-clock offset `+00:00`; the rest must match."""
    if isinstance(value, dict):
        return {key: _moments(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_moments(item) for item in value]
    if isinstance(value, str) and INSTANT.match(value):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


def test_the_fast_export_writes_what_the_validated_model_path_writes(
    db: Database, users: dict[str, auth.User], demo_clinic: list[int]
) -> None:
    actor = users["nurse"].as_actor()
    meta = PhotoMeta(side="left", region="leg_medial", taken_on=date(2026, 11, 20))
    with db.uow(actor) as uow:
        follow_up.add_photo(uow, demo_clinic[0], meta, png(width=5, height=4))
    fast = _export(db, actor, validated=False)
    checked = _export(db, actor, validated=True)
    assert set(fast) == set(checked) == set(RESOURCE_TYPES)  # every type Sclero exports
    for resource_type, lines in fast.items():
        assert len(lines) == len(checked[resource_type]), resource_type
        for ours, models in zip(lines, checked[resource_type], strict=True):
            resource = json.loads(ours)
            assert _moments(resource) == _moments(json.loads(models)), resource_type
            # written by orjson: the bytes the standard library's compact UTF-8 JSON would be
            assert ours == json.dumps(resource, ensure_ascii=False, separators=(",", ":"))
    with db.sessions() as session:
        assert len(fast["Media"]) == session.scalar(select(func.count()).select_from(Photo))
