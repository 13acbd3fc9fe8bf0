"""The whole JSON API (/api/v1; FHIR answers in its own OperationOutcome) fuzzed from its own
OpenAPI document (schemathesis, every check) for each role, bounded and derandomized: no server
error and no answer that breaks the document."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode

from tests.conftest import ROLES, Headers

EXAMPLES = 3  # per operation, role and mode: under 2 minutes per database on two cores
SKIP = {("POST", "/api/v1/auth/logout")}  # would revoke the token the rest of the run uses
# Every check is on. What a JSON Schema cannot say is answered in the clinic's words: a
# schema-valid request may still be refused by a rule (422: a birth date in the future; 409: a
# contraindication; 412/428: a stale or missing If-Match), and an invalid one may meet a
# precondition first (412).
CONFIG = SchemathesisConfig.from_str(
    """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "412", "422", "428", "429"]
[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "412", "413", "415",
  "422", "428", "429"]
"""
)


@dataclass
class Run:
    cases: int = 0
    failures: list[str] = field(default_factory=list)


def fuzz(app: Any, headers: dict[str, str]) -> Run:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=CONFIG)
    run = Run()
    for result in schema.get_all_operations():
        operation = result.ok()
        if (
            not operation.path.startswith("/api/")
            or (operation.method.upper(), operation.path) in SKIP
        ):
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            exercise(operation, mode, headers, run)
    return run


def exercise(operation: Any, mode: GenerationMode, headers: dict[str, str], run: Run) -> None:
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def one(case: Any) -> None:
        run.cases += 1
        try:
            case.call_and_validate(headers=headers)
        except (Exception, BaseExceptionGroup) as failure:  # failed checks, or anything else
            text = [line.strip() for line in str(failure).splitlines() if line.strip()]
            run.failures.append(f"{operation.method.upper()} {operation.path} [{mode}]: {text[:6]}")

    with contextlib.suppress(Unsatisfiable):  # e.g. nothing to break: no negative case exists
        one()


@pytest.mark.parametrize("role", ROLES)
def test_the_api_keeps_its_contract_for_every_role(
    app: Any, client: TestClient, headers: Headers, patient_id: int, role: str
) -> None:
    run = fuzz(app, headers[role])
    print(f"{role}: {run.cases} cases, {len(run.failures)} failures")
    print("\n".join(run.failures))
    assert run.cases > 250
    assert run.failures == []
