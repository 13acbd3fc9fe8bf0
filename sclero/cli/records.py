"""The operator's commands on the installation's records: check and archive the audit log, back
up and restore (each audited as the system).

Each command imports what it needs inside its own body (see the package's docstring)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from sclero.cli.common import build_report_summary_once, console, err, open_database
from sclero.core.db import SYSTEM_ACTOR, Database, upgrade_database
from sclero.core.settings import get_settings

audit_app = typer.Typer(help="The audit log.")


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit log's hash chain; name the first entry that was changed or removed."""
    from sclero.core.audit import verify_chain

    database = open_database()
    with database.engine.connect() as connection:
        checked, broken = verify_chain(connection)
    outcome = {"entries": checked, "broken_at": broken.entry_id if broken else None}
    _record_system_action(database, "verify", "audit_log", outcome)
    if broken is not None:
        err.print(
            f"[red]The audit log is broken at entry {broken.entry_id}: {broken.reason}.[/red] "
            f"{checked} entries before it are intact."
        )
        raise typer.Exit(1)
    console.print(f"[green]The audit log is intact:[/green] {checked} entries, chain unbroken.")


@audit_app.command("archive")
def audit_archive(
    before: Annotated[str, typer.Option(help="Archive entries older than this date (YYYY-MM-DD)")],
    output: Annotated[Path, typer.Option(help="The archive file to write (.ndjson.gz, new)")],
) -> None:
    """Move audit entries older than a date into a checked file (run as the schema's owner)."""
    from datetime import date, datetime

    from sclero.core.audit_archive import ArchiveRefused, archive_before

    try:
        cutoff = datetime.combine(date.fromisoformat(before), datetime.min.time())
    except ValueError:
        err.print(f"[red]--before must be a date like 2025-01-01, not {before!r}.[/red]")
        raise typer.Exit(2) from None
    database = open_database()
    try:
        with database.engine.begin() as connection:
            moved = archive_before(connection, cutoff, output, SYSTEM_ACTOR.username)
    except ArchiveRefused as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    _record_system_action(database, "archive", "audit_log", {"before": before, "entries": moved})
    console.print(f"[green]Archived {moved} audit entries[/green] older than {before} to {output}.")


def _record_system_action(
    database: Database, action: str, entity: str, detail: dict[str, Any]
) -> None:
    """One audit entry for what an operator did on the command line (backup, restore, archive,
    verify)."""
    from sclero.core import audit

    with database.uow(SYSTEM_ACTOR) as uow:
        audit.record(uow, action, entity, detail=detail)
        uow.commit()


def backup(
    archive: Annotated[Path, typer.Argument(help="The archive to write (a new file)")],
) -> None:
    """A consistent online backup (database, photos, secret key) in one checked archive."""
    from sclero.core.backup import BackupError, create_backup

    settings = get_settings()
    try:
        with console.status("Backing up…") as status:
            manifest = create_backup(settings, archive, lambda step: status.update(step + "…"))
    except BackupError as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    _record_system_action(open_database(), "backup", "installation", {"files": len(manifest.files)})
    console.print(
        f"[green]Backup written to {archive}[/green]: {manifest.database} database at migration "
        f"{manifest.revision}, {len(manifest.files)} files, checksums in the manifest."
    )


def restore(
    archive: Annotated[Path, typer.Argument(help="An archive written by `sclero backup`")],
) -> None:
    """Restore a backup into an empty installation (refuses to overwrite; checks every file)."""
    from sclero.core.backup import BackupError, restore_backup

    settings = get_settings()
    try:
        with console.status("Restoring…") as status:
            manifest = restore_backup(settings, archive, lambda step: status.update(step + "…"))
    except BackupError as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    upgrade_database(settings.resolved_database_url)  # a backup from an older release
    build_report_summary_once(open_database())
    detail = {"created_at": manifest.created_at}
    _record_system_action(open_database(), "restore", "installation", detail)
    console.print(f"[green]Restored the backup of {manifest.created_at}.[/green]")


photos_app = typer.Typer(help="Clinical photo files.")


@photos_app.command("sweep")
def photos_sweep(
    older_than: Annotated[
        int | None, typer.Option(min=0, help="Only files at least this many minutes old [15]")
    ] = None,
) -> None:
    """Remove photo files no photo names (a server killed mid-upload leaves its file), then check
    that every photo's files are there; exits 1 if one is missing. `sclero serve` sweeps files
    older than 15 minutes when it starts; 0 here is safe only while no server runs."""
    from sclero.follow_up.service import missing_photo_files, sweep_photo_files

    database = open_database()
    with database.uow(SYSTEM_ACTOR) as uow:
        if older_than is None:
            removed = sweep_photo_files(uow)
        else:
            removed = sweep_photo_files(uow, older_than * 60)
    with database.uow(SYSTEM_ACTOR) as uow:
        missing = missing_photo_files(uow)
    console.print(f"Removed {removed} photo file(s) that no photo names.")
    if missing:
        shown = ", ".join(str(photo_id) for photo_id in missing[:20])
        err.print(f"[red]{len(missing)} photo(s) have a missing file: {shown}.[/red]")
        raise typer.Exit(1)
    console.print("[green]Every photo has its file and thumbnail.[/green]")
