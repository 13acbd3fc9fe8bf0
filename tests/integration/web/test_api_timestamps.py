"""Every timestamp the API sends is exact: it carries its UTC offset, as its `date-time` schema
requires (stored timestamps are naive UTC; an appointment is the clinic's wall clock)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import schemathesis
from fastapi.testclient import TestClient

from tests.conftest import Headers
from tests.factories.api import poster
from tests.factories.planning import consented_patient

READS = (
    "/api/v1/patients/{patient_id}/plans",
    "/api/v1/patients/{patient_id}/findings",
    "/api/v1/patients/{patient_id}/evaluations",
)


def timestamps(body: Any) -> list[str]:
    if isinstance(body, dict):
        found = [v for k, v in body.items() if k.endswith("_at") and isinstance(v, str)]
        return found + [t for v in body.values() for t in timestamps(v)]
    if isinstance(body, list):
        return [t for item in body for t in timestamps(item)]
    return []


def test_timestamps_carry_their_offset_and_match_the_schema(
    app: Any, client: TestClient, headers: Headers
) -> None:
    doctor = headers["physician"]
    pid = consented_patient(poster(client, doctor))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    seen = []
    for path in READS:
        case = schema[path]["GET"].Case(path_parameters={"patient_id": pid})
        response = case.call_and_validate(headers=doctor)  # response schema, formats included
        seen += timestamps(response.json())
    assert len(seen) >= 3
    for text in seen:
        assert datetime.fromisoformat(text).utcoffset() is not None, text
