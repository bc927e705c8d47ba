"""Every breakdown of every report adds up to the net, refunds coming off the group of
the sale they refund: the fair of tests/reports/scenario.py, report by report, against
the figures worked out by hand there."""

from __future__ import annotations

import csv
import io

import pytest

from tests import factories
from tests.reports import scenario
from tests.reports.scenario import B12_TODAY, C07_TODAY, EVENT_TODAY, EVENT_WHOLE

HEADLINE = ("transactions", "items_sold", "gross", "discounts", "refunds", "voids", "net")


@pytest.fixture
def fair(db):
    return scenario.build()


def _get(client, user, url):
    response = client.get(url, headers=factories.auth_headers(client, user))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def test_the_daily_summaries_break_down_to_their_net(client, fair):
    for booth, expected in ((fair.b12, B12_TODAY), (fair.c07, C07_TODAY)):
        url = f"/api/v1/reports/daily?exhibitor_id={booth.exhibitor.id}&date={fair.today}"
        day = _get(client, booth.manager, url).get_json()
        assert {k: day[k] for k in HEADLINE} == {k: expected[k] for k in HEADLINE}
        assert day["by_payment_method"] == expected["by_payment_method"]
        assert day["by_category"] == expected["by_category"]
        assert sum(h["amount"] for h in day["by_hour"]) == expected["net"]
    url = f"/api/v1/reports/daily?exhibitor_id={fair.b12.exhibitor.id}&date={fair.today}"
    b12 = _get(client, fair.b12.manager, url).get_json()
    assert [(p["sku"], p["quantity"], p["amount"]) for p in b12["by_product"]] == [
        ("RING", 2, 783_870),  # 2 + 1 sold, yesterday's refunded today
        ("BOWL", 1, 120_000),  # 1 + 1 sold, 1 refunded
    ]


def test_the_event_report_of_today_breaks_down_to_its_net(client, fair):
    """The dashboard reads this answer (date=today) every few seconds."""
    for query in (f"date={fair.today}", "date=today"):
        url = f"/api/v1/reports/event?event_id={fair.event.id}&{query}"
        report = _get(client, fair.organizer, url).get_json()
        assert {k: report[k] for k in HEADLINE} == {k: EVENT_TODAY[k] for k in HEADLINE}
        for key in ("by_payment_method", "by_category", "by_region", "by_origin"):
            assert report[key] == EVENT_TODAY[key], key
        assert [(r["booth"], r["net"]) for r in report["by_exhibitor"]] == EVENT_TODAY[
            "by_exhibitor"
        ]


def test_the_whole_events_report_breaks_down_to_its_net(client, fair):
    url = f"/api/v1/reports/event?event_id={fair.event.id}"
    report = _get(client, fair.organizer, url).get_json()
    assert {k: report[k] for k in HEADLINE} == {k: EVENT_WHOLE[k] for k in HEADLINE}
    for key in ("by_payment_method", "by_category", "by_region", "by_origin"):
        assert report[key] == EVENT_WHOLE[key], key
    assert [(r["booth"], r["net"]) for r in report["by_exhibitor"]] == EVENT_WHOLE["by_exhibitor"]
    assert report["by_day"] == [
        {"date": fair.yesterday.isoformat(), "transactions": 1, "net": 450_000},
        {"date": fair.today.isoformat(), "transactions": 4, "net": 5_703_870},
    ]


def test_the_event_exports_rows_break_down_to_their_net(client, fair):
    from openpyxl import load_workbook

    url = f"/api/v1/reports/event.csv?event_id={fair.event.id}"
    rows = list(csv.DictReader(io.StringIO(_get(client, fair.organizer, url).get_data(True))))
    expected = [
        # date, booth, gross, discounts, refunds, voids, net, paid (cash, qris, card,
        # transfer, ewallet), categories (painting, jewellery, endek, craft, other)
        (fair.yesterday, "B12", 450_000, 0, 0, 0, 450_000, (0, 450_000, 0, 0, 0),
         (0, 450_000, 0, 0, 0)),
        (fair.today, "B12", 1_590_000, 120_000, 566_130, 0, 903_870, (903_870, 0, 0, 0, 0),
         (0, 783_870, 0, 120_000, 0)),
        (fair.today, "C07", 6_250_000, 250_000, 1_200_000, 1_250_000, 4_800_000,
         (0, 0, 1_000_000, 3_800_000, 0), (4_800_000, 0, 0, 0, 0)),
    ]  # fmt: skip
    methods = ("cash", "qris", "card", "transfer", "ewallet")
    categories = ("painting", "jewellery", "endek", "craft", "other")
    got = [
        (
            r["date"],
            r["booth"],
            *(int(r[k]) for k in ("gross", "discounts", "refunds", "voids", "net")),
            tuple(int(r[f"paid_{m}"]) for m in methods),
            tuple(int(r[f"category_{c}"]) for c in categories),
        )
        for r in rows
    ]
    assert got == [(d.isoformat(), *rest) for d, *rest in expected]
    xlsx = _get(client, fair.organizer, f"/api/v1/reports/event.xlsx?event_id={fair.event.id}")
    sheet = load_workbook(io.BytesIO(xlsx.data)).worksheets[0]
    values = list(sheet.values)[1:]
    assert [(v[1], v[10]) for v in values] == [
        ("B12", 450_000),
        ("B12", 903_870),
        ("C07", 4_800_000),
    ]
    assert [sum(v[13:18]) for v in values] == [450_000, 903_870, 4_800_000]  # paid
    assert [sum(v[18:23]) for v in values] == [450_000, 903_870, 4_800_000]  # categories


