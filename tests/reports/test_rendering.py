"""Report documents are rendered off the request (pos/reports/rendering.py): a report
under way holds no read transaction and no worker that sales need, and one too many
at once is told to come back (503 with Retry-After)."""

from __future__ import annotations

import os
import sqlite3
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests import factories
from tests.conftest import sqlite_only
from tests.servers import bearer, call, served

WAIT_SECONDS = 60


@sqlite_only
def test_while_a_report_renders_no_read_transaction_keeps_sqlite_from_emptying_its_wal(
    app, client, db
):
    event = factories.make_event()
    factories.make_exhibitor(event)
    organizer = factories.make_user("organizer")
    headers = factories.auth_headers(client, organizer)
    path = db.engine.url.database
    seen = []

    def under_way(renderer: str) -> None:
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("UPDATE event SET name = name")  # the log has frames to copy
            busy, _, _ = other.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            seen.append((renderer, busy, Path(f"{path}-wal").stat().st_size))
        finally:
            other.close()

    app.config["REPORT_RENDER_HOOK"] = under_way
    pdf = client.get(f"/api/v1/reports/event.pdf?event_id={event.id}", headers=headers)
    xlsx = client.get(f"/api/v1/reports/event.xlsx?event_id={event.id}", headers=headers)

    assert (pdf.status_code, pdf.data[:5]) == (200, b"%PDF-")
    assert (xlsx.status_code, xlsx.data[:2]) == (200, b"PK")
    # Not busy: no reader held a snapshot, so the whole log was copied and emptied.
    assert seen == [("render_event_figures", 0, 0), ("event_rows_xlsx", 0, 0)]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="threads' own priority: Linux")
def test_the_whole_events_exports_are_read_in_the_helper_not_in_the_workers_threads(
    app, client, db
):
    """A thread of the worker reading the whole event holds the interpreter lock that the
    sale threads need between their statements; the helper reads it instead, on both
    engines (pos/reports/rendering.py)."""
    import io

    import sqlalchemy as sa
    from openpyxl import load_workbook

    event = factories.make_event()
    booth = factories.Booth(event, "B12")
    factories.sell(client, booth, quantity=2)
    organizer = factories.make_user("organizer")
    headers = factories.auth_headers(client, organizer)
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        pdf = client.get(f"/api/v1/reports/event.pdf?event_id={event.id}", headers=headers)
        xlsx = client.get(f"/api/v1/reports/event.xlsx?event_id={event.id}", headers=headers)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)

    assert (pdf.status_code, pdf.data[:5]) == (200, b"%PDF-")
    sheet = load_workbook(io.BytesIO(xlsx.data)).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    row = dict(zip(header, [cell.value for cell in sheet[2]], strict=True))
    assert (row["booth"], row["net"], sheet.max_row) == ("B12", 200_000, 2)
    # The worker checked the organizer's rights, and read no figure of the event.
    assert statements and not [s for s in statements if "daily_rollup" in s]


GATE_CONFIG = """
import pathlib
import time

GATE = pathlib.Path({gate!r})


def REPORT_RENDER_HOOK(renderer):
    # Each report under way says so, then waits until the test opens the gate.
    (GATE / f"{{renderer}}-{{time.monotonic_ns()}}").touch()
    while not (GATE / "open").exists():
        time.sleep(0.02)
"""


