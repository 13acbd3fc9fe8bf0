"""The engine's public contract answers a number or date it cannot use with a 422 on the field."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Headers
from tests.factories.cases import build_case


def errors_of(response: Any) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


HUGE_VEIN = {"id": "f1", "side": "left", "region": "leg_medial", "diameter_mm": 10**400}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"findings": [HUGE_VEIN]}, "findings[0].diameter_mm"),
        ({"proposed_date": "9999-12-31"}, "proposed_date"),
    ],
)
def test_the_evaluate_endpoint_refuses_unusable_input_on_its_field(
    client: TestClient, headers: Headers, change: dict[str, Any], field: str
) -> None:
    case = {**build_case(), **change}
    response = client.post("/api/v1/evaluate", json=case, headers=headers["nurse"])
    assert response.status_code == 422, response.text
    assert field in errors_of(response)
