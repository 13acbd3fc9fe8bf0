"""Sclero's command line: serve, migrate, users, demo clinic, evaluate a case, reports.

Each command imports what it needs inside its own body, so that a quick command (`evaluate`)
does not pay for loading the web app, the demo generator or the database layer."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from sclero.cli import exchange, records
from sclero.cli.common import (
    build_report_summary_once,
    cli_actor,
    console,
    err,
    open_database,
    rebuild_report_summary,
    refuse,
)
from sclero.core.db import (
    SYSTEM_ACTOR,
    Actor,
    Database,
    analyze,
    upgrade_database,
)
from sclero.core.settings import get_settings

app = typer.Typer(
    help="Sclero — clinical software for sclerotherapy clinics.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.")
users_app = typer.Typer(help="Staff users.")
report_app = typer.Typer(help="Reports on the clinic's work.")
app.add_typer(db_app, name="db")
app.add_typer(report_app, name="report")
app.add_typer(users_app, name="users")
app.add_typer(records.audit_app, name="audit")
app.add_typer(exchange.export_app, name="export")
app.add_typer(records.photos_app, name="photos")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration to the configured database, then refresh the planner's statistics."""
    url = get_settings().resolved_database_url
    upgrade_database(url)
    build_report_summary_once(open_database())
    analyze(url)
    console.print("[green]Database is up to date.[/green]")


@users_app.command("create")
def users_create(
    username: str,
    role: Annotated[str, typer.Option(help="physician, nurse, front_desk, admin or clinic_lead")],
    full_name: Annotated[str, typer.Option("--name")] = "",
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
) -> None:
    """Add a staff user."""
    from sclero.core import auth
    from sclero.core.accounts import check_password_policy
    from sclero.core.errors import DomainError

    database = open_database()
    try:
        check_password_policy(password, username)
        with database.uow(SYSTEM_ACTOR) as uow:
            user = auth.create_user(
                uow,
                username=username,
                full_name=full_name or username,
                role=role,
                password=password,
            )
            uow.commit()
    except DomainError as error:
        err.print(f"[red]{error.message}[/red]")
        raise typer.Exit(2) from None
    console.print(f"Created {user.username} ({user.role}).")


