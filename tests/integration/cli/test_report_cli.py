"""`sclero report outcomes`: the known clinic's figures as JSON, CSV and PDF, with shares as
fractions in keys named `…_share`; bad input is one line and exit code 2."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from sclero.cli import app
from sclero.core import auth
from sclero.core.audit import AuditEntry
from sclero.core.db import SYSTEM_ACTOR, Database, upgrade_database
from sclero.core.settings import get_settings
from tests.conftest import PASSWORD
from tests.factories.reports import TODAY, build_known_clinic

runner = CliRunner()
RANGE = ["--from", "2025-01-01", "--to", str(TODAY)]


@pytest.fixture
def clinic_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "report.db"
    url = f"sqlite:///{path}"
    monkeypatch.setenv("SCLERO_DATABASE_URL", url)
    get_settings.cache_clear()
    upgrade_database(url)
    database = Database(url)
    with database.uow(SYSTEM_ACTOR) as uow:
        ids = [
            auth.create_user(uow, username=u, full_name=u, role=u, password=PASSWORD).id
            for u in ("physician", "nurse")
        ]
        uow.commit()
    with database.engine.begin() as connection:
        build_known_clinic(connection, *ids)
    database.dispose()
    yield path
    get_settings.cache_clear()


def test_json_to_standard_output_with_shares_as_fractions(clinic_file: Path) -> None:
    result = runner.invoke(app, ["report", "outcomes", *RANGE])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    headline = document["headline"]
    assert headline["success_share"] == 2 / 3
    assert (headline["sessions"], headline["treated_regions"]) == (5, 5)
    assert 0 < headline["success_ci_low_share"] < headline["success_ci_high_share"] < 1
    assert document["filters"]["date_to"] == str(TODAY)
    shares = [k for t in document["tables"].values() for c in t["columns"] for k in [c["key"]]]
    assert "success_share" in shares and "per_session_share" in shares
    database = Database(f"sqlite:///{clinic_file}")
    with database.sessions() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.entity == "report")).one()
    database.dispose()
    assert entry.username == "command-line"


def test_csv_of_every_table_long_or_one_table_wide(clinic_file: Path) -> None:
    long = runner.invoke(app, ["report", "outcomes", *RANGE, "--format", "csv"])
    assert long.exit_code == 0, long.output
    rows = list(csv.reader(io.StringIO(long.stdout)))
    assert rows[0] == ["table", "row", "column", "value"]
    assert ["headline", "0", "success_share", "0.666667"] in rows
    wide = runner.invoke(
        app, ["report", "outcomes", *RANGE, "--format", "csv", "--table", "sessions_per_patient"]
    )
    assert wide.stdout == "sessions,patients,patients_share\n1,3,0.75\n2,1,0.25\n"


def test_pdf_goes_to_the_output_file(clinic_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "outcomes.pdf"
    result = runner.invoke(
        app, ["report", "outcomes", *RANGE, "--format", "pdf", "--output", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--from", "1 May"], "is not a date"),
        (["--format", "xml"], "Unknown format"),
        (["--format", "pdf"], "A PDF needs a file"),
        (["--format", "csv", "--table", "nothing"], "no table"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(
    clinic_file: Path, arguments: list[str], message: str
) -> None:
    result = runner.invoke(app, ["report", "outcomes", *arguments])
    assert result.exit_code == 2
    assert message in result.output


def test_rebuild_builds_the_summary_the_report_then_reads(clinic_file: Path) -> None:
    before = json.loads(runner.invoke(app, ["report", "outcomes", *RANGE]).stdout)
    assert before["computed_from"] == "live"  # a Core bulk load: not yet summarised
    result = runner.invoke(app, ["report", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "Rebuilt the outcomes report's summary" in result.stdout
    after = json.loads(runner.invoke(app, ["report", "outcomes", *RANGE]).stdout)
    assert after["computed_from"] == "summary" and after["summary_rebuilt_at"]
    for document in (before, after):
        document.pop("computed_from"), document.pop("summary_rebuilt_at")
    assert after == before
    database = Database(f"sqlite:///{clinic_file}")
    with database.sessions() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "rebuild")).one()
    database.dispose()
    assert (entry.username, entry.entity) == ("system", "report")
