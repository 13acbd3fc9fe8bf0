"""POST /api/v1/evaluate: the same case and result documents as `sclero evaluate`, and a 4xx
with the error shape for any bad body (never a 500, never Infinity)."""

from __future__ import annotations

import io
import json

import pytest
from fastapi.testclient import TestClient

from sclero.evaluate_cli import main
from tests.conftest import Headers
from tests.factories.cases import build_case


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 5000 + b"]" * 5000,
        b'{"patient": {"age_years": ' + b"9" * 5000 + b"}}",
        b"\xff\xfe{}",
        json.dumps(build_case(weight_kg=1e308)).encode(),
        json.dumps(build_case(weight_kg=5e-324)).encode(),
        json.dumps(build_case(pregnant="maybe")).encode(),
    ],
    ids=["nested", "5000 digits", "not utf-8", "1e308 kg", "5e-324 kg", "pregnant text"],
)
def test_a_bad_case_is_a_4xx_with_the_error_shape(
    client: TestClient, headers: Headers, body: bytes
) -> None:
    sent = {**headers["nurse"], "content-type": "application/json"}
    answer = client.post("/api/v1/evaluate", content=body, headers=sent)
    assert 400 <= answer.status_code < 500, answer.text
    (error,) = answer.json()["errors"]
    assert error["message"]


def test_the_api_and_the_command_line_give_the_same_document(
    client: TestClient, headers: Headers
) -> None:
    case = build_case(pregnant=None)
    case["symptoms"] = ["painful_lump"]
    case["session"] = {"injection": {"agent": "polidocanol", "technique": "liquid",
                                     "concentration_percent": 0.5, "volume_ml": 0.2,
                                     "finding_id": "f1"}}  # fmt: skip
    from_api = client.post("/api/v1/evaluate", json=case, headers=headers["nurse"])
    assert from_api.status_code == 200, from_api.text
    out = io.StringIO()
    assert main(["-"], stdin=io.BytesIO(json.dumps(case).encode()), out=out) == 0
    assert from_api.json() == json.loads(out.getvalue())
    assert from_api.json()["screening"]["reasons"] == ["pregnancy_not_answered"]
    assert from_api.json()["triage"]["level"] == "contact_clinic"
    assert from_api.json()["injection_check"]["allowed"] is True
