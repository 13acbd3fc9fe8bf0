"""FHIR R4 on the command line: export one patient's record, import a Bundle or NDJSON.

Each command imports what it needs inside its own body (see the package's docstring)."""

from __future__ import annotations

from typing import Annotated

import typer

from sclero.cli.common import cli_actor, err, open_database

export_app = typer.Typer(help="FHIR R4 export of patient records.")


@export_app.command("patient")
def export_patient(
    patient_id: int,
    user: Annotated[str, typer.Option("--user", help="The clinician exporting (audited)")],
    out: Annotated[str, typer.Option("--out", help="File to write, or - for stdout")] = "-",
    base_url: Annotated[str, typer.Option(help="Base URL in the Bundle's links")] = (
        "http://127.0.0.1:8000"
    ),
) -> None:
    """Write one patient's whole record as a FHIR Bundle (Patient/$everything)."""
    import json
    from pathlib import Path

    from sclero.core.errors import DomainError
    from sclero.exchange.everything import everything
    from sclero.exchange.sources import Context

    database = open_database()
    try:
        with database.uow(cli_actor(database, user)) as uow:
            bundle = everything(uow, patient_id, Context(base_url=base_url))
    except DomainError as error:
        err.print(f"[red]{error.message}[/red]")
        raise typer.Exit(2) from None
    text = json.dumps(bundle, ensure_ascii=False, indent=1)
    if out == "-":
        print(text)
    else:
        Path(out).write_text(text, encoding="utf-8")
        err.print(f"Wrote {bundle['total']} resources to {out}.")


def import_file(
    file: Annotated[str, typer.Argument(help="A FHIR Bundle (JSON) or NDJSON of resources")],
    user: Annotated[str, typer.Option("--user", help="The clinician importing (audited)")],
    match: Annotated[
        str, typer.Option(help="ask: refuse a name + birth date match; confirm: take it; new")
    ] = "ask",
) -> None:
    """Import Patient, Condition, AllergyIntolerance and MedicationStatement: all or nothing;
    prints the transaction-response Bundle (every unmapped code listed) as JSON."""
    import json
    from pathlib import Path

    from sclero.core.errors import DomainError
    from sclero.exchange.bundle_entries import MAX_FILE_BYTES, parse_json, parse_ndjson
    from sclero.exchange.importing import import_bundle, response_bundle
    from sclero.exchange.outcome import FhirRefused, outcome

    if match not in ("ask", "confirm", "new"):
        err.print("[red]--match is ask, confirm or new.[/red]")
        raise typer.Exit(2)
    path = Path(file)
    if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
        err.print(f"[red]{file} is not a file of at most {MAX_FILE_BYTES} bytes.[/red]")
        raise typer.Exit(2)
    database = open_database()
    try:
        raw = path.read_bytes()
        document = (
            parse_ndjson(raw.decode("utf-8", "replace"))
            if path.suffix == ".ndjson"
            else parse_json(raw)
        )
        with database.uow(cli_actor(database, user)) as uow:
            result = import_bundle(uow, document, match=match)
    except FhirRefused as refused:
        print(json.dumps(outcome(refused.issues), indent=1))
        raise typer.Exit(2) from None
    except DomainError as error:
        err.print(f"[red]{error.message}[/red]")
        raise typer.Exit(2) from None
    print(json.dumps(response_bundle(result, document), indent=1))
    err.print(
        f"Imported: {result.counts['created']} created, {len(set(result.patients.values()))} "
        f"patient(s), {result.counts['unmapped']} entry(ies) not mapped (listed above)."
    )