@app.command()
def demo(
    patients: Annotated[int, typer.Option(min=1, max=200_000, help="How many patients")] = 300,
    sessions: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=5_000_000,
            help="About how many treatment sessions in all (within 5 % from 1 000 patients on; "
            "about 5.8 injections each): "
            "patients come back for further courses over a longer history. Without it, "
            "about 1.4 per patient.",
        ),
    ] = None,
    seed: int = 7,
) -> None:
    """Load a realistic synthetic clinic (with a progress bar), e.g. for the analytics
    benchmark: sclero demo --patients 100000 --sessions 1000000."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from sclero.demo.generator import ensure_demo_users, generate_clinic

    database = open_database()
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("Generating patients", total=patients)
        with database.sessions() as session:
            ensure_demo_users(session)
            session.commit()
            summary = generate_clinic(
                session,
                patients,
                seed=seed,
                progress=lambda done: progress.update(task, completed=done),
                sessions=sessions,
            )
    seconds = rebuild_report_summary(database)
    analyze(database.url)
    console.print(summary)
    console.print(f"Rebuilt the outcomes report's summary in {seconds:.1f} s.")


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    demo_patients: Annotated[int, typer.Option(help="Demo patients to load on first start")] = 300,
    no_demo: bool = False,
    export_worker: Annotated[
        bool, typer.Option(help="Run FHIR bulk exports in a background thread of this server")
    ] = True,
    workers: Annotated[
        int,
        typer.Option(min=0, max=64, help="Worker processes (0: one per core of this machine)"),
    ] = 0,
) -> None:
    """Start the app: migrate the database, load the demo clinic on first start, serve with
    one worker process per core (or --workers N)."""
    database = _prepare_to_serve(demo_patients=None if no_demo else demo_patients)
    console.print(f"Sclero on [bold]http://{host}:{port}/[/bold]  (API docs: /docs)")
    if _has_demo_logins(database):
        from sclero.demo.staff import DEMO_PASSWORD

        console.print(
            "Demo logins: physician, nurse, frontdesk, admin — password "
            f"[bold]{DEMO_PASSWORD}[/bold] (demo data only)"
        )
    processes = workers or os.cpu_count() or 1
    if processes > 1:
        _serve_workers(host, port, processes, export_worker=export_worker)
    else:
        _serve_one(database, host, port, export_worker=export_worker)


def _prepare_to_serve(demo_patients: int | None) -> Database:
    """Migrate, sweep what a server killed mid-upload left (photo files no row names, once 15
    minutes old), load the demo clinic on first start, build the report summary if never built."""
    from sclero.follow_up.service import sweep_photo_files

    upgrade_database(get_settings().resolved_database_url)
    database = open_database()
    with database.uow(SYSTEM_ACTOR) as uow:
        sweep_photo_files(uow)
    if demo_patients is not None:
        _first_start_demo(database, demo_patients)
    build_report_summary_once(database)
    return database


def _serve_one(database: Database, host: str, port: int, *, export_worker: bool) -> None:
    """One process: the app object served directly (an export thread beside it if asked)."""
    import uvicorn

    from sclero.app import create_app
    from sclero.core.collector import watch_pauses
    from sclero.exchange.worker import reader_for, start_thread

    application = create_app(get_settings(), database)
    if export_worker:
        start_thread(database, reader_for(database))
    freeze_startup_objects()
    watch_pauses(get_settings().gc_pause_warn_ms)
    # Sclero reads X-Forwarded-For itself, and only from SCLERO_TRUSTED_PROXIES (web/deps.py).
    uvicorn.run(
        application,
        host=host,
        port=port,
        http=NODELAY_HTTP,
        loop=EVENT_LOOP,
        log_level="warning",
        proxy_headers=False,
    )


NODELAY_HTTP = "sclero.web.transport:NoDelayHttpToolsProtocol"
"""uvicorn's httptools protocol (its C parser) with TCP_NODELAY on (sclero/web/transport.py says
why); by import path, so the workers import it themselves and the command line does not load
uvicorn to name it."""

EVENT_LOOP = "uvloop"
"""libuv's event loop. With httptools, the API patient read served 15-60 % more requests per
second than on asyncio's own loop and h11 (2 workers, PostgreSQL, 1-50 clients)."""


def _serve_workers(host: str, port: int, processes: int, *, export_worker: bool) -> None:
    """uvicorn's process manager: N workers on one socket, restarted if one dies. The secret key
    is settled here, before the workers start, so that all of them sign with the same one."""
    import uvicorn

    from sclero.app import EXPORT_THREAD_VARIABLE

    get_settings().resolved_secret_key()
    os.environ[EXPORT_THREAD_VARIABLE] = "1" if export_worker else "0"
    console.print(f"{processes} worker processes")
    uvicorn.run(
        "sclero.app:worker_app",
        factory=True,
        workers=processes,
        host=host,
        port=port,
        http=NODELAY_HTTP,
        loop=EVENT_LOOP,
        log_level="warning",
        proxy_headers=False,
    )


@app.command()
def worker(
    validate: Annotated[
        bool,
        typer.Option(
            "--validate",
            help="Validate every exported resource with fhir.resources R4B and write it as "
            "that model writes it (several times slower; an invalid resource fails the job).",
        ),
    ] = False,
) -> None:
    """Run FHIR bulk exports ($export) queued in the database until stopped (Ctrl-C). Several
    workers may run at once; a job whose worker died is taken up again after a minute."""
    import signal
    import threading

    from sclero.exchange.worker import reader_for, run_forever

    database = open_database()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    console.print("Export worker running (Ctrl-C stops it).")
    try:
        run_forever(database, stop, reader_for(database), validated=validate)
    except KeyboardInterrupt:
        stop.set()


def _has_demo_logins(database: Database) -> bool:
    """True only when the demo physician still has the published demo password."""
    from sqlalchemy import select

    from sclero.core.auth import User, password_matches
    from sclero.demo.staff import DEMO_PASSWORD

    with database.sessions() as session:
        user = session.scalar(select(User).where(User.username == "physician"))
        return user is not None and password_matches(user, DEMO_PASSWORD)


