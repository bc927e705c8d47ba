"""The `pos` command group (also `flask --app pos ...`). Commands call the same
services as the views, and commit once at the end."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from pos.db import write_intent
from pos.errors import PosError
from pos.extensions import db


def _create_app() -> Flask:
    from pos import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def cli() -> None:
    """Pameran POS: point of sale for exhibitions and craft fairs."""


def main() -> None:
    """The `pos` console script. What it creates (the instance folder, the database and
    its journal files, kept documents, photos, the server's files) is its user's alone:
    umask 077, beside the explicit modes each of those gets anyway."""
    from pos.storage import private_umask

    private_umask()
    cli()


def _fail(exc: PosError) -> None:
    db.session.rollback()
    raise click.ClickException(exc.message)


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database schema (safe to run again)."""
    from pos.db import upgrade_schema
    from pos.sales import rollups

    upgrade_schema()
    with write_intent():
        # A database from before the report totals existed gets them filled once.
        count = rollups.rebuild() if rollups.missing() else None
        db.session.commit()  # ends the transaction (and its write lock) either way
    if count is not None:
        click.echo(f"Report totals computed from the sales already recorded ({count} rows).")
    click.echo(f"Database ready: {db.engine.url.render_as_string(hide_password=True)}")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Load the demo event, booths, products, accounts and sample sales (once)."""
    from pos import demo

    with write_intent():
        created = demo.seed_demo()
        db.session.commit()
    click.echo("Demo data loaded." if created else "Demo data already present; nothing changed.")


@click.command("create-event")
@click.argument("name")
@click.option("--timezone", "timezone", required=True, help="IANA timezone, e.g. Asia/Makassar")
@click.option("--currency", required=True, help="ISO 4217 code, e.g. IDR")
@click.option("--start", "starts_on", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--end", "ends_on", type=click.DateTime(["%Y-%m-%d"]), default=None)
@with_appcontext
def create_event_command(name, timezone, currency, starts_on, ends_on) -> None:
    """Create an event; it becomes the current one."""
    from pos.organizer import service

    try:
        with write_intent():
            event = service.create_event(
                None,
                name=name,
                timezone=timezone,
                currency=currency,
                starts_on=starts_on.date() if starts_on else None,
                ends_on=ends_on.date() if ends_on else None,
            )
            db.session.commit()
    except PosError as exc:
        _fail(exc)
    click.echo(f"Event {event.id} created and made current: {event.name}")


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(["organizer", "manager", "cashier"]), required=True)
@click.option("--exhibitor", "booth", default=None, help="Booth code at the current event")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "display_name", default="", help="Name shown on receipts")
@click.option("--locale", type=click.Choice(["id", "en"]), default="id")
@with_appcontext
def create_user_command(username, role, booth, password, display_name, locale) -> None:
    """Create an account (managers and cashiers belong to a booth of the current event)."""
    from pos.auth import service
    from pos.organizer.service import current_event, exhibitor_by_booth

    exhibitor = None
    if booth:
        event = current_event()
        exhibitor = exhibitor_by_booth(event, booth) if event else None
        if exhibitor is None:
            raise click.ClickException(f"No booth {booth!r} at the current event.")
    try:
        with write_intent():
            user = service.create_user(
                None,
                username=username,
                role=role,
                password=password,
                exhibitor=exhibitor,
                display_name=display_name,
                locale=locale,
            )
            db.session.commit()
    except PosError as exc:
        _fail(exc)
    where = f" at booth {exhibitor.booth}" if exhibitor else ""
    click.echo(f"User {user.username} ({user.role}){where} created.")


@click.command("check")
@click.option(
    "--quick",
    is_flag=True,
    help="SQLite: PRAGMA quick_check instead of integrity_check (skips index contents); "
    "PostgreSQL: amcheck without heapallindexed",
)
@with_appcontext
def check_command(quick: bool) -> None:
    """Check the database: the engine's own integrity check first (SQLite: PRAGMA
    integrity_check and foreign_key_check; PostgreSQL: amcheck, else a full read of
    every table), then the books: every product's stock equals the sum of its stock
    ledger, and the report totals agree with the sales.

    Exits with status 1 and lists the problems when something is wrong.
    """
    from pos import integrity

    report = integrity.run_checks(quick=quick)
    for line in report.problem_lines():
        click.echo(line)
    if not report.ok:
        raise click.ClickException(report.summary())
    for line in report.ok_lines():
        click.echo(line)


@click.command("backup")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path),
    help="Folder for a timestamped backup when PATH is not given [default: instance/backups]",
)
@click.option("--keep", type=click.IntRange(1), help="Then keep only the newest N in that folder")
@click.option("--quick", is_flag=True, help="Check the copy with pos check --quick")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON line")
@click.option("--low-priority", is_flag=True, hidden=True)
@with_appcontext
def backup_command(
    path: Path | None,
    directory: Path | None,
    keep: int | None,
    quick: bool,
    as_json: bool,
    low_priority: bool,
) -> None:
    """Write a consistent, checked copy of the database, also while the app serves.

    SQLite: a database file (the online backup API, every page in one step); PostgreSQL:
    a pg_dump archive (custom format). The copy is written under a temporary name, mode
    0600, checked with pos check (a dump in a scratch database), and only then given
    its name. Without PATH: pos-<UTC time>.sqlite3 (or .pgdump) in --dir.
    """
    from pos import backup

    if low_priority:
        backup.lower_priority()
        backup.exit_cleanly_on_sigterm()
    try:
        result = backup.take_backup(path, directory=directory, keep=keep, quick=quick)
    except backup.BackupFailed as exc:
        if as_json:
            click.echo(backup.result_json(error=exc.message))
        raise click.ClickException(exc.message) from None
    if as_json:
        click.echo(backup.result_json(result))
        return
    click.echo(f"Backup written and checked: {result.path} ({result.size:,} bytes)")
    click.echo(f"  copied in {result.copy_seconds:.1f} s, checked in {result.check_seconds:.1f} s")
    click.echo(f"  check: {result.check}")
    if result.files:
        click.echo(f"  {result.files}")
    for removed in result.pruned:
        click.echo(f"  removed an older backup: {removed}")


@click.command("restore")
@click.argument("path", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="Replace a database that holds sales")
@click.option("--quick", is_flag=True, help="Check with pos check --quick")
@with_appcontext
def restore_command(path: Path, force: bool, quick: bool) -> None:
    """Put a copy made by pos backup back as the database (POS_DATABASE_URL).

    The copy is checked first; a database that holds sales is not replaced without
    --force; the restored database is checked again. Stop pos serve first.
    """
    from pos import backup

    try:
        result = backup.restore_backup(path, force=force, quick=quick)
    except backup.BackupFailed as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Restored {result.source} into {result.database} in {result.seconds:.1f} s.")
    if result.replaced_sales:
        click.echo(f"  replaced a database that held {result.replaced_sales} sale(s) (--force)")
    click.echo(f"  the copy, before: {result.check_before}")
    click.echo(f"  the database, after: pos check: {result.check_after}")
    click.echo(f"  files: {result.files}")


@click.command("rebuild-totals")
@with_appcontext
def rebuild_totals_command() -> None:
    """Recompute the report totals (daily rollups) from the sales and refunds."""
    from pos.sales import rollups

    with write_intent():
        count = rollups.rebuild()
        db.session.commit()
    click.echo(f"Report totals rebuilt: {count} rows.")


@click.command("serve")
@click.option(
    "--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="127.0.0.1"
)
@click.option(
    "--port", default=lambda: int(os.environ.get("PORT", "5000")), type=int, show_default="5000"
)
@click.option("--workers", default=2, type=click.IntRange(1, 64), show_default=True)
@click.option(
    "--server",
    type=click.Choice(["auto", "gunicorn", "waitress"]),
    default="auto",
    help="auto: gunicorn where it runs (Linux, macOS), waitress elsewhere (Windows)",
)
@click.option(
    "--tls",
    is_flag=True,
    help="HTTPS: with POS_TLS_CERT/POS_TLS_KEY if set, else with a certificate from the "
    "app's own certificate authority (made once in the instance folder)",
)
@click.option(
    "--backup-every",
    "backup_every",
    default=None,
    metavar="INTERVAL",
    help="Back up the database while serving: at start, then every INTERVAL (10m, 1h, 90s)",
)
@click.option(
    "--backup-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where the backups go (a second disk or USB stick) [default: instance/backups]",
)
@click.option(
    "--keep",
    type=click.IntRange(1),
    default=None,
    help="How many of the newest backups to keep in --backup-dir [default: 24]",
)
@click.option(
    "--backup-quick",
    is_flag=True,
    help="Check each backup with pos check --quick (PRAGMA quick_check: about a quarter "
    "of the time, without comparing indexes with their tables)",
)
@with_appcontext
def serve_command(
    host: str,
    port: int,
    workers: int,
    server: str,
    tls: bool,
    backup_every: str | None,
    backup_dir: Path | None,
    keep: int | None,
    backup_quick: bool,
) -> None:
    """Serve the app with a production WSGI server."""
    from flask import current_app

    from pos import wsgi
    from pos.db import truncate_wal

    database = current_app.config["SQLALCHEMY_DATABASE_URI"]
    schedule = _backup_schedule(backup_every, backup_dir, keep, backup_quick)

    if tls and wsgi.chosen_server(server) == "waitress":
        raise click.UsageError(
            "waitress cannot serve HTTPS. Use --server gunicorn (Linux, macOS), or serve "
            "plain HTTP behind a proxy that terminates TLS."
        )
    certificate = None
    banner_options: dict = {"scheme": "https" if tls else "http"}
    if tls:
        from pos.tls import service as tls_service

        try:
            files = tls_service.server_files(current_app)
        except PosError as exc:
            raise click.ClickException(exc.message) from None
        certificate = (str(files.cert), str(files.key))
        if files.own_ca:
            ca = tls_service.ca_certificate(current_app)
            banner_options |= {"setup": True, "fingerprint": tls_service.fingerprint(ca)}
        else:
            banner_options["domains"] = tls_service.certificate_domains(files.cert)
    banner = wsgi.banner(host=host, port=port, demo_accounts=_demo_accounts(), **banner_options)

    def stopped() -> None:
        # The workers have stopped: stop a backup still reading the database (it would
        # hold the WAL), then empty the WAL.
        if schedule:
            schedule.stop()
        truncate_wal(database)

    if schedule:
        schedule.start()
    wsgi.serve(
        host=host,
        port=port,
        workers=workers,
        server=server,
        certificate=certificate,
        banner=banner,
        on_stop=stopped,
    )


def _backup_schedule(every: str | None, directory: Path | None, keep: int | None, quick: bool):
    """The backup schedule of `pos serve`, or None; refuses options that make no sense."""
    from flask import current_app

    from pos import backup

    if every is None:
        if directory is not None or keep is not None or quick:
            raise click.UsageError(
                "--backup-dir, --keep and --backup-quick go with --backup-every."
            )
        return None
    try:
        seconds = backup.parse_interval(every)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--backup-every") from None
    directory = (directory or backup.default_directory(current_app)).absolute()
    return backup.BackupSchedule(seconds, directory, keep or backup.DEFAULT_KEEP, quick)


def _demo_accounts() -> list[str]:
    """The demo accounts in the database, read before the server forks its workers; the
    connection is closed again, so no worker inherits it."""
    from sqlalchemy.exc import SQLAlchemyError

    from pos import demo

    try:
        return demo.demo_accounts()
    except SQLAlchemyError:  # no schema yet: `pos init-db` has not run
        return []
    finally:
        db.session.remove()
        db.engine.dispose()


def register_cli(app: Flask) -> None:
    for command in (
        init_db_command,
        seed_demo_command,
        create_event_command,
        create_user_command,
        check_command,
        backup_command,
        restore_command,
        rebuild_totals_command,
        serve_command,
    ):
        app.cli.add_command(command)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
