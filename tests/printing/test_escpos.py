"""The ESC/POS receipt without an app: decoded back (tests/printing/escpos_decode.py) it
shows what the PDF shows, fits the paper's columns, prints the buyer's link as the
printer's own QR code, cuts, and never sends a character the printer would print as
garbage."""

import pytest

from pos.printing.escpos import PAPER_COLUMNS, printable, render, render_test_page
from pos.receipts.pdf import DocLine, DocPayment
from tests.printing.escpos_decode import UnknownCommand, decode
from tests.receipts.test_pdf import HOSTILE, LABELS, receipt

WORDS = dict(LABELS, offline_number="OFFLINE_NUMBER")
LINK = "http://192.168.1.10:5000/r/AbCdEfGhIjKlMnOpQrStUvWxYz012345"


def sale(**changes):
    return receipt(labels=WORDS, **changes)


@pytest.mark.parametrize("paper", ["80mm", "72mm", "58mm"])
def test_every_line_fits_the_papers_columns_and_pairs_reach_the_right_edge(paper):
    columns = PAPER_COLUMNS[paper]
    printed = decode(
        render(sale(lines=receipt().lines + [DocLine("W" * 90, "X", 1, 5, 0, 5)]), paper)
    )
    assert max(line.columns for line in printed.lines) == columns
    assert all(line.columns <= columns for line in printed.lines)
    total = printed.starting("TOTAL")
    assert total.text == "TOTAL".ljust(columns - len("Rp2.650.000")) + "Rp2.650.000"
    assert total.bold and total.double_height and not total.double_width
    assert printed.find("-" * columns).text == "-" * columns
    # The 90-character name is cut into lines of the paper's width, nothing lost.
    assert "".join(t for t in printed.texts if set(t) == {"W"}) == "W" * 90


def test_column_counts_are_those_of_58_72_and_80mm_print_heads():
    assert PAPER_COLUMNS == {"58mm": 32, "72mm": 42, "80mm": 48}
    with pytest.raises(ValueError):
        render(sale(), "a4")


def test_a_sale_shows_header_numbers_lines_discounts_totals_payments_change_and_buyer():
    printed = decode(render(sale(), "80mm"))
    assert printed.initialised and printed.code_pages == [2]
    assert printed.texts[:3] == [
        "Pameran IKM Bali Bangkit",
        "Celuk Silver Ketut Sudana",
        "BOOTH B12 · Gianyar",
    ]
    assert printed.find("Celuk Silver").align == "center"
    assert printed.find("NUMBER").text.endswith(" B12-000042")
    assert printed.find("DATE").text.endswith(" 06/09/2025 10:15 WITA")
    assert printed.find("CASHIER").text.endswith(" Kasir B12")
    assert printed.find("Cincin Perak").bold
    assert printed.find("2 × Rp450.000").text.endswith(" Rp900.000")
    assert printed.find("  DISCOUNT").text.endswith(" -Rp90.000")
    assert printed.find("  AMOUNT").text.endswith(" Rp810.000")
    assert printed.find("SUBTOTAL").text.endswith(" Rp2.750.000")
    assert printed.find("LINE_DISCOUNTS").text.endswith(" -Rp90.000")
    assert printed.find("ORDER_DISCOUNT").text.endswith(" -Rp10.000")
    assert printed.find("Tunai").text.endswith(" Rp700.000")
    assert printed.find("QRIS").text.endswith(" Rp2.000.000")
    assert printed.find("REFERENCE QR-778")
    assert printed.find("CHANGE").text.endswith(" Rp50.000")
    assert printed.find("BUYER").text.endswith(" Ayu")
    assert printed.find("Terima kasih!").align == "center"
    assert "OFFLINE_NUMBER" not in printed.text and "DPP" not in printed.text
    assert "COPY" not in printed.text


def test_the_buyers_link_is_a_qr_code_the_printer_draws_after_the_scan_line_then_a_cut():
    data = render(sale(qr_url=LINK), "58mm")
    printed = decode(data)
    assert printed.qr_codes == [LINK]
    assert b"\x1d(k" in data  # GS ( k: the printer's own QR code, not an image
    index = next(i for i, line in enumerate(printed.lines) if line.qr)
    assert printed.lines[index - 1].text == "SCAN"
    assert printed.lines[index].align == "center"
    assert printed.cut and printed.cut_count == 1
    assert data.endswith(b"\x1dV\x00")