def freeze_startup_objects() -> None:
    """Move what start-up created (app, templates, protocol) out of the garbage collector's
    reach, so its collections only walk what requests allocate. The collector's thresholds stay
    the defaults: raising them once hid per-page garbage until a single multi-second collection
    froze the server; pages are kept small instead (benchmarks/bench_pages.py prints the longest
    collector pause)."""
    import gc

    gc.collect()
    gc.freeze()


def _first_start_demo(database: Database, patients: int) -> None:
    """Load the demo clinic, with its published demo logins, only into a brand-new database:
    one that has any user already is a clinic's own and is never touched."""
    from sqlalchemy import func, select

    from sclero.core.auth import User
    from sclero.demo.generator import ensure_demo_users, generate_clinic

    with database.sessions() as session:
        if session.scalar(select(func.count()).select_from(User)):
            return
        console.print(f"First start: loading a demo clinic of {patients} patients…")
        ensure_demo_users(session)
        session.commit()
        generate_clinic(session, patients)
    rebuild_report_summary(database)
    analyze(database.url)


@app.command()
def evaluate(
    case: Annotated[
        str, typer.Argument(help="Case JSON file (an object, an array or NDJSON), or - for stdin")
    ],
) -> None:
    """Evaluate case documents with the protocol in force and print each result as JSON.

    One object prints its result document; an array or NDJSON prints one result per line. A bad
    input prints a one-line {"errors": [...]} and exits with code 2."""
    from sclero.evaluate_cli import main as run_evaluate  # the engine only (no database)

    code = run_evaluate([case])
    if code:
        raise typer.Exit(code)


CLI_READER = Actor(user_id=None, username="command-line", role="physician", address="local")
"""Who reads a report from the command line: the machine's operator, who can read the database
anyway; the audit log names them "command-line"."""


@report_app.command("outcomes")
def report_outcomes(
    date_from: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD")] = None,
    output_format: Annotated[str, typer.Option("--format", help="json, csv or pdf")] = "json",
    output: Annotated[
        str | None, typer.Option(help="File to write (required for pdf; default: standard output)")
    ] = None,
    table: Annotated[str | None, typer.Option(help="CSV: only this table, as wide columns")] = None,
    user: Annotated[
        str | None, typer.Option("--user", help="Read as this physician (default: the operator)")
    ] = None,
) -> None:
    """The clinic outcomes report (default: the last twelve months). Shares are fractions
    between 0 and 1 in keys and columns named `…_share`."""

    from rich.progress import BarColumn, MofNCompleteColumn, Progress

    from sclero.core.errors import DomainError
    from sclero.reports import export, service
    from sclero.reports.filters import parse_filters
    from sclero.reports.queries import AGGREGATES

    if output_format not in export.FORMATS:
        refuse(f"Unknown format {output_format!r}; choose json, csv or pdf.")
    if output_format == "pdf" and not output:
        refuse("A PDF needs a file: add --output report.pdf.")
    database = open_database()
    reader = cli_actor(database, user) if user else CLI_READER
    with Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(), console=err
    ) as progress:
        task = progress.add_task("Aggregating", total=len(AGGREGATES))
        try:
            with database.uow(reader) as uow:
                filters = parse_filters({"date_from": date_from, "date_to": date_to}, uow.today())
                report = service.outcomes_report(
                    uow, filters, progress=lambda _name: progress.advance(task)
                )
                content = export.render(report, output_format, uow.settings, uow.today(), table)
        except DomainError as error:
            refuse(error.message)
    if output:
        Path(output).write_bytes(content)
        err.print(f"Wrote {output}.")
    else:
        typer.echo(content.decode("utf-8"), nl=False)


@report_app.command("rebuild")
def report_rebuild() -> None:
    """Derive the outcomes report's summary tables again from the clinic's records: after a
    bulk load or an upgrade (every change made through Sclero keeps them in step itself)."""
    seconds = rebuild_report_summary(open_database())
    console.print(f"Rebuilt the outcomes report's summary in {seconds:.1f} s.")


# The operator's and the exchange's commands, listed after the daily ones in `--help`.
app.command()(records.backup)
app.command()(records.restore)
app.command("import")(exchange.import_file)
