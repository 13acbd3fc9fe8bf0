"""`sclero export patient`: one patient's record as a FHIR Bundle, as a named clinician."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from typer.testing import CliRunner

from sclero.cli import app
from sclero.core.settings import get_settings

runner = CliRunner()


@pytest.fixture
def demo_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("SCLERO_DATABASE_URL", f"sqlite:///{path}")
    get_settings.cache_clear()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["demo", "--patients", "3"]).exit_code == 0
    yield path
    get_settings.cache_clear()


def test_export_patient_writes_a_valid_bundle(demo_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "p1.json"
    result = runner.invoke(
        app, ["export", "patient", "1", "--user", "physician", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    bundle = Bundle.model_validate(json.loads(out.read_text()))
    assert bundle.entry and bundle.entry[0].resource.get_resource_type() == "Patient"


def test_export_refuses_a_front_desk_user_and_an_unknown_one(demo_file: Path) -> None:
    refused = runner.invoke(app, ["export", "patient", "1", "--user", "frontdesk"])
    assert refused.exit_code == 2 and "may not" in refused.output
    unknown = runner.invoke(app, ["export", "patient", "1", "--user", "nobody"])
    assert unknown.exit_code == 2 and "no active user" in unknown.output


def test_import_reads_ndjson_and_lists_what_it_could_not_map(
    demo_file: Path, tmp_path: Path
) -> None:
    p1 = {"reference": "Patient/p1"}
    aspirin = {"coding": [{"system": "http://www.whocc.no/atc", "code": "B01AC06"}]}
    lines = [
        {"resourceType": "Patient", "id": "p1", "name": [{"family": "Nakamura", "given": ["Aiko"]}],
         "gender": "female", "birthDate": "1985-09-30"},
        {"resourceType": "MedicationStatement", "status": "active", "subject": p1,
         "medicationCodeableConcept": aspirin},
        {"resourceType": "Condition", "subject": p1,
         "code": {"coding": [{"system": "http://snomed.info/sct", "code": "73211009"}]}},
    ]  # fmt: skip
    file = tmp_path / "gp.ndjson"
    file.write_text("\n".join(json.dumps(line) for line in lines))
    result = runner.invoke(app, ["import", str(file), "--user", "nurse"])
    assert result.exit_code == 0, result.output
    assert (
        "snomed.info/sct|73211009" in result.output and "1 entry(ies) not mapped" in result.output
    )
    again = runner.invoke(app, ["import", str(file), "--user", "nurse"])
    assert again.exit_code == 2 and "match=confirm" in again.output
    bad = tmp_path / "bad.ndjson"
    bad.write_text('{"resourceType": "Patient"}\n{oops\n')
    refused = runner.invoke(app, ["import", str(bad), "--user", "nurse"])
    assert refused.exit_code == 2 and "Line 2" in refused.output
