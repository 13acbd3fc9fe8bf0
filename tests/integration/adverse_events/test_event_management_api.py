"""Management notes of an adverse event add up, each with its time; none is overwritten."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from sclero.core.time import to_clinic_wall_time
from tests.conftest import Headers
from tests.factories.api import match
from tests.factories.clock import Clock

TODAY = date.today().isoformat()


def report(client: TestClient, headers: Headers, pid: int, **fields: Any) -> dict[str, Any]:
    body = {"event_type": "other", "onset_date": TODAY, "severity": "mild", **fields}
    response = client.post(
        f"/api/v1/patients/{pid}/adverse-events", json=body, headers=headers["nurse"]
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_management_notes_are_added_with_a_time_never_overwritten(
    client: TestClient, headers: Headers, pid: int
) -> None:
    event = report(client, headers, pid, event_type="superficial_thrombosis", management="Ice")
    url = f"/api/v1/adverse-events/{event['id']}"
    nurse = {**headers["nurse"], **match(event["version"])}
    first = client.patch(url, json={"management": "Compression"}, headers=nurse)
    assert first.status_code == 200, first.text
    lines = first.json()["management"].splitlines()
    assert lines[0] == "Ice"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d — Compression", lines[1])
    # A form that sends the earlier text back with more typed after it adds only the new part.
    resent = client.patch(
        url,
        json={"management": first.json()["management"] + "\nDrained"},
        headers={**headers["nurse"], **match(first.json()["version"])},
    )
    lines = resent.json()["management"].splitlines()
    assert len(lines) == 3 and lines[0] == "Ice" and lines[2].endswith("— Drained")
    closed = client.post(
        f"{url}/close",
        json={"outcome": "resolved", "management": "Settled"},
        headers={**headers["physician"], **match(resent.json()["version"])},
    )
    assert closed.json()["management"].startswith("Ice\n") and "— Settled" in closed.text


def test_a_management_note_is_dated_by_the_clinic_clock(
    client: TestClient, headers: Headers, pid: int, clock: Clock
) -> None:
    event = report(client, headers, pid, management="Ice")
    clock.advance(minutes=20)  # inside the idle timeout
    moved = client.patch(
        f"/api/v1/adverse-events/{event['id']}",
        json={"management": "Compression"},
        headers={**headers["nurse"], **match(event["version"])},
    )
    assert moved.status_code == 200, moved.text
    stamp = to_clinic_wall_time(clock.now).strftime("%Y-%m-%d %H:%M")
    assert moved.json()["management"].splitlines()[1] == f"{stamp} — Compression"
