"""The demo clinic makes the cases that once broke Sclero, so the crawl and the people trying it
meet them: varicose veins with and without duplex, recurrent veins, the face, minors whose
consent a representative signs, and open urgent adverse events holding the next session."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from sclero.core.db import make_engine, upgrade_database
from sclero.demo.generator import generate_clinic

TODAY = date(2026, 11, 23)
CASES = {
    "varicose with duplex": "select count(distinct f.patient_id) from vein_findings f join"
    " duplex_findings d on d.patient_id = f.patient_id where f.vein_type = 'varicose'",
    "varicose without duplex": "select count(distinct patient_id) from vein_findings where"
    " vein_type = 'varicose' and patient_id not in (select patient_id from duplex_findings)",
    "recurrent veins": "select count(*) from vein_findings where vein_type = 'recurrent'",
    "the face": "select count(*) from vein_findings where region = 'face'",
    "minors": "select count(*) from patients where birth_date > '2008-11-23'",
    "representatives signing": "select count(*) from consents c join patients p on"
    " p.id = c.patient_id where c.representative_relationship is not null"
    " and p.birth_date > '2008-11-23'",
    "open urgent events": "select count(*) from adverse_events where status = 'open'"
    " and triage_level = 'urgent_care'",
    "their holds": "select count(*) from patient_holds h join adverse_events e on"
    " e.id = h.source_id where h.reviewed_at is null and e.status = 'open'",
}


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('cases')) / 'c.db'}"
    upgrade_database(url)
    engine = make_engine(url)
    with Session(engine) as session:
        generate_clinic(session, 200, seed=7, today=TODAY)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("case", list(CASES))
def test_the_demo_makes_the_case(clinic: Engine, case: str) -> None:
    with clinic.connect() as connection:
        assert (connection.execute(text(CASES[case])).scalar() or 0) > 0, case


def test_every_representative_names_the_relationship_and_adults_sign_themselves(
    clinic: Engine,
) -> None:
    with clinic.connect() as connection:
        adults_by_others = connection.execute(
            text(
                "select count(*) from consents c join patients p on p.id = c.patient_id"
                " where p.birth_date <= '2008-11-23' and c.representative_relationship"
                " is not null"
            )
        ).scalar()
    assert adults_by_others == 0
