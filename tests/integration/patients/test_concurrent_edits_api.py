"""Two people changing one record: the second save made on an old version is refused (412) and
the first one's change stays; a change without a version is refused (428)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from sclero.core.audit import AuditEntry
from sclero.core.db import Database
from tests.conftest import Headers
from tests.factories.api import etag_of, match, poster
from tests.factories.charting import inject, start
from tests.factories.planning import consented_patient

NONE = {"conditions": [], "medications": [], "allergies": []}


def history(client: TestClient, pid: int, headers: dict[str, str]) -> Any:
    read = client.get(f"/api/v1/patients/{pid}/history", headers=headers)
    assert read.status_code == 200, read.text
    return read


def test_a_stale_history_save_is_refused_and_the_allergy_stays(
    client: TestClient, headers: Headers
) -> None:
    doc, nurse = headers["physician"], headers["nurse"]
    pid = consented_patient(
        poster(client, doc),
        intake={"weight_kg": 70, **NONE, "pregnant": False, "breastfeeding": False},
    )
    sid = start(client, pid, nurse)
    physician_read, nurse_read = history(client, pid, doc), history(client, pid, nurse)
    assert physician_read.headers["ETag"] == nurse_read.headers["ETag"]

    allergic = {**NONE, "allergies": ["polidocanol"]}
    saved = client.put(
        f"/api/v1/patients/{pid}/history",
        json=allergic,
        headers={**doc, **match(etag_of(physician_read))},
    )
    assert saved.status_code == 200, saved.text
    assert etag_of(saved) == etag_of(physician_read) + 1

    hers = {**NONE, "medications": ["antiplatelet"]}
    refused = client.put(
        f"/api/v1/patients/{pid}/history",
        json=hers,
        headers={**nurse, **match(etag_of(nurse_read))},
    )
    assert refused.status_code == 412, refused.text
    error = refused.json()["errors"][0]
    assert error["code"] == "changed_by_someone_else"
    assert "Someone else changed" in error["message"]

    assert history(client, pid, nurse).json()["allergies"] == ["polidocanol"]
    charted = inject(client, sid, nurse)  # polidocanol 1 % into the left inner calf
    assert charted.status_code == 409, charted.text


def test_a_change_without_the_version_read_is_refused(
    client: TestClient, headers: Headers, pid: int
) -> None:
    nurse = headers["nurse"]
    unversioned = client.put(f"/api/v1/patients/{pid}/history", json=NONE, headers=nurse)
    assert unversioned.status_code == 428
    assert unversioned.json()["errors"][0]["code"] == "version_required"
    patched = client.patch(f"/api/v1/patients/{pid}", json={"phone": "555"}, headers=nurse)
    assert patched.status_code == 428
    garbled = {**nurse, "If-Match": '"yesterday"'}
    assert client.patch(f"/api/v1/patients/{pid}", json={}, headers=garbled).status_code == 412


def test_a_history_change_is_audited_with_old_and_new_codes(
    client: TestClient, headers: Headers, pid: int, db: Database
) -> None:
    nurse = headers["nurse"]
    read = history(client, pid, nurse)
    body = {**NONE, "allergies": ["polidocanol"]}
    put = client.put(
        f"/api/v1/patients/{pid}/history", json=body, headers={**nurse, **match(etag_of(read))}
    )
    assert put.status_code == 200
    with db.sessions() as session:
        entry = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "update",
                AuditEntry.entity == "history",
                AuditEntry.patient_id == pid,
            )
        ).one()
    assert entry.detail["changes"] == {"allergies": {"old": [], "new": ["polidocanol"]}}
    assert entry.detail["version"] == etag_of(put)


def test_details_changed_by_two_people_keep_the_first_change(
    client: TestClient, headers: Headers, pid: int
) -> None:
    desk, nurse = headers["front_desk"], headers["nurse"]
    read = client.get(f"/api/v1/patients/{pid}", headers=desk)
    version = match(etag_of(read))
    first = client.patch(
        f"/api/v1/patients/{pid}", json={"phone": "+1 555 0101"}, headers={**desk, **version}
    )
    assert first.status_code == 200 and first.json()["version"] == etag_of(first)
    second = client.patch(
        f"/api/v1/patients/{pid}", json={"phone": "+1 555 0199"}, headers={**nurse, **version}
    )
    assert second.status_code == 412
    assert client.get(f"/api/v1/patients/{pid}", headers=desk).json()["phone"] == "+1 555 0101"
