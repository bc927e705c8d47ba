"""The printers API as API.md fixes it: who may add, read, change and remove a booth's
printers, print requests answered 202 with a job, the job's state, and what is refused
(422) or outside one's rights (403, 404)."""

import pytest

from pos.printing import auto
from tests import factories
from tests.factories import auth_headers, sell
from tests.printing.escpos_decode import decode


@pytest.fixture
def app_config(app_config):
    return app_config | {"PRINTER_ALLOW_LOOPBACK": False}


@pytest.fixture
def event(db):
    return factories.make_event(receipt_footer="Terima kasih!")


@pytest.fixture
def booth(event):
    return factories.Booth(event, "B12", receipt_language="id")


@pytest.fixture
def other(event):
    return factories.Booth(event, "C07")


def add_printer(client, booth, **fields):
    body = {"exhibitor_id": booth.exhibitor.id, "name": "Kasir depan", "host": "192.168.1.50"}
    answer = client.post(
        "/api/v1/printers", json=body | fields, headers=auth_headers(client, booth.manager)
    )
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def test_a_manager_adds_a_printer_with_port_9100_and_80mm_by_default(client, booth):
    printer = add_printer(client, booth)
    assert {k: printer[k] for k in ("name", "host", "port", "paper", "auto_print", "status")} == {
        "name": "Kasir depan",
        "host": "192.168.1.50",
        "port": 9100,
        "paper": "80mm",
        "auto_print": False,
        "status": "unknown",
    }
    assert printer["id"] >= 1 and printer["last_error"] == ""


def test_72mm_and_auto_print_are_accepted_and_the_booths_cashier_lists_them(client, booth):
    add_printer(client, booth, name="Belakang", host="printer-b12.lan", port=9101, paper="72mm",
                auto_print=True)  # fmt: skip
    add_printer(client, booth, name="Depan", paper="58mm")
    answer = client.get(
        f"/api/v1/printers?exhibitor_id={booth.exhibitor.id}",
        headers=auth_headers(client, booth.cashier),
    )
    assert answer.status_code == 200
    items = answer.get_json()["items"]
    assert [(p["name"], p["host"], p["port"], p["paper"], p["auto_print"]) for p in items] == [
        ("Belakang", "printer-b12.lan", 9101, "72mm", True),
        ("Depan", "192.168.1.50", 9100, "58mm", False),
    ]
    assert set(items[0]) >= {"id", "name", "host", "port", "paper", "auto_print", "status",
                             "last_error"}  # fmt: skip
    # Without exhibitor_id: the cashier's own booth.
    own = client.get("/api/v1/printers", headers=auth_headers(client, booth.cashier))
    assert [p["name"] for p in own.get_json()["items"]] == ["Belakang", "Depan"]


def test_a_cashier_may_not_add_change_remove_or_test_a_printer(client, booth):
    printer = add_printer(client, booth)
    headers = auth_headers(client, booth.cashier)
    body = {"exhibitor_id": booth.exhibitor.id, "name": "Mine", "host": "192.168.1.51"}
    assert client.post("/api/v1/printers", json=body, headers=headers).status_code == 403
    url = f"/api/v1/printers/{printer['id']}"
    assert client.patch(url, json={"name": "x"}, headers=headers).status_code == 403
    assert client.delete(url, headers=headers).status_code == 403
    assert client.post(url + "/test", headers=headers).status_code == 403


def test_another_booth_may_neither_see_nor_use_the_printers(client, booth, other):
    printer = add_printer(client, booth)
    sale = sell(client, other)
    for user in (other.cashier, other.manager):
        headers = auth_headers(client, user)
        listed = client.get(f"/api/v1/printers?exhibitor_id={booth.exhibitor.id}", headers=headers)
        assert listed.status_code == 403 and listed.get_json()["error"] == "forbidden"
        printed = client.post(
            f"/api/v1/sales/{sale['id']}/print",
            json={"printer_id": printer["id"]},
            headers=headers,
        )
        assert printed.status_code == 403
    theirs = sell(client, booth)
    stranger = client.post(
        f"/api/v1/sales/{theirs['id']}/print",
        json={"printer_id": printer["id"]},
        headers=auth_headers(client, other.cashier),
    )
    assert stranger.status_code == 403


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"paper": "100mm"}, "paper"),
        ({"port": 0}, "port"),
        ({"port": 70000}, "port"),
        ({"port": "9100"}, "port"),
        ({"name": "   "}, "name"),
        ({"host": ""}, "host"),
    ],
)
def test_a_malformed_printer_is_refused_naming_the_field(client, booth, fields, field):
    body = {"exhibitor_id": booth.exhibitor.id, "name": "Kasir", "host": "192.168.1.50"} | fields
    answer = client.post("/api/v1/printers", json=body, headers=auth_headers(client, booth.manager))
    assert answer.status_code == 422
    payload = answer.get_json()
    assert payload["error"] == "validation_error"
    assert payload["fields"][0]["field"] == field


@pytest.mark.parametrize(
    "host",
    [
        "not a host!",
        "http://192.168.1.50",
        "192.168.1.500",
        "127.0.0.1",
        "localhost",
        "::1",
        "0.0.0.0",
        "224.0.0.1",
    ],
)
def test_an_address_that_is_not_a_printer_on_the_lan_is_refused(client, booth, host):
    body = {"exhibitor_id": booth.exhibitor.id, "name": "Kasir", "host": host}
    answer = client.post("/api/v1/printers", json=body, headers=auth_headers(client, booth.manager))
    assert answer.status_code == 422
    assert answer.get_json()["error"] == "invalid" and answer.get_json()["field"] == "host"


