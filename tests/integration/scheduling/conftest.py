"""This step's pages need a patient already treated: one closed session today (left inner calf)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Headers
from tests.factories.api import poster
from tests.factories.charting import treated_patient


@pytest.fixture
def patient_id(client: TestClient, headers: Headers) -> int:
    return treated_patient(poster(client, headers["physician"]))