def test_the_daily_csv_breaks_down_to_its_net(client, fair):
    url = f"/api/v1/reports/daily.csv?exhibitor_id={fair.b12.exhibitor.id}&date={fair.today}"
    rows = list(csv.DictReader(io.StringIO(_get(client, fair.b12.manager, url).get_data(True))))

    def section(name):
        return {r["key"]: int(r["amount"]) for r in rows if r["section"] == name and r["amount"]}

    assert section("summary")["net"] == 903_870
    assert section("payment_method") == {"cash": 903_870}
    assert section("category") == {"craft": 120_000, "jewellery": 783_870}
    assert section("product") == {"RING": 783_870, "BOWL": 120_000}
    assert sum(section("hour").values()) == 903_870


def test_the_settlement_breaks_down_to_its_net(client, fair):
    url = f"/api/v1/reports/settlement?exhibitor_id={fair.b12.exhibitor.id}"
    statement = _get(client, fair.b12.manager, url).get_json()
    assert (statement["gross"], statement["discounts"], statement["refunds"]) == (
        2_040_000,
        120_000,
        566_130,
    )
    assert statement["net"] == 1_353_870
    assert statement["by_payment_method"] == {"cash": 903_870, "qris": 450_000}
    assert [(d["net"], d["by_payment_method"]) for d in statement["days"]] == [
        (450_000, {"qris": 450_000}),
        (903_870, {"cash": 903_870}),
    ]


def test_the_stored_totals_agree_with_a_rebuild(runner, fair):
    """`pos check` recomputes every rollup from the raw rows; the writer's agree."""
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0, result.output
    assert "every booth's daily totals agree" in result.output


def _pdf_lines(client, user, url) -> list[str]:
    from tests.pdftext import pdf_text

    response = client.get(
        url, headers=factories.auth_headers(client, user) | {"Accept-Language": "id"}
    )
    assert response.status_code == 200
    return [" ".join(line.split()) for line in pdf_text(response.data).splitlines()]


def _section(lines: list[str], title: str, rows: int) -> list[str]:
    start = lines.index(title)
    return [line for line in lines[start + 1 :] if line][:rows]


def test_the_event_pdfs_break_down_to_their_net(client, fair):
    url = f"/api/v1/reports/event.pdf?event_id={fair.event.id}&date={fair.today}"
    today = _pdf_lines(client, fair.organizer, url)
    assert "Nilai transaksi Rp5.703.870 Transaksi 4" in today
    assert _section(today, "Per kategori", 3) == [
        "Lukisan Rp4.800.000", "Perhiasan Rp783.870", "Kriya Rp120.000"
    ]  # fmt: skip
    assert _section(today, "Per metode pembayaran", 3) == [
        "Transfer bank Rp3.800.000", "Kartu Rp1.000.000", "Tunai Rp903.870"
    ]  # fmt: skip
    assert _section(today, "Per daerah asal", 3) == [
        "Klungkung Rp4.800.000", "Gianyar Rp903.870", "Bangli Rp0"
    ]  # fmt: skip
    assert _section(today, "Pembeli domestik dan mancanegara", 3) == [
        "Mancanegara Rp4.800.000", "Domestik Rp783.870", "Tidak ditanyakan Rp120.000"
    ]  # fmt: skip
    whole = _pdf_lines(
        client, fair.organizer, f"/api/v1/reports/event.pdf?event_id={fair.event.id}"
    )
    assert "Nilai transaksi Rp6.153.870 Transaksi 5" in whole
    assert _section(whole, "Pembeli domestik dan mancanegara", 3) == [
        "Mancanegara Rp5.250.000", "Domestik Rp783.870", "Tidak ditanyakan Rp120.000"
    ]  # fmt: skip
    assert _section(whole, "Per metode pembayaran", 4) == [
        "Transfer bank Rp3.800.000", "Kartu Rp1.000.000", "Tunai Rp903.870", "QRIS Rp450.000"
    ]  # fmt: skip


def test_the_daily_summary_pdf_breaks_down_to_its_net(client, fair):
    url = f"/api/v1/reports/daily.pdf?date={fair.today}"
    lines = _pdf_lines(client, fair.b12.manager, url)
    assert "Penjualan bersih Rp903.870 Transaksi 3" in lines
    assert _section(lines, "Per kategori", 2) == ["Perhiasan Rp783.870", "Kriya Rp120.000"]
    assert _section(lines, "Per metode pembayaran", 1) == ["Tunai Rp903.870"]
    assert "RING Cincin perak 2 Rp783.870" in lines and "BOWL Mangkuk perak 1 Rp120.000" in lines
