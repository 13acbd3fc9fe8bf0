"""The command line: migrate, create users, load the demo clinic, evaluate a case document."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from sclero.cli import app
from sclero.core.auth import User
from sclero.core.db import Database
from sclero.core.settings import get_settings
from sclero.follow_up.models import Photo
from sclero.patients.models import Patient

runner = CliRunner()
CASE = {
    "patient": {
        "age_years": 45,
        "sex": "female",
        "weight_kg": 70,
        "pregnant": False,
        "breastfeeding": False,
        "conditions": [],
        "medications": [],
        "allergies": [],
    },
    "findings": [{"id": "a", "side": "left", "region": "leg_lateral", "diameter_mm": 0.6}],
    "previous_sessions": [],
    "proposed_date": "2026-12-01",
}


@pytest.fixture
def database_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("SCLERO_DATABASE_URL", f"sqlite:///{path}")
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


def count(path: Path, model: type) -> int:
    database = Database(f"sqlite:///{path}")
    with database.sessions() as session:
        total = session.scalar(select(func.count()).select_from(model)) or 0
    database.dispose()
    return total


def test_commands_refuse_an_unmigrated_database(database_file: Path) -> None:
    result = runner.invoke(app, ["demo", "--patients", "2"])
    assert result.exit_code == 2
    assert "sclero db upgrade" in result.output


def test_upgrade_then_demo_loads_patients(database_file: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(app, ["demo", "--patients", "12"])
    assert result.exit_code == 0, result.output
    assert count(database_file, Patient) == 12
    assert count(database_file, User) == 4


def test_users_create_refuses_a_short_password(database_file: Path) -> None:
    runner.invoke(app, ["db", "upgrade"])
    bad = runner.invoke(app, ["users", "create", "jo", "--role", "nurse", "--password", "short"])
    assert bad.exit_code == 2 and "at least 10 characters" in bad.output
    good = runner.invoke(
        app,
        [
            "users",
            "create",
            "jo",
            "--role",
            "nurse",
            "--name",
            "Jo Nurse",
            "--password",
            "a-long-enough-password",
        ],
    )
    assert good.exit_code == 0, good.output
    assert count(database_file, User) == 1


def test_evaluate_reads_a_file_and_prints_the_result(tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps(CASE))
    result = runner.invoke(app, ["evaluate", str(case)])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["screening"]["decision"] == "eligible"
    assert document["plan"]["items"][0]["vein_type"] == "telangiectasia"
    assert document["protocol"]["id"] == "sclero-default"


def test_evaluate_reads_stdin_and_names_the_bad_field() -> None:
    bad = {**CASE, "patient": {**CASE["patient"], "weight_kg": 0}}
    result = runner.invoke(app, ["evaluate", "-"], input=json.dumps(bad))
    assert result.exit_code == 2
    error = json.loads(result.output)["errors"][0]
    assert error["field"] == "patient.weight_kg"


def test_evaluate_refuses_text_that_is_not_json(tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text("{not json")
    result = runner.invoke(app, ["evaluate", str(case)])
    assert result.exit_code == 2
    assert "Cannot read the case" in result.output


def test_photos_sweep_reports_a_photo_whose_file_is_missing(
    database_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCLERO_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["demo", "--patients", "2"]).exit_code == 0
    clean = runner.invoke(app, ["photos", "sweep", "--older-than", "0"])
    assert clean.exit_code == 0, clean.output
    assert "Every photo has its file and thumbnail" in clean.output
    database = Database(f"sqlite:///{database_file}")
    with database.sessions() as session:
        session.add(
            Photo(patient_id=1, side="left", region="leg_medial", taken_on=date(2026, 1, 5),
                  sha256="0" * 64, content_type="image/png", size_bytes=1)
        )  # fmt: skip
        session.commit()
    database.dispose()
    broken = runner.invoke(app, ["photos", "sweep"])
    assert broken.exit_code == 1
    assert "1 photo(s) have a missing file" in broken.output
