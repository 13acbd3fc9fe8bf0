"""What every command shares: the consoles, the migrated database, the user a command acts as,
and a refusal that exits with a message."""

from __future__ import annotations

import typer
from rich.console import Console

from sclero.core.db import Actor, Database, DatabaseNotMigrated, ensure_migrated
from sclero.core.settings import get_settings

console = Console()
err = Console(stderr=True)


def cli_actor(database: Database, username: str) -> Actor:
    """The staff user a command acts as (their role applies; the audit log names them)."""
    from sqlalchemy import select

    from sclero.core.auth import User

    with database.sessions() as session:
        user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None or not user.active:
        err.print(f"[red]There is no active user {username!r}.[/red]")
        raise typer.Exit(2)
    return user.as_actor("cli")


def refuse(message: str) -> None:
    """Print the refusal in red and exit with status 2."""
    err.print(f"[red]{message}[/red]")
    raise typer.Exit(2)


def open_database() -> Database:
    """The configured database, refused with a message when it is not migrated."""
    database = Database(get_settings().resolved_database_url)
    try:
        ensure_migrated(database.engine)
    except DatabaseNotMigrated as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    return database


def rebuild_report_summary(database: Database) -> float:
    """Rebuild the outcomes report's summary (bulk loads write past the ORM's bookkeeping that
    keeps it in step); the seconds it took."""
    import time

    from sclero.core.db import SYSTEM_ACTOR
    from sclero.reports import service

    started = time.perf_counter()
    with database.uow(SYSTEM_ACTOR, writes=True) as uow:
        service.rebuild_summary(uow)
    return time.perf_counter() - started


def build_report_summary_once(database: Database) -> None:
    """After a migration: build the outcomes report's summary if this database never had one."""
    from sclero.reports import summary

    with database.engine.connect() as connection:
        if summary.state(connection) is not None:
            return
    seconds = rebuild_report_summary(database)
    console.print(f"Built the outcomes report's summary in {seconds:.1f} s.")
