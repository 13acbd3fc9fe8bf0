"""The treatment room: the pre-session checklist, injections, sessions opened and closed."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.factories.api import Post
from tests.factories.planning import consented_patient

CHECKLIST = {
    "identity_confirmed": True,
    "consent_confirmed": True,
    "not_pregnant": True,
    "no_new_clot": True,
    "no_infection": True,
    "skin_clean": True,
}
AFTERCARE = {"compression_given": "Class 1 stockings, 5–7 days", "aftercare_given": True}


def reticular_injection(volume: float = 0.3) -> dict[str, object]:
    """Polidocanol 1 % liquid into the left inner calf."""
    return {
        "side": "left",
        "region": "leg_medial",
        "agent": "polidocanol",
        "concentration_percent": 1.0,
        "volume_ml": volume,
        "technique": "liquid",
        "needle_gauge": 30,
        "lot_number": "L123",
    }


def start(client: TestClient, pid: int, headers: dict[str, str], **extra: object) -> int:
    """Open a session with the checklist confirmed; its id."""
    response = client.post(
        f"/api/v1/patients/{pid}/sessions", json={"checklist": CHECKLIST, **extra}, headers=headers
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def inject(client: TestClient, sid: int, headers: dict[str, str], **changes: object) -> Any:
    """Chart a reticular injection changed by `changes`; the response, refused or not."""
    body = {**reticular_injection(), **changes}
    return client.post(f"/api/v1/sessions/{sid}/injections", json=body, headers=headers)


def close(client: TestClient, sid: int, headers: dict[str, str]) -> None:
    body = {"compression_given": "stockings", "aftercare_given": True}
    assert client.post(f"/api/v1/sessions/{sid}/close", headers=headers, json=body).is_success


def treated_patient(post: Post, *, injections: int = 1, **plan: Any) -> int:
    """A consented patient (see consented_patient) with one closed session today of `injections`
    reticular injections on the left inner calf; the patient's id."""
    pid = consented_patient(post, **plan)
    sid = post(f"/patients/{pid}/sessions", {"checklist": CHECKLIST})["id"]
    for _ in range(injections):
        post(f"/sessions/{sid}/injections", reticular_injection())
    post(f"/sessions/{sid}/close", AFTERCARE)
    return pid
