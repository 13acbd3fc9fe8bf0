"""The dose limit and the tally count every session of the day; an interval override at the
start covers the whole session."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import Headers
from tests.factories.api import poster
from tests.factories.assessment import vein
from tests.factories.charting import (
    close,
    inject,
    start,
)
from tests.factories.evaluation import INTAKE
from tests.factories.planning import consented_patient

LIGHT = {**INTAKE, "weight_kg": 15}  # 30 mg polidocanol a day


def test_the_dose_limit_counts_every_session_of_the_day(
    client: TestClient, headers: Headers
) -> None:
    doc = headers["physician"]
    pid = consented_patient(
        poster(client, doc),
        intake=LIGHT,
        veins=[vein("leg_medial", 2.0), vein("thigh_lateral", 2.0)],
    )
    first = start(client, pid, doc)
    for _ in range(9):  # 27 mg of 30
        assert inject(client, first, doc).status_code == 201
    close(client, first, doc)
    second = start(client, pid, doc, interval_override_reason="second area the same day")
    thigh = {"region": "thigh_lateral"}
    assert inject(client, second, headers["nurse"], **thigh).status_code == 201  # 30 mg
    refused = inject(client, second, headers["nurse"], **thigh)
    assert refused.status_code == 409
    detail = refused.json()["errors"][0]["detail"]
    assert (detail["given"], detail["limit"], detail["remaining"]) == (33.0, 30.0, 0.0)


def test_the_tally_shows_the_day_across_sessions(client: TestClient, headers: Headers) -> None:
    doc = headers["physician"]
    pid = consented_patient(
        poster(client, doc),
        intake=LIGHT,
        veins=[vein("leg_medial", 2.0), vein("thigh_lateral", 2.0)],
    )
    first = start(client, pid, doc)
    inject(client, first, doc)
    close(client, first, doc)
    second = start(client, pid, doc, interval_override_reason="second area the same day")
    inject(client, second, doc, region="thigh_lateral")
    tally = client.get(f"/api/v1/sessions/{second}/tally", headers=doc).json()
    assert tally["totals"] == {"agent_mg": 6.0, "liquid_ml": 0.6, "foam_ml": 0.0, "sts_ml": 0.0}
    assert tally["remaining"]["agent_mg"] == 24.0


def test_an_interval_override_at_start_covers_the_session(
    client: TestClient, headers: Headers
) -> None:
    doc, nurse = headers["physician"], headers["nurse"]
    pid = consented_patient(poster(client, doc))
    first = start(client, pid, doc)
    inject(client, first, nurse)
    close(client, first, doc)
    second = start(client, pid, doc, interval_override_reason="missed area, same day")
    assert inject(client, second, nurse).status_code == 201
