"""The sales statement a bank can verify (issue 15, item 6): the settlement's figures of
a booth's whole fair, issued after the fair in the organizer's name, frozen at issue,
printed with a QR code of its public verification page, and revocable.

The fair is tests/reports/scenario.py's: B12 sold on two days (yesterday a ring by
QRIS, today rings and bowls in cash), with refunds, discounts and two categories. Its
whole fair, worked out by hand there: gross 2.040.000, discounts 120.000, refunds
566.130, net 1.353.870; cash 903.870 and QRIS 450.000; jewellery 1.233.870 and craft
120.000; yesterday 450.000, today 903.870.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from pos.db import utcnow
from pos.formats import format_day
from pos.organizer import service as organizer_service
from pos.statements import service as statement_service
from pos.statements.models import SalesStatement
from tests import factories, pages
from tests.pdftext import pdf_text, qr_codes
from tests.reports import scenario

NET = "Rp1.353.870"
OFFICE = "Dinas Perindustrian dan Perdagangan Provinsi Bali\nJl. Raya Puputan No. 41, Denpasar"
OFFICIAL = "Ni Luh Putu Ayu Suryani, S.E."


@pytest.fixture
def fair(db, monkeypatch):
    """The scenario's fair, whose last day is today, with its organizer's details; the
    statements' clock stands on the day after the fair."""
    built = scenario.build()
    organizer_service.update_event(
        built.organizer,
        built.event,
        {
            "starts_on": built.yesterday,
            "ends_on": built.today,
            "venue": "Taman Budaya Bali, Denpasar",
            "organizer_name": OFFICIAL,
            "organizer_office": OFFICE,
        },
    )
    db.session.commit()
    monkeypatch.setattr(statement_service, "utcnow", lambda: utcnow() + timedelta(days=1))
    return built


def _issue(client, user, exhibitor_id, **body):
    return client.post(
        f"/api/v1/exhibitors/{exhibitor_id}/statements",
        json=body,
        headers=factories.auth_headers(client, user),
    )


def _settlement(client, user, exhibitor_id):
    url = f"/api/v1/reports/settlement?exhibitor_id={exhibitor_id}"
    return client.get(url, headers=factories.auth_headers(client, user)).get_json()


def test_a_statement_holds_the_settlements_figures(client, fair):
    b12 = fair.b12
    answer = _issue(client, b12.manager, b12.exhibitor.id)
    assert answer.status_code == 201, answer.get_json()
    statement = answer.get_json()
    figures = statement["figures"]
    settlement = _settlement(client, b12.manager, b12.exhibitor.id)
    for key in ("transactions", "gross", "discounts", "refunds", "net", "by_payment_method"):
        assert figures[key] == settlement[key], key
    assert figures["by_category"] == settlement["by_category"]
    assert [(d["date"], d["net"]) for d in figures["days"]] == [
        (d["date"], d["net"]) for d in settlement["days"]
    ]
    # ... and those are the figures worked out by hand.
    assert (figures["gross"], figures["discounts"], figures["refunds"], figures["net"]) == (
        2_040_000,
        120_000,
        566_130,
        1_353_870,
    )
    assert figures["transactions"] == 4
    assert figures["by_payment_method"] == {"cash": 903_870, "qris": 450_000}
    assert figures["by_category"] == {"craft": 120_000, "jewellery": 1_233_870}
    assert [(d["date"], d["net"]) for d in figures["days"]] == [
        (fair.yesterday.isoformat(), 450_000),
        (fair.today.isoformat(), 903_870),
    ]
    assert statement["issuer"] == {"name": OFFICIAL, "office": OFFICE}
    assert statement["issued_on"] == (fair.today + timedelta(days=1)).isoformat()
    assert statement["status"] == "valid" and statement["language"] == "id"
    assert statement["verification_url"].endswith("/v/" + _token(statement))
    assert len(_token(statement)) >= 32


def _day(day) -> str:
    return format_day(day, "id")


def _token(statement: dict) -> str:
    return statement["verification_url"].rsplit("/v/", 1)[1]


