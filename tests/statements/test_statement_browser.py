"""The sales statement in a real browser, against `pos serve` on the demo database
after the fair: the booth's manager issues it on a phone, the bank opens its
verification page without an account, the organizer revokes it; axe-core's WCAG 2 A
and AA checks on each of those pages."""

from __future__ import annotations

import re
import sqlite3
from datetime import date, timedelta

import pytest

from tests.browser import PHONE, TABLET, PageProblems, sign_in, sign_out
from tests.servers import served
from tests.test_pages_browser import AXE, violations

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("statements")
    with served(root) as (base, _log):
        # The demo fair is over: it ran the week before last.
        with sqlite3.connect(root / "pos.sqlite3") as connection:
            connection.execute(
                "UPDATE event SET starts_on = ?, ends_on = ?",
                ((date.today() - timedelta(days=14)).isoformat(),)
                + ((date.today() - timedelta(days=10)).isoformat(),),
            )
        yield base


def _open(browser, device):
    context = browser.new_context(**device, locale="id-ID")
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page, PageProblems(page)


def test_a_manager_issues_a_statement_a_bank_verifies_it_and_the_organizer_revokes_it(
    browser, server
):
    found = {}
    context, page, problems = _open(browser, PHONE)
    try:
        sign_in(page, server, "manager-b12")
        page.wait_for_url(lambda url: "/login" not in url)
        page.goto(server + "/reports/daily")
        page.get_by_role("link", name="Surat keterangan penjualan untuk bank").tap()
        page.wait_for_url(re.compile(r"/statements\?exhibitor_id=\d+$"))
        found["/statements (manager)"] = violations(page)
        page.get_by_role("button", name="Terbitkan surat keterangan").tap()
        page.wait_for_selector(".flash-success")
        found["/statements (issued)"] = violations(page)
        page.screenshot(path="/tmp/statement-manager-phone.png", full_page=True)
        link = page.get_by_role("link", name="Halaman verifikasi").get_attribute("href")
        number = page.locator("tbody td").first.inner_text().split()[0]
        assert re.fullmatch(r"SP-\d+-\d{5}", number)
        button = page.get_by_role("button", name="Terbitkan surat keterangan").bounding_box()
        assert button["height"] >= 44
        sign_out(page)
    finally:
        context.close()

    # The bank, on its own phone, without an account.
    context, page, _ = _open(browser, PHONE)
    try:
        response = page.goto(link)
        assert response.status == 200
        assert page.locator(".verdict-ok").inner_text().startswith("Sah")
        assert number in page.locator("h1").inner_text()
        assert "Dinas Perindustrian dan Perdagangan Provinsi Bali" in page.content()
        found["/v/<token>"] = violations(page)
        page.screenshot(path="/tmp/statement-verify-phone.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        response = page.goto(link[:-2] + "zz")
        assert response.status == 404
        found["/v/<altered>"] = violations(page)
    finally:
        context.close()

    context, page, problems = _open(browser, TABLET)
    try:
        sign_in(page, server, "organizer")
        page.wait_for_url(lambda url: "/login" not in url)
        page.goto(server + "/statements")
        assert number in page.locator("main").inner_text()
        found["/statements (organizer)"] = violations(page)
        page.locator("details.revoke summary").first.tap()
        page.locator("details.revoke textarea").first.fill("Angka dikoreksi")
        page.locator("details.revoke button[type=submit]").first.tap()
        page.wait_for_selector(".flash-success")
        assert "Dicabut" in page.locator("tbody").inner_text()
        found["/statements (revoked)"] = violations(page)
        assert problems.seen == []
    finally:
        context.close()

    context, page, _ = _open(browser, PHONE)
    try:
        response = page.goto(link)
        assert response.status == 410
        assert "Dicabut" in page.locator(".verdict-bad").inner_text()
        assert "Rp" not in page.locator("main").inner_text()
        found["/v/<revoked>"] = violations(page)
    finally:
        context.close()
    assert [f"{path}: {v}" for path, shown in found.items() for v in shown] == []
