"""The buyer's receipt by email, through a real (local) SMTP server, sent off the
request thread."""

import email
import time
import uuid

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from pos.network import lan_addresses
from tests import factories
from tests.pdftext import qr_codes
from tests.servers import free_port


class Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[email.message.Message] = []

    def handle_message(self, message) -> None:
        self.messages.append(message)

    def wait(self, count: int = 1, seconds: float = 10) -> list:
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


@pytest.fixture
def inbox(app):
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_FROM="struk@pameran.example")
    yield handler
    controller.stop()


def sell(client, booth, buyer_email, key=None, base_url="http://localhost"):
    headers = factories.auth_headers(client, booth.cashier) | {
        "Idempotency-Key": key or str(uuid.uuid4())
    }
    body = {
        "exhibitor_id": booth.exhibitor.id,
        "items": [{"product_id": booth.product.id, "quantity": 1}],
        "payments": [{"method": "qris", "amount": 100_000}],
        "buyer": {"name": "Emma", "email": buyer_email, "origin": "foreign"},
    }
    return client.post("/api/v1/sales", json=body, headers=headers, base_url=base_url).get_json()


def test_a_buyer_who_gives_an_email_gets_the_receipt_pdf(client, db, inbox):
    booth = factories.Booth(factories.make_event(), "B12", receipt_language="en")
    sale = sell(client, booth, "emma@example.com")
    [message] = inbox.wait()
    assert message["To"] == "emma@example.com"
    assert sale["receipt_number"] in message["Subject"]
    attachments = [part for part in message.walk() if part.get_content_type() == "application/pdf"]
    assert len(attachments) == 1
    assert attachments[0].get_filename() == f"{sale['receipt_number']}.pdf"
    assert attachments[0].get_payload(decode=True).startswith(b"%PDF")


def test_the_emailed_receipt_links_to_this_server_whatever_host_the_sale_came_with(
    client, db, inbox
):
    booth = factories.Booth(factories.make_event(), "B12", receipt_language="en")
    sale = sell(client, booth, "emma@example.com", base_url="http://evil.example")
    [message] = inbox.wait()
    [pdf] = [part for part in message.walk() if part.get_content_type() == "application/pdf"]
    own = "http://" + (lan_addresses() or ["localhost"])[0]
    assert qr_codes(pdf.get_payload(decode=True)) == [own + sale["public_receipt_url"]]


def test_a_retried_sale_does_not_email_twice(client, db, inbox):
    booth = factories.Booth(factories.make_event(), "B12")
    sell(client, booth, "ayu@example.com", key="same")
    sell(client, booth, "ayu@example.com", key="same")
    time.sleep(0.5)  # give a wrongly queued second email the time to arrive
    assert len(inbox.wait(1)) == 1


def test_without_smtp_settings_nothing_is_sent_and_the_sale_still_records(client, db, app):
    app.config["SMTP_HOST"] = None
    booth = factories.Booth(factories.make_event(), "B12")
    sale = sell(client, booth, "ayu@example.com")
    assert sale["receipt_number"] == "B12-000001"
