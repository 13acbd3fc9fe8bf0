"""Two clinicians filling the intake of one patient: the second save is refused, keeps what she
typed and shows what the first one changed; nothing of the first one's is lost."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.conftest import Headers
from tests.factories.evaluation import new_patient
from tests.factories.web import Signed, version_in

ANSWERED = {"weight_kg": "70", "pregnant": "false", "breastfeeding": "false"}


def test_a_stale_intake_is_refused_with_the_other_change_and_the_typed_answers(
    client: TestClient, headers: Headers, signed: Callable[[str], Signed]
) -> None:
    pid = new_patient(client, headers)
    doctor, nurse = signed("physician"), signed("nurse")
    url = f"/patients/{pid}/evaluation"
    doctor_version = version_in(doctor.get(url).text, url)
    nurse_version = version_in(nurse.get(url).text, url)

    saved = doctor.post(url, {**ANSWERED, "allergies": "polidocanol", "version": doctor_version})
    assert saved.status_code == 303
    hers = {**ANSWERED, "medications": "antiplatelet", "notes": "Aspirin", "version": nurse_version}
    refused = nurse.post(url, hers)

    assert refused.status_code == 412
    conflict = re.search(r'data-testid="conflict">(.*?)</div>', refused.text, re.S)
    assert conflict is not None
    assert "Someone else changed this record" in conflict.group(1)
    assert "test-physician" in conflict.group(1) and "Polidocanol" in conflict.group(1)
    assert re.search(r'name="medications" value="antiplatelet"\s+checked', refused.text)
    assert ">Aspirin</textarea>" in refused.text  # what the nurse typed is kept
    assert int(version_in(refused.text, url)) > int(nurse_version)  # she may save again
    history = client.get(f"/api/v1/patients/{pid}/history", headers=headers["nurse"]).json()
    assert history["allergies"] == ["polidocanol"] and history["medications"] == []
