"""The OpenAPI document says what the API answers: every JSON operation lists its error answers
with Sclero's one error body, and coded fields (inputs and answers) carry their codes as enums."""

from __future__ import annotations

from fastapi.testclient import TestClient

ERRORS = ("400", "401", "403", "404", "409", "412", "413", "422", "428", "429")


def test_every_operation_lists_the_error_answers_with_the_error_body(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    operations = [
        (path, op)
        for path, item in document["paths"].items()
        if path.startswith("/api/")
        for op in item.values()
    ]
    assert len(operations) > 40
    for path, op in operations:
        for status in ERRORS:
            body = op["responses"][status]["content"]["application/json"]["schema"]
            assert body == {"$ref": "#/components/schemas/ErrorBody"}, (path, status)
    assert "HTTPValidationError" not in str(operations)  # FastAPI's own body, never sent
    schemas = document["components"]["schemas"]
    assert schemas["ErrorItem"]["required"] == ["code", "field", "message"]


def test_coded_fields_are_enums_in_requests_and_answers(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert "booked" in schemas["AppointmentOut"]["properties"]["status"]["enum"]
    assert "session" in schemas["AppointmentIn"]["properties"]["kind"]["enum"]
    assert "leg_medial" in schemas["FindingOut"]["properties"]["region"]["enum"]
    assert schemas["FindingOut"]["properties"]["side"]["enum"] == ["left", "midline", "right"]
