"""Receipt rendering without an app: page sizes, content, hostile text in every format,
and a QR code a phone can read."""

import io
import shutil
import subprocess

import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm

from pos.receipts.pdf import (
    BOLD,
    FONT,
    DocLine,
    DocPayment,
    ReceiptData,
    register_fonts,
    render,
    wrap,
)

LABELS = {
    key: key.upper()
    for key in [
        "receipt",
        "invoice",
        "refund_note",
        "booth",
        "number",
        "date",
        "cashier",
        "discount",
        "subtotal",
        "line_discounts",
        "order_discount",
        "total",
        "refund_total",
        "dpp",
        "ppn",
        "reference",
        "change",
        "buyer",
        "scan",
        "item",
        "qty",
        "price",
        "amount",
        "copy",
        "void",
        "printed",
    ]
}
HOSTILE = [
    "<b>Tas & Dompet</b>",
    "<para>endek</para> &amp; <font color=red>x</font>",
    "漢字の財布 😀🎨",
    "Ñandú — café crème « déjà vu »",
    "W" * 500,
]


def receipt(**changes) -> ReceiptData:
    data = ReceiptData(
        locale="id",
        currency="IDR",
        event_name="Pameran IKM Bali Bangkit",
        exhibitor_name="Celuk Silver Ketut Sudana",
        booth="B12",
        region="Gianyar",
        number="B12-000042",
        when="06/09/2025 10:15 WITA",
        cashier="Kasir B12",
        lines=[
            DocLine("Cincin Perak Motif Jawan", "SR-925-01", 2, 450_000, 90_000, 810_000),
            DocLine("Kain Endek Motif Cepuk", "EN-GEL-01", 1, 1_850_000, 0, 1_850_000),
        ],
        subtotal=2_750_000,
        line_discount_total=90_000,
        order_discount=10_000,
        total=2_650_000,
        payments=[DocPayment("Tunai", 700_000), DocPayment("QRIS", 2_000_000, "QR-778")],
        change=50_000,
        buyer_name="Ayu",
        footer="Terima kasih!",
        qr_url="http://192.168.1.10:5000/r/AbCdEfGhIjKlMnOpQrStUvWxYz012345",
        labels=LABELS,
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def pages(content: bytes):
    return PdfReader(io.BytesIO(content)).pages


def text_of(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in pages(content))


@pytest.mark.parametrize(("paper", "width_mm"), [("80mm", 80), ("58mm", 58)])
def test_a_roll_receipt_is_one_page_of_the_roll_width_as_long_as_its_content(paper, width_mm):
    short = pages(render(receipt(), paper))
    longer = pages(render(receipt(lines=receipt().lines * 10), paper))
    assert len(short) == len(longer) == 1
    width, height = float(short[0].mediabox.width), float(short[0].mediabox.height)
    assert width == pytest.approx(width_mm * mm)
    assert 100 * mm < height < 300 * mm
    assert float(longer[0].mediabox.height) > height + 9 * 15  # ten times the lines, taller


def test_an_a4_invoice_is_a4_and_flows_onto_more_pages_when_long():
    one = pages(render(receipt(), "a4"))
    assert (round(float(one[0].mediabox.width)), round(float(one[0].mediabox.height))) == (595, 842)
    assert len(one) == 1
    many = pages(render(receipt(lines=receipt().lines * 60), "a4"))
    assert len(many) >= 3


@pytest.mark.parametrize("paper", ["80mm", "58mm", "a4"])
def test_the_receipt_shows_number_names_totals_payments_and_change(paper):
    text = text_of(render(receipt(), paper))
    for expected in (
        "B12-000042",
        "Celuk Silver Ketut Sudana",
        "Cincin Perak Motif Jawan",
        "Rp2.650.000",
        "Rp810.000",
        "Rp700.000",
        "Rp50.000",
        "QR-778",
        "Ayu",
        "06/09/2025 10:15 WITA",
    ):
        assert expected in text, (paper, expected)


def test_tax_lines_appear_only_for_a_tax_registered_exhibitor():
    plain = text_of(render(receipt()))
    assert "DPP" not in plain and "PPN" not in plain
    taxed = text_of(render(receipt(tax_lines=True, tax_total=262_613, tax_rate_percent=11)))
    assert "DPP" in taxed and "PPN 11%" in taxed
    assert "Rp262.613" in taxed and "Rp2.387.387" in taxed  # total − PPN


def test_copy_and_void_marks_are_printed():
    assert "COPY" in text_of(render(receipt(marks=["COPY · PRINTED 06/09/2025 11:00 WITA"])))
    assert "VOID" in text_of(render(receipt(marks=["VOID"]), "a4"))


@pytest.mark.parametrize("paper", ["80mm", "58mm", "a4"])
@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_and_non_latin_text_prints_literally_in_every_format(paper, name):
    content = render(
        receipt(lines=[DocLine(name, "X-1", 1, 1_000, 0, 1_000)], buyer_name=name), paper
    )
    text = text_of(content)
    if name.startswith("<"):
        assert name.split()[0] in text  # markup printed as typed, not interpreted
    if name.startswith("Ñ"):
        assert "Ñandú" in text and "crème" in text


@pytest.mark.parametrize(("font", "size", "width"), [(FONT, 8, 72 * mm), (BOLD, 7, 53 * mm)])
def test_wrapped_lines_never_exceed_the_printable_width(font, size, width):
    from reportlab.pdfbase.pdfmetrics import stringWidth

    register_fonts()
    for text in HOSTILE + ["Kain Endek Songket Gelgel ungu dan emas, tenun tangan 2,5 m"]:
        for line in wrap(text, font, size, width):
            assert stringWidth(line, font, size) <= width


def test_the_qr_code_on_the_receipt_decodes_to_the_public_link(tmp_path):
    if not (shutil.which("pdftoppm") and shutil.which("zbarimg")):
        pytest.skip("needs poppler-utils and zbar-tools (apt-get install poppler-utils zbar-tools)")
    url = receipt().qr_url
    for paper in ("80mm", "58mm", "a4"):
        pdf = tmp_path / f"{paper}.pdf"
        pdf.write_bytes(render(receipt(), paper))
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "150",
                "-png",
                "-f",
                "1",
                "-l",
                "1",
                str(pdf),
                str(tmp_path / paper),
            ],
            check=True,
        )
        image = next(tmp_path.glob(f"{paper}-*1.png"))
        decoded = subprocess.run(
            ["zbarimg", "-q", "--raw", str(image)], capture_output=True, text=True
        )
        assert decoded.stdout.strip() == url, (paper, decoded.stderr)
