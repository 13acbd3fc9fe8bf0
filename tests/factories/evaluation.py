"""Intake answers for the medical evaluation, and patients evaluated through the API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Headers
from tests.factories.api import Post, etag_of, match
from tests.factories.patients import PATIENT

ANSWERS = {
    "weight_kg": 70,
    "pregnant": False,
    "breastfeeding": False,
    "conditions": [],
    "medications": ["anticoagulant"],
    "allergies": [],
}
"""Eligible with precautions (the anticoagulant). Pregnancy and breastfeeding are answered: an
unanswered safety question defers the screening."""
INTAKE = dict(ANSWERS)
NO_PRECAUTIONS = {"weight_kg": 70, "pregnant": False, "breastfeeding": False, "conditions": [],
                  "medications": [], "allergies": []}  # fmt: skip
"""Eligible, nothing to watch for."""


def new_patient(client: TestClient, headers: Headers, findings: tuple[float, ...] = ()) -> int:
    """A registered patient with one vein on the left inner calf per diameter in `findings`."""
    pid = int(client.post("/api/v1/patients", json=PATIENT, headers=headers["nurse"]).json()["id"])
    for diameter in findings:
        made = client.post(
            f"/api/v1/patients/{pid}/findings",
            headers=headers["nurse"],
            json={"side": "left", "region": "leg_medial", "diameter_mm": diameter},
        )
        assert made.status_code == 201, made.text
    return pid


def evaluated_patient(client: TestClient, headers: Headers, **intake: Any) -> int:
    """A patient with two veins (2.0 and 0.5 mm), evaluated with ANSWERS changed by `intake`."""
    pid = new_patient(client, headers, findings=(2.0, 0.5))
    done = post_evaluation(client, pid, {**ANSWERS, **intake}, headers["nurse"])
    assert done.status_code == 201, done.text
    return pid


def evaluate(post: Post, patient_id: int, intake: dict[str, Any]) -> Any:
    """Record an intake on the patient's record as it stands (its version read first)."""
    version = post.version(f"/patients/{patient_id}/history")
    return post(f"/patients/{patient_id}/evaluations", intake, if_match=version)


def post_evaluation(
    client: TestClient, patient_id: int, intake: dict[str, Any], headers: dict[str, str]
) -> Any:
    """POST an intake made on the patient's record as it stands; the response, refused or not."""
    read = client.get(f"/api/v1/patients/{patient_id}/history", headers=headers)
    sent = {**headers, **match(etag_of(read))} if read.is_success else headers
    return client.post(f"/api/v1/patients/{patient_id}/evaluations", json=intake, headers=sent)