def test_the_pdf_prints_the_figures_the_issuer_and_a_qr_code_of_the_verification_page(client, fair):
    b12 = fair.b12
    statement = _issue(client, b12.manager, b12.exhibitor.id).get_json()
    response = client.get(
        f"/api/v1/statements/{statement['id']}.pdf",
        headers=factories.auth_headers(client, b12.manager),
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "SURAT KETERANGAN PENJUALAN" in text
    assert statement["number"] in text and statement["fingerprint"] in text
    assert "Dinas Perindustrian dan Perdagangan Provinsi Bali" in text
    assert "Jl. Raya Puputan No. 41, Denpasar" in text and OFFICIAL in text
    assert "Perak Celuk" in text and "B12" in text and "Gianyar" in text
    lines = [" ".join(line.split()) for line in text.splitlines()]
    # Headline: net, transactions, gross, discounts, refunds.
    assert f"{NET} 4 Rp2.040.000 −Rp120.000 −Rp566.130" in lines
    assert f"{_day(fair.yesterday)} 1 Rp450.000 Rp0 Rp0 Rp450.000" in lines
    assert f"{_day(fair.today)} 3 Rp1.590.000 −Rp120.000 −Rp566.130 Rp903.870" in lines
    assert f"Seluruh pameran 4 Rp2.040.000 −Rp120.000 −Rp566.130 {NET}" in lines
    assert "Kriya Rp120.000 Tunai Rp903.870" in lines
    assert "Perhiasan Rp1.233.870 QRIS Rp450.000" in lines
    assert qr_codes(response.data) == [statement["verification_url"]]


def test_an_english_statement_is_written_in_english(client, fair):
    b12 = fair.b12
    statement = _issue(client, b12.manager, b12.exhibitor.id, language="en").get_json()
    assert statement["language"] == "en"
    response = client.get(
        f"/api/v1/statements/{statement['id']}.pdf",
        headers=factories.auth_headers(client, b12.manager),
    )
    text = " ".join(pdf_text(response.data).split())
    assert "SALES STATEMENT" in text and "IDR 1,353,870" in text and "Jewellery" in text


def test_the_verification_page_shows_the_frozen_figures_without_login(app, client, fair):
    b12 = fair.b12
    statement = _issue(client, b12.manager, b12.exhibitor.id).get_json()
    stranger = app.test_client()
    response = stranger.get(f"/v/{_token(statement)}")
    assert response.status_code == 200
    text = pages.text(response)
    assert "Sah" in text and statement["number"] in text
    assert OFFICIAL in text and "Dinas Perindustrian dan Perdagangan Provinsi Bali" in text
    assert "Perak Celuk" in text and statement["fingerprint"] in text
    for amount in (NET, "Rp903.870", "Rp450.000", "Rp1.233.870", "Rp120.000", "−Rp566.130"):
        assert amount in text, amount
    english = pages.text(stranger.get(f"/v/{_token(statement)}?lang=en"))
    assert "Valid" in english and "IDR\xa01,353,870" in english
    assert response.headers["Cache-Control"] == "no-store"


def test_a_revoked_statement_shows_no_figures(app, client, fair):
    b12 = fair.b12
    statement = _issue(client, b12.manager, b12.exhibitor.id).get_json()
    organizer = factories.auth_headers(client, fair.organizer)
    refused = client.post(
        f"/api/v1/statements/{statement['id']}/revoke",
        json={"reason": "x"},
        headers=factories.auth_headers(client, b12.manager),
    )
    assert refused.status_code == 403  # a manager does not revoke
    revoked = client.post(
        f"/api/v1/statements/{statement['id']}/revoke",
        json={"reason": "Angka dikoreksi"},
        headers=organizer,
    )
    assert revoked.status_code == 200
    assert revoked.get_json()["status"] == "revoked"
    again = client.post(
        f"/api/v1/statements/{statement['id']}/revoke", json={"reason": "y"}, headers=organizer
    )
    assert again.status_code == 409 and again.get_json()["error"] == "already_revoked"
    response = app.test_client().get(f"/v/{_token(statement)}")
    assert response.status_code == 410
    text = pages.text(response)
    assert "Dicabut" in text and "1.353.870" not in text and "903.870" not in text


def test_an_altered_token_or_altered_figures_show_nothing(app, client, db, fair):
    b12 = fair.b12
    statement = _issue(client, b12.manager, b12.exhibitor.id).get_json()
    token = _token(statement)
    stranger = app.test_client()
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for path in (f"/v/{altered}", f"/v/{token[:-1]}", "/v/x", f"/v/{token}x"):
        response = stranger.get(path)
        assert response.status_code == 404, path
        text = pages.text(response)
        assert "Tidak sah" in text and "1.353.870" not in text, path
    # Someone with the database changes the net sales: the hash no longer matches.
    row = db.session.get(SalesStatement, statement["id"])
    row.snapshot = row.snapshot.replace("1353870", "9353870")
    db.session.commit()
    response = stranger.get(f"/v/{token}")
    assert response.status_code == 404
    assert "353.870" not in pages.text(response)


def test_a_later_sale_does_not_change_an_issued_statement(app, client, fair):
    b12 = fair.b12
    statement = _issue(client, b12.manager, b12.exhibitor.id).get_json()
    factories.sell(client, b12)  # 100.000 more, after the statement
    assert _settlement(client, b12.manager, b12.exhibitor.id)["net"] == 1_453_870
    headers = factories.auth_headers(client, b12.manager)
    kept = client.get(f"/api/v1/statements/{statement['id']}", headers=headers).get_json()
    assert kept["figures"] == statement["figures"] and kept["sha256"] == statement["sha256"]
    assert NET in pages.text(app.test_client().get(f"/v/{_token(statement)}"))
    pdf = client.get(f"/api/v1/statements/{statement['id']}.pdf", headers=headers)
    assert NET in pdf_text(pdf.data) and "1.453.870" not in pdf_text(pdf.data)
    # Asked again, the booth gets a new statement with the new figures; the first stays.
    newer = _issue(client, b12.manager, b12.exhibitor.id)
    assert newer.status_code == 201 and newer.get_json()["figures"]["net"] == 1_453_870
    assert NET in pages.text(app.test_client().get(f"/v/{_token(statement)}"))
    listed = client.get(f"/api/v1/exhibitors/{b12.exhibitor.id}/statements", headers=headers)
    assert [s["figures"]["net"] for s in listed.get_json()["items"]] == [1_453_870, 1_353_870]


def test_asking_twice_gives_the_same_statement(client, fair):
    b12 = fair.b12
    first = _issue(client, b12.manager, b12.exhibitor.id)
    second = _issue(client, b12.manager, b12.exhibitor.id)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.get_json()["id"] == first.get_json()["id"]
    english = _issue(client, b12.manager, b12.exhibitor.id, language="en")
    assert english.status_code == 201 and english.get_json()["id"] != first.get_json()["id"]


def test_only_the_booths_manager_and_the_organizers_issue_and_read_it(client, db, fair):
    b12, c07 = fair.b12, fair.c07
    other_event = factories.make_event(name="Pameran Lain")
    foreign_organizer = factories.make_user("organizer")
    foreign_organizer.event_id = other_event.id
    db.session.commit()
    for outsider in (c07.manager, b12.cashier, foreign_organizer):
        answer = _issue(client, outsider, b12.exhibitor.id)
        assert answer.status_code == 403, outsider.username
        assert answer.get_json()["error"] == "forbidden"
    assert db.session.scalar(sa.select(sa.func.count(SalesStatement.id))) == 0
    statement = _issue(client, fair.organizer, b12.exhibitor.id).get_json()  # the organizer may
    for outsider in (c07.manager, b12.cashier, foreign_organizer):
        headers = factories.auth_headers(client, outsider)
        for path in (
            f"/api/v1/statements/{statement['id']}",
            f"/api/v1/statements/{statement['id']}.pdf",
        ):
            assert client.get(path, headers=headers).status_code == 403, (outsider.username, path)
    listed = client.get(
        f"/api/v1/exhibitors/{b12.exhibitor.id}/statements",
        headers=factories.auth_headers(client, b12.cashier),
    )
    assert listed.status_code == 403


def test_before_the_end_of_the_fair_a_statement_is_refused_with_a_clear_error(
    client, db, fair, monkeypatch
):
    b12 = fair.b12
    monkeypatch.setattr(statement_service, "utcnow", utcnow)  # the fair's last day
    answer = _issue(client, b12.manager, b12.exhibitor.id, language="en")
    assert answer.status_code == 409
    body = answer.get_json()
    assert body["error"] == "fair_not_over" and body["ends_on"] == fair.today.isoformat()
    assert (
        "day after the last day"
        in client.post(
            f"/api/v1/exhibitors/{b12.exhibitor.id}/statements",
            json={},
            headers=factories.auth_headers(client, b12.manager) | {"Accept-Language": "en"},
        ).get_json()["message"]
    )
    organizer_service.update_event(fair.organizer, fair.event, {"ends_on": None})
    db.session.commit()
    assert _issue(client, b12.manager, b12.exhibitor.id).get_json()["error"] == "fair_not_over"
    assert db.session.scalar(sa.select(sa.func.count(SalesStatement.id))) == 0


def test_without_the_organizers_details_no_statement_is_issued(client, db, fair):
    organizer_service.update_event(fair.organizer, fair.event, {"organizer_office": ""})
    db.session.commit()
    answer = _issue(client, fair.b12.manager, fair.b12.exhibitor.id)
    assert answer.status_code == 409 and answer.get_json()["error"] == "organizer_unknown"


def test_the_manager_issues_and_the_organizer_revokes_on_the_pages(app, client, db, fair):
    b12 = fair.b12
    pages.sign_in(client, b12.manager)
    page = client.get("/statements")
    assert page.status_code == 200 and "Terbitkan surat keterangan" in pages.text(page)
    issued = client.post(f"/statements?exhibitor_id={b12.exhibitor.id}", data={"language": "id"})
    assert issued.status_code == 302
    listing = pages.text(client.get(issued.location))
    (statement,) = db.session.scalars(sa.select(SalesStatement)).all()
    assert statement.number in listing and NET in listing and "Sah" in listing
    assert "Cabut" not in listing  # the manager does not revoke
    pdf = client.get(f"/statements/{statement.id}.pdf")
    assert pdf.status_code == 200 and NET in pdf_text(pdf.data)
    refused = client.post(f"/statements/{statement.id}/revoke", data={"reason": "x"})
    assert refused.status_code == 403
    client.post("/logout")
    pages.sign_in(client, fair.organizer)
    overview = pages.text(client.get("/statements"))
    assert statement.number in overview and "B12" in overview
    empty = client.post(f"/statements/{statement.id}/revoke", data={"reason": " "})
    assert empty.status_code == 400
    done = client.post(f"/statements/{statement.id}/revoke", data={"reason": "Salah hitung"})
    assert done.status_code == 302
    assert app.test_client().get(f"/v/{statement.token}").status_code == 410
    audit = client.get(
        f"/api/v1/audit?exhibitor_id={b12.exhibitor.id}",
        headers=factories.auth_headers(client, fair.organizer),
    ).get_json()
    actions = [e["action"] for e in audit["items"]]
    assert "statement_issued" in actions and "statement_revoked" in actions


def test_before_the_end_the_page_says_when_a_statement_can_be_issued(client, fair, monkeypatch):
    monkeypatch.setattr(statement_service, "utcnow", utcnow)
    pages.english(fair.b12.manager)
    pages.sign_in(client, fair.b12.manager)
    text = pages.text(client.get("/statements"))
    assert "from the day after the last day" in text and "Issue the statement" not in text


@pytest.mark.parametrize(
    ("base", "local"),
    [
        ("http://192.168.1.20:8000", True),
        ("http://127.0.0.1:8000", True),
        ("http://localhost:8000", True),
        ("https://pameran-laptop.local", True),
        ("http://pameran-laptop:8000", True),
        ("https://pameran.baliprov.go.id", False),
        ("https://103.10.20.30", False),
    ],
)
def test_the_page_warns_when_a_bank_could_not_open_the_statements_links(base, local):
    from pos.statements.views import only_local

    assert only_local(base) is local


def test_the_statements_page_warns_of_a_venue_address_and_not_of_a_public_one(app, client, fair):
    pages.sign_in(client, fair.b12.manager)
    assert "POS_PUBLIC_URL" in pages.text(client.get("/statements"))
    app.config["PUBLIC_URL"] = "https://pameran.baliprov.go.id"
    assert "POS_PUBLIC_URL" not in pages.text(client.get("/statements"))
    statement = _issue(client, fair.b12.manager, fair.b12.exhibitor.id).get_json()
    assert statement["verification_url"].startswith("https://pameran.baliprov.go.id/v/")


def test_a_booth_that_sold_nothing_gets_a_statement_that_says_so(client, fair):
    d02 = fair.d02
    answer = _issue(client, fair.organizer, d02.exhibitor.id)
    assert answer.status_code == 201
    statement = answer.get_json()
    assert statement["figures"]["net"] == 0 and statement["figures"]["days"] == []
    pdf = client.get(
        f"/api/v1/statements/{statement['id']}.pdf",
        headers=factories.auth_headers(client, fair.organizer),
    )
    text = " ".join(pdf_text(pdf.data).split())
    assert "Tidak ada penjualan yang tercatat." in text and "Rp0" in text
