"""The print queue against a fake network printer on 127.0.0.1: a job arrives as the
receipt's ESC/POS bytes; a printer that refuses connections or is out of paper is
retried with a clear state until it comes back, and then prints the job once, also
with several senders competing for the same jobs."""

import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from pos.db import utcnow
from pos.printing import sender
from pos.printing.models import PRINTING, Printer, PrintJob
from tests import factories
from tests.factories import auth_headers, sell
from tests.printing.escpos_decode import decode
from tests.printing.fake_printer import FakePrinter, free_port


@pytest.fixture
def app_config(app_config):
    return app_config | {
        "PRINTER_ALLOW_LOOPBACK": True,
        "PRINT_CONNECT_TIMEOUT": 2.0,
        "PRINT_STATUS_TIMEOUT": 2.0,
        "PRINT_RETRY_BASE_SECONDS": 0.05,
        "PRINT_RETRY_MAX_SECONDS": 0.2,
    }


@pytest.fixture
def booth(db):
    event = factories.make_event(receipt_footer="Terima kasih!")
    return factories.Booth(event, "B12", receipt_language="en")


def add_printer(client, booth, port: int, **fields) -> dict:
    body = {"exhibitor_id": booth.exhibitor.id, "name": "Front", "host": "127.0.0.1", "port": port}
    answer = client.post(
        "/api/v1/printers", json=body | fields, headers=auth_headers(client, booth.manager)
    )
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def print_sale(client, booth, printer_id: int, sale: dict | None = None) -> dict:
    sale = sale or sell(client, booth)
    answer = client.post(
        f"/api/v1/sales/{sale['id']}/print",
        json={"printer_id": printer_id},
        headers=auth_headers(client, booth.cashier),
    )
    assert answer.status_code == 202
    return answer.get_json() | {"sale": sale}


def job_state(client, booth, job_id: int) -> dict:
    return client.get(
        f"/api/v1/print-jobs/{job_id}", headers=auth_headers(client, booth.cashier)
    ).get_json()


def printer_state(client, booth) -> dict:
    (printer,) = client.get(
        f"/api/v1/printers?exhibitor_id={booth.exhibitor.id}",
        headers=auth_headers(client, booth.manager),
    ).get_json()["items"]
    return printer


