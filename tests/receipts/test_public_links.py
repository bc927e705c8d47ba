"""Links that leave the request (the QR code on a kept receipt, the buyer's link on the
register and in emails) never come from a Host header anyone can send: from
POS_PUBLIC_URL, from a host in POS_TRUSTED_HOSTS, from one of this machine's own names,
else from this machine's LAN address."""

import io
import re
import uuid
from html import unescape

import pytest
import segno

from pos.network import lan_addresses
from tests import factories
from tests.factories import sell
from tests.pdftext import qr_codes

EVIL = "http://evil.example"


def own_base() -> str:
    """Where links point when the request's host is not to be trusted: this machine's
    first LAN address, on the port the server listens on (80 for the test client)."""
    return "http://" + (lan_addresses() or ["localhost"])[0]


@pytest.fixture
def booth(db):
    return factories.Booth(factories.make_event(), "B12")


def test_a_forged_host_asking_first_never_reaches_the_kept_receipt(client, booth):
    sale = sell(client, booth)
    link = sale["public_receipt_url"]
    forged = client.get(link + "/receipt.pdf", base_url=EVIL)
    assert forged.status_code == 200
    assert qr_codes(forged.data) == [own_base() + link]
    later = client.get(link + "/receipt.pdf")  # the buyer, on the kept original
    assert later.data == forged.data


def test_the_configured_public_url_is_the_link_whatever_the_host(client, app, booth):
    app.config["PUBLIC_URL"] = "https://struk.pameran.example/"
    sale = sell(client, booth)
    forged = client.get(sale["public_receipt_url"] + "/receipt.pdf", base_url=EVIL)
    assert qr_codes(forged.data) == ["https://struk.pameran.example" + sale["public_receipt_url"]]


def test_with_trusted_hosts_others_are_refused_and_a_trusted_one_is_the_link(
    make_client, app_config, booth
):
    client = make_client(app_config | {"TRUSTED_HOSTS": ["pos.pameran.example"]})
    sale = sell_with(client, booth, base_url="http://pos.pameran.example")
    link = sale["public_receipt_url"]
    refused = client.get(link + "/receipt.pdf", base_url=EVIL)
    assert refused.status_code == 400
    assert refused.get_data(as_text=True) == "This server does not answer to that host name.\n"
    api = client.get("/api/v1/openapi.json", base_url=EVIL)
    assert (api.status_code, api.get_json()["error"]) == (400, "untrusted_host")
    trusted = client.get(link + "/receipt.pdf", base_url="http://pos.pameran.example")
    assert trusted.status_code == 200
    assert qr_codes(trusted.data) == ["http://pos.pameran.example" + link]


def sell_with(client, booth, base_url: str) -> dict:
    login = client.post(
        "/api/v1/auth/login",
        json={"username": booth.cashier.username, "password": factories.PASSWORD},
        base_url=base_url,
    )
    headers = {"Authorization": f"Bearer {login.get_json()['token']}"}
    body = {
        "exhibitor_id": booth.exhibitor.id,
        "items": [{"product_id": booth.product.id, "quantity": 1}],
        "payments": [{"method": "cash", "amount": 100_000}],
    }
    response = client.post(
        "/api/v1/sales",
        json=body,
        headers=headers | {"Idempotency-Key": str(uuid.uuid4())},
        base_url=base_url,
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_the_receipt_content_for_tablet_printing_ignores_a_forged_host(client, booth):
    sale = sell(client, booth)
    answer = client.get(
        f"/api/v1/sales/{sale['id']}/receipt.json",
        headers=factories.auth_headers(client, booth.cashier),
        base_url=EVIL,
    )
    assert answer.get_json()["qr_url"] == own_base() + sale["public_receipt_url"]


def test_the_qr_code_on_the_register_screen_ignores_a_forged_host(client, booth):
    sale = sell(client, booth)
    answer = client.get(sale["public_receipt_url"] + "/qr.svg", base_url=EVIL)
    expected = io.BytesIO()
    segno.make_qr(own_base() + sale["public_receipt_url"], error="m").save(
        expected, kind="svg", scale=8, border=4, xmldecl=False, svgns=True,
        title=sale["receipt_number"],
    )  # fmt: skip
    assert answer.data == expected.getvalue()


def test_the_register_prints_offline_receipts_with_a_link_that_ignores_a_forged_host(client, booth):
    signed_in = client.post(
        "/login",
        data={"username": booth.cashier.username, "password": factories.PASSWORD},
        base_url=EVIL,
    )
    assert signed_in.status_code == 302
    page = client.get("/register", base_url=EVIL).get_data(as_text=True)
    match = re.search(r'data-receipt="([^"]*)"', page)
    assert match, "the register page carries no receipt context"
    assert f'"public_base": "{own_base()}"' in unescape(match[1])
    assert "evil.example" not in page


def test_a_refund_note_ignores_a_forged_host(client, booth):
    sale = sell(client, booth)
    refund = client.post(
        f"/api/v1/sales/{sale['id']}/refunds",
        json={"lines": [{"product_id": booth.product.id, "quantity": 1}], "reason": "Rusak"},
        headers=factories.auth_headers(client, booth.manager),
    ).get_json()
    note = client.get(
        f"/api/v1/refunds/{refund['id']}/receipt.pdf",
        headers=factories.auth_headers(client, booth.manager),
        base_url=EVIL,
    )
    assert qr_codes(note.data) == [own_base() + sale["public_receipt_url"]]