def test_a_manager_changes_and_removes_a_printer(client, booth):
    printer = add_printer(client, booth)
    headers = auth_headers(client, booth.manager)
    url = f"/api/v1/printers/{printer['id']}"
    changed = client.patch(url, json={"paper": "58mm", "auto_print": True}, headers=headers)
    assert changed.status_code == 200
    assert (changed.get_json()["paper"], changed.get_json()["auto_print"]) == ("58mm", True)
    bad = client.patch(url, json={"host": "localhost"}, headers=headers)
    assert bad.status_code == 422
    assert client.delete(url, headers=headers).status_code == 204
    listed = client.get(f"/api/v1/printers?exhibitor_id={booth.exhibitor.id}", headers=headers)
    assert listed.get_json()["items"] == []
    assert client.patch(url, json={"name": "x"}, headers=headers).status_code == 404


def test_printing_a_sale_answers_202_with_a_queued_job_of_its_receipt(client, booth):
    printer = add_printer(client, booth, paper="58mm")
    sale = sell(client, booth)
    headers = auth_headers(client, booth.cashier)
    answer = client.post(
        f"/api/v1/sales/{sale['id']}/print", json={"printer_id": printer["id"]}, headers=headers
    )
    assert answer.status_code == 202
    job = answer.get_json()
    assert job["status"] == "queued" and job["job_id"] == job["id"]
    state = client.get(f"/api/v1/print-jobs/{job['job_id']}", headers=headers)
    assert state.status_code == 200
    assert {k: state.get_json()[k] for k in ("id", "status", "attempts", "error")} == {
        "id": job["job_id"],
        "status": "queued",
        "attempts": 0,
        "error": "",
    }
    # A reprint is another request: a second job, marked COPY.
    again = client.post(
        f"/api/v1/sales/{sale['id']}/print",
        json={"printer_id": printer["id"], "copy": True},
        headers=headers,
    )
    assert again.status_code == 202 and again.get_json()["copy"] is True
    listed = client.get(f"/api/v1/print-jobs?sale_id={sale['id']}", headers=headers).get_json()
    assert [j["id"] for j in listed["items"]] == [job["job_id"], again.get_json()["job_id"]]


def test_a_printer_of_another_booth_or_unknown_is_refused_for_a_sale(client, booth, other, db):
    theirs = add_printer(client, other)
    sale = sell(client, booth)
    organizer = factories.make_user("organizer")
    answer = client.post(
        f"/api/v1/sales/{sale['id']}/print",
        json={"printer_id": theirs["id"]},
        headers=auth_headers(client, organizer),
    )
    assert answer.status_code == 422 and answer.get_json()["field"] == "printer_id"
    unknown = client.post(
        f"/api/v1/sales/{sale['id']}/print",
        json={"printer_id": 999_999},
        headers=auth_headers(client, booth.cashier),
    )
    assert unknown.status_code == 404
    missing = client.post(
        f"/api/v1/sales/{sale['id']}/print", json={}, headers=auth_headers(client, booth.cashier)
    )
    assert missing.status_code == 422 and missing.get_json()["error"] == "validation_error"


def test_a_test_page_is_queued_202(client, booth):
    printer = add_printer(client, booth)
    answer = client.post(
        f"/api/v1/printers/{printer['id']}/test", headers=auth_headers(client, booth.manager)
    )
    assert answer.status_code == 202
    assert answer.get_json()["status"] == "queued" and answer.get_json()["kind"] == "test"


def test_an_auto_print_printer_gets_each_new_sales_receipt(client, booth, db):
    from pos.printing.models import PrintJob

    auto_printer = add_printer(client, booth, name="Auto", auto_print=True)
    add_printer(client, booth, name="Manual")
    sale = sell(client, booth)
    auto.settle()
    listed = client.get(
        f"/api/v1/print-jobs?sale_id={sale['id']}", headers=auth_headers(client, booth.cashier)
    ).get_json()["items"]
    assert [(j["printer_id"], j["status"], j["copy"]) for j in listed] == [
        (auto_printer["id"], "queued", False)
    ]
    printed = decode(db.session.get(PrintJob, listed[0]["id"]).content)
    assert sale["receipt_number"] in printed.text
    assert printed.qr_codes == ["http://localhost" + sale["public_receipt_url"]]


def test_a_sale_of_a_booth_without_auto_print_queues_nothing(client, booth):
    add_printer(client, booth)
    sale = sell(client, booth)
    auto.settle()
    listed = client.get(
        f"/api/v1/print-jobs?sale_id={sale['id']}", headers=auth_headers(client, booth.cashier)
    )
    assert listed.get_json()["items"] == []


def test_a_sale_says_whether_its_booth_prints_after_every_sale_so_others_cost_nothing(
    app, client, booth, other
):
    """The auto-print's background transaction (a third of a sale's work on PostgreSQL)
    runs only for a booth with an active printer set to print after every sale: the
    sale's own read of its booth says so."""
    from pos.sales.signals import sale_recorded

    said = []

    def heard(_app, *, sale_id, auto_print, **_details):
        said.append(auto_print)

    sale_recorded.connect(heard, sender=app)
    try:
        sell(client, booth)  # no printer
        add_printer(client, booth, name="Manual")
        sell(client, booth)  # a printer that prints on request only
        auto_printer = add_printer(client, booth, name="Auto", auto_print=True)
        add_printer(client, other, name="Auto C07", auto_print=True)
        sell(client, booth)
        removed = client.delete(
            f"/api/v1/printers/{auto_printer['id']}", headers=auth_headers(client, booth.manager)
        )
        assert removed.status_code == 204
        sell(client, booth)  # its only auto-printer removed (kept inactive for its jobs)
    finally:
        sale_recorded.disconnect(heard, sender=app)
    auto.settle()

    assert said == [False, False, True, False]