def make_due(db) -> None:
    """Skip the backoff wait (the test does not sleep through it)."""
    db.session.execute(sa.update(PrintJob).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def test_a_job_reaches_the_network_printer_as_the_receipts_escpos_bytes(app, client, booth):
    with FakePrinter() as device:
        printer = add_printer(client, booth, device.port, paper="58mm")
        job = print_sale(client, booth, printer["id"])
        assert sender.run_once(app) == {job["job_id"]: "printed"}
    (content,) = device.jobs
    printed = decode(content)
    assert printed.initialised and printed.cut
    assert printed.find("No.").text.endswith(job["sale"]["receipt_number"])
    assert printed.starting("TOTAL").text.endswith("IDR 100,000")
    assert printed.qr_codes == ["http://localhost" + job["sale"]["public_receipt_url"]]
    assert all(line.columns <= 32 for line in printed.lines)
    state = job_state(client, booth, job["job_id"])
    assert (state["status"], state["attempts"], state["error"]) == ("printed", 1, "")
    assert printer_state(client, booth)["status"] == "ready"


def test_a_refusing_printer_is_retried_until_it_comes_back_and_the_job_prints_once(
    app, client, booth, db
):
    port = free_port()
    printer = add_printer(client, booth, port)
    job = print_sale(client, booth, printer["id"])
    assert sender.run_once(app) == {job["job_id"]: "retrying"}
    state = job_state(client, booth, job["job_id"])
    assert (state["status"], state["attempts"], state["error"]) == (
        "retrying",
        1,
        "connection refused",
    )
    seen = printer_state(client, booth)
    assert (seen["status"], seen["last_error"]) == ("unreachable", "connection refused")
    # Not due yet: the backoff holds it.
    db.session.execute(sa.update(PrintJob).values(next_attempt_at=utcnow() + timedelta(minutes=5)))
    db.session.commit()
    assert sender.run_once(app) == {}
    make_due(db)
    assert sender.run_once(app) == {job["job_id"]: "retrying"}
    assert job_state(client, booth, job["job_id"])["attempts"] == 2
    with FakePrinter(port) as device:
        make_due(db)
        assert sender.run_once(app) == {job["job_id"]: "printed"}
        make_due(db)
        assert sender.run_once(app) == {}
    assert len(device.jobs) == 1
    assert job["sale"]["receipt_number"] in decode(device.jobs[0]).text
    state = job_state(client, booth, job["job_id"])
    assert (state["status"], state["attempts"], state["error"]) == ("printed", 3, "")
    assert printer_state(client, booth)["status"] == "ready"


def test_a_printer_out_of_paper_gets_nothing_until_paper_is_back(app, client, booth, db):
    with FakePrinter(paper=False) as device:
        printer = add_printer(client, booth, device.port)
        job = print_sale(client, booth, printer["id"])
        assert sender.run_once(app) == {job["job_id"]: "retrying"}
        assert device.jobs == [] and device.connections == 1
        assert job_state(client, booth, job["job_id"])["error"] == "out of paper"
        assert printer_state(client, booth)["status"] == "out_of_paper"
        device.paper = True
        make_due(db)
        assert sender.run_once(app) == {job["job_id"]: "printed"}
    assert len(device.jobs) == 1


def test_a_printer_that_never_answers_the_status_query_still_prints(app, client, booth):
    app.config["PRINT_STATUS_TIMEOUT"] = 0.2
    with FakePrinter(answers_status=False) as device:
        printer = add_printer(client, booth, device.port)
        job = print_sale(client, booth, printer["id"])
        assert sender.run_once(app) == {job["job_id"]: "printed"}
    assert len(device.jobs) == 1


def test_competing_senders_print_each_job_once_while_the_printer_goes_off_and_on(
    app, client, booth, db
):
    port = free_port()
    printer = add_printer(client, booth, port)
    sale = sell(client, booth)
    jobs = [print_sale(client, booth, printer["id"], sale)["job_id"] for _ in range(8)]
    stop = threading.Event()
    outcomes: list[dict] = []
    errors: list[BaseException] = []

    def compete() -> None:
        try:
            while not stop.is_set():
                outcomes.append(sender.run_once(app))
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    senders = [threading.Thread(target=compete) for _ in range(4)]
    for thread in senders:
        thread.start()
    try:
        # The printer is off: every sender keeps trying, none prints. A claim counts
        # its attempt before it sends, so a job being sent has failed one time fewer.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            rows = db.session.execute(sa.select(PrintJob.status, PrintJob.attempts)).all()
            db.session.rollback()
            if min(attempts - (status == PRINTING) for status, attempts in rows) >= 2:
                break
            time.sleep(0.05)
        with FakePrinter(port) as device:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                statuses = set(db.session.scalars(sa.select(PrintJob.status)).all())
                db.session.rollback()
                if statuses == {"printed"}:
                    break
                time.sleep(0.05)
            stop.set()
            for thread in senders:
                thread.join(timeout=60)
    finally:
        stop.set()
    assert errors == []
    assert len(device.jobs) == len(jobs) == 8
    printed = [job_id for outcome in outcomes for job_id, s in outcome.items() if s == "printed"]
    assert sorted(printed) == sorted(jobs)  # each printed by exactly one sender
    rows = db.session.execute(sa.select(PrintJob.status, PrintJob.attempts)).all()
    assert {status for status, _attempts in rows} == {"printed"}
    assert min(attempts for _status, attempts in rows) >= 3


def test_a_removed_printers_waiting_jobs_fail_and_are_not_sent(app, client, booth):
    port = free_port()
    printer = add_printer(client, booth, port)
    job = print_sale(client, booth, printer["id"])
    headers = auth_headers(client, booth.manager)
    assert client.delete(f"/api/v1/printers/{printer['id']}", headers=headers).status_code == 204
    with FakePrinter(port) as device:
        assert sender.run_once(app) == {}
    assert device.jobs == []
    state = job_state(client, booth, job["job_id"])
    assert (state["status"], state["error"]) == ("failed", "printer removed")


def test_a_job_unreachable_past_the_give_up_time_fails(app, client, booth, db):
    printer = add_printer(client, booth, free_port())
    job = print_sale(client, booth, printer["id"])
    db.session.execute(sa.update(PrintJob).values(created_at=utcnow() - timedelta(hours=13)))
    db.session.commit()
    assert sender.run_once(app) == {job["job_id"]: "failed"}
    assert job_state(client, booth, job["job_id"])["error"] == "connection refused"


def test_a_claim_left_by_a_sender_that_died_is_taken_over(app, client, booth, db):
    with FakePrinter() as device:
        printer = add_printer(client, booth, device.port)
        job = print_sale(client, booth, printer["id"])
        db.session.execute(
            sa.update(PrintJob).values(status="printing", claimed_at=utcnow() - timedelta(hours=1))
        )
        db.session.commit()
        assert sender.run_once(app) == {}  # only due jobs are listed …
        assert sender.send_job(job["job_id"], app.config) == "printed"  # … a stale claim is due
    assert len(device.jobs) == 1


def test_the_background_sender_prints_a_job_queued_in_its_process(app, client, booth):
    with FakePrinter() as device:
        printer = add_printer(client, booth, device.port)
        background = sender.Sender(app)
        sender._sender = background
        background.start()
        try:
            job = print_sale(client, booth, printer["id"])
            deadline = time.monotonic() + 60
            while job_state(client, booth, job["job_id"])["status"] != "printed":
                assert time.monotonic() < deadline, "the background sender never printed"
                time.sleep(0.05)
        finally:
            background.stop()
            background.join(timeout=30)
            sender._sender = None
    assert len(device.jobs) == 1
    assert db_printer_status(app, printer["id"]) == "ready"


def db_printer_status(app, printer_id: int) -> str:
    from pos.extensions import db

    status = db.session.scalar(sa.select(Printer.status).where(Printer.id == printer_id))
    db.session.rollback()
    return status
