"""The `pos` command group (also `flask --app pos ...`). Commands call the same
services as the views, and commit once at the end."""

from __future__ import annotations

import os
import sys

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
@with_appcontext
def check_command() -> None:
    """Check the books: every product's stock equals the sum of its stock ledger.

    Exits with status 1 and lists the differences when something disagrees.
    """
    from pos.inventory.service import stock_ledger_differences
    from pos.sales import rollups

    differences = stock_ledger_differences()
    for d in differences:
        click.echo(
            f"product {d['product_id']} ({d['sku']}, exhibitor {d['exhibitor_id']}): "
            f"stock {d['stock']}, ledger sums to {d['ledger']}, "
            f"last movement ends at {d['last_stock_after']}"
        )
    totals = rollups.differences()
    for line in totals:
        click.echo(f"report totals: {line}")
    if differences or totals:
        raise click.ClickException(
            f"{len(differences)} product(s) disagree with their ledger; "
            f"{len(totals)} report total(s) disagree with the sales."
        )
    click.echo("Stock ledger: every product's stock equals the sum of its movements.")
    click.echo("Report totals: every booth's daily totals agree with its sales and refunds.")


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
@with_appcontext
def serve_command(host: str, port: int, workers: int, server: str, tls: bool) -> None:
    """Serve the app with a production WSGI server."""
    from flask import current_app

    from pos import wsgi
    from pos.db import truncate_wal

    database = current_app.config["SQLALCHEMY_DATABASE_URI"]
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
    wsgi.serve(
        host=host,
        port=port,
        workers=workers,
        server=server,
        certificate=certificate,
        banner=banner,
        on_stop=lambda: truncate_wal(database),  # the workers have stopped: empty the WAL
    )


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
        rebuild_totals_command,
        serve_command,
    ):
        app.cli.add_command(command)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