def test_tax_lines_show_dpp_and_ppn_for_a_tax_registered_exhibitor():
    printed = decode(render(sale(tax_lines=True, tax_total=262_613, tax_rate_percent=11), "80mm"))
    assert printed.find("DPP").text.endswith(" Rp2.387.387")
    assert printed.find("PPN 11%").text.endswith(" Rp262.613")


def test_an_offline_sale_shows_both_numbers():
    printed = decode(render(sale(offline_number="B12-T1-0007"), "58mm"))
    assert printed.find("NUMBER ").text.endswith(" B12-000042")
    assert printed.find("OFFLINE_NUMBER").text.endswith(" B12-T1-0007")


def test_copy_and_void_marks_print_large_and_reversed_above_and_below_the_receipt():
    printed = decode(render(sale(marks=["VOID", "COPY · PRINTED 06/09/2025 11:00 WITA"]), "80mm"))
    marks = [line for line in printed.lines if line.inverted]
    assert [m.text.strip() for m in marks] == ["VOID", "COPY", "VOID", "COPY"]
    assert all(m.double_width and m.double_height and m.bold for m in marks)
    assert printed.texts[0].strip() == "VOID"
    assert printed.find("PRINTED 06/09/2025 11:00 WITA").align == "center"


def test_a_refund_note_shows_its_title_reference_and_refunded_total():
    note = sale(
        title="REFUND NOTE",
        number="B12-R-000003",
        reference_line="For sale B12-000042 of 06/09/2025 10:15 WITA. Reason: wrong size",
        lines=[DocLine("Cincin Perak Motif Jawan", "SR-925-01", 1, 450_000, 45_000, 405_000)],
        subtotal=0,
        line_discount_total=0,
        order_discount=0,
        total=405_000,
        payments=[DocPayment("Tunai", 405_000)],
        change=0,
        buyer_name="",
    )
    printed = decode(render(note, "58mm"))
    assert printed.find("REFUND NOTE").bold
    assert printed.find("NUMBER").text.endswith(" B12-R-000003")
    assert "For sale B12-000042" in printed.text and "wrong size" in printed.text
    assert printed.starting("TOTAL").text.endswith(" Rp405.000")
    assert printed.find("Tunai").text.endswith(" Rp405.000")
    assert printed.cut


def test_accented_names_print_from_code_page_850_and_the_rest_is_transliterated():
    data = render(
        sale(exhibitor_name="Café Ñusa", cashier="Made Wíjaya", buyer_name="漢字 Ayu"), "80mm"
    )
    assert "Café Ñusa".encode("cp850") in data
    printed = decode(data)
    assert printed.find("Café Ñusa").bold
    assert printed.find("CASHIER").text.endswith(" Made Wíjaya")
    assert printed.find("BUYER").text.endswith(" Han Zi Ayu")
    assert printable("−Rp5.000 “x” … IDR\u00a01") == '-Rp5.000 "x" ... IDR 1'
    assert printable("😀\x1b@") == "? @"  # no emoji garbage, no control byte


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_names_decode_to_plain_text_with_no_stray_command(hostile):
    printed = decode(
        render(sale(exhibitor_name=hostile, lines=[DocLine(hostile, "X", 1, 5, 0, 5)]), "58mm")
    )
    assert all(line.columns <= 32 for line in printed.lines)
    assert printed.cut_count == 1


def test_the_decoder_refuses_bytes_it_does_not_know():
    with pytest.raises(UnknownCommand):
        decode(b"\x1b@\x1b\x99")
    with pytest.raises(UnknownCommand):
        decode(b"text\x07")
    # What other encoders send after ESC @ to leave Kanji mode is known, and prints nothing.
    assert decode(b"\x1b@\x1c.\x1bt\x02Caf\x82\n").texts == ["Café"]


@pytest.mark.parametrize("paper", ["80mm", "72mm", "58mm"])
def test_the_test_page_shows_its_lines_a_ruler_as_wide_as_the_paper_and_cuts(paper):
    printed = decode(
        render_test_page(
            paper,
            title="TEST PAGE",
            lines=["Printer: Kasir depan", "192.168.1.50:9100"],
            sample="Café Ñusa · Made Wíjaya",
            qr_url="http://192.168.1.10:5000/",
        )
    )
    columns = PAPER_COLUMNS[paper]
    assert printed.texts[0] == "TEST PAGE"
    assert "Printer: Kasir depan" in printed.texts and "192.168.1.50:9100" in printed.texts
    ruler = printed.find("123456789").text
    assert len(ruler) == columns and ruler.endswith(str(columns % 10))
    assert "Café Ñusa · Made Wíjaya" in printed.texts
    assert printed.qr_codes == ["http://192.168.1.10:5000/"]
    assert printed.cut