def _get(base: str, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(base + path, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=WAIT_SECONDS) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _wait_for(gate: Path, count: int) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while len([p for p in gate.iterdir() if p.name != "open"]) < count:
        assert time.monotonic() < deadline, f"{count} reports never got under way"
        time.sleep(0.02)


@pytest.mark.slow
@pytest.mark.parametrize("server", ["gunicorn", "waitress"])
def test_a_sale_goes_through_while_reports_are_under_way_and_a_third_report_is_told_to_wait(
    tmp_path, server
):
    gate = tmp_path / "gate"
    gate.mkdir()
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(textwrap.dedent(GATE_CONFIG.format(gate=str(gate))))

    # One worker: a report that held it (a sync worker) would hold every sale behind it.
    with served(tmp_path, server=server, workers=1) as (base, _log):
        organizer = bearer(base, "organizer")
        cashier = bearer(base, "cashier-b12")
        _, catalogue = call(base, "GET", "/api/v1/products", headers=cashier)
        product = next(p for p in catalogue["items"] if p["sellable"] and p["stock"] >= 2)
        sale = {
            "exhibitor_id": product["exhibitor_id"],
            "items": [{"product_id": product["id"], "quantity": 1}],
            "payments": [{"method": "qris", "amount": product["price"], "reference": "QR1"}],
        }
        answers: dict[str, tuple[int, dict[str, str], bytes]] = {}

        def pull(name: str, path: str) -> None:
            answers[name] = _get(base, path, organizer)

        first = threading.Thread(target=pull, args=("pdf", "/api/v1/reports/event.pdf"))
        first.start()
        _wait_for(gate, 1)
        status, recorded = call(
            base, "POST", "/api/v1/sales", sale, cashier | {"Idempotency-Key": "during-1"}
        )
        assert status == 201, recorded

        second = threading.Thread(target=pull, args=("xlsx", "/api/v1/reports/event.xlsx"))
        second.start()
        _wait_for(gate, 2)
        status, headers, body = _get(base, "/api/v1/reports/event.pdf", organizer)
        assert (status, headers["Retry-After"]) == (503, "2")
        assert b'"error":"busy"' in body.replace(b" ", b"")
        status, recorded = call(
            base, "POST", "/api/v1/sales", sale, cashier | {"Idempotency-Key": "during-2"}
        )
        assert status == 201, recorded

        (gate / "open").touch()
        first.join(WAIT_SECONDS)
        second.join(WAIT_SECONDS)
    assert (answers["pdf"][0], answers["pdf"][2][:5]) == (200, b"%PDF-")
    assert (answers["xlsx"][0], answers["xlsx"][2][:2]) == (200, b"PK")


def test_a_report_still_comes_out_after_its_renderer_process_died(app, client):
    import os
    import signal

    from pos.reports import rendering

    event = factories.make_event()
    factories.make_exhibitor(event)
    headers = factories.auth_headers(client, factories.make_user("organizer"))
    url = f"/api/v1/reports/event.pdf?event_id={event.id}"
    assert client.get(url, headers=headers).status_code == 200
    helper = rendering._helpers[os.getpid()]
    [pid] = list(helper._processes)
    os.kill(pid, signal.SIGKILL)  # the helper this test's first report started
    helper._processes[pid].join(WAIT_SECONDS)

    again = client.get(url, headers=headers)

    assert (again.status_code, again.data[:5]) == (200, b"%PDF-")
    assert rendering._helpers[os.getpid()] is not helper


def _reader_priority() -> int:
    """Run by the helper as a report's reader: the reading thread's own priority."""
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def _renderer_priority(reader_priority: int) -> bytes:
    """Run by the helper as a report's renderer: both priorities, as the document."""
    rendering = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    return f"{reader_priority} {rendering}".encode()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="threads' own priority: Linux")
def test_the_helper_renders_at_the_lowest_priority_and_reads_sqlite_at_the_servers(app, db):
    """A reader of the lowest priority holding one of SQLite's locks kept every sale
    waiting (stalls of seconds): on SQLite the helper reads at the server's priority, and
    only the document, which holds no lock, waits for the CPU. PostgreSQL's locks are
    held by its own processes: there the helper reads at the lowest priority too."""
    from pos.reports import rendering

    server = os.getpriority(os.PRIO_PROCESS, 0)
    assert server < 19  # the test itself does not run at the lowest priority
    reads_at = server if db.engine.dialect.name == "sqlite" else 19

    with app.test_request_context():
        document = rendering.from_database(_reader_priority, (), _renderer_priority)
        alone = rendering.render(_renderer_priority, server)

    assert document == f"{reads_at} 19".encode()
    assert alone == f"{server} 19".encode()
