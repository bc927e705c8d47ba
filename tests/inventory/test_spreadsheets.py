"""Catalogue spreadsheets: an Excel workbook imports like the CSV, damaged or oversized
workbooks are refused plainly (never a 500), the CSV and XLSX templates, the import page,
and the low-or-sold-out stock filter of the product list and the API."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from html import unescape

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from pos.auth.models import User
from pos.extensions import db
from pos.inventory import spreadsheets
from pos.inventory.models import Product, StockMovement
from pos.inventory.spreadsheets import COLUMNS, MAX_XLSX_UNPACKED, REQUIRED, XLSX_TYPE
from tests import factories
from tests.pages import field_errors, flashes, listed_skus, sign_in, text

UNREADABLE = "The Excel file cannot be read; save it again as .xlsx or as CSV."
TOO_LARGE = "The Excel file is too large; split it or save it as CSV."


# --- helpers ----------------------------------------------------------------------------


def error_rows(html: str) -> list[tuple[str, str, str]]:
    """(row, column, problem) of the import page's table of problems."""
    section = re.search(r'<section class="card" id="import-errors">(.*?)</section>', html, re.S)
    assert section, "the page shows no table of problems"
    rows = re.findall(
        r'<tr><td class="num">([^<]*)</td><td class="mono">([^<]*)</td><td>([^<]*)</td></tr>',
        section[1],
    )
    return [tuple(unescape(cell).strip() for cell in row) for row in rows]


def catalogue(exhibitor_id: int) -> dict[str, tuple]:
    """What an import can set, per SKU, of the booth's products."""
    db.session.rollback()  # end the test's read snapshot: see what requests committed
    return {
        p.sku: (
            p.name,
            p.category,
            p.price,
            p.stock,
            p.one_of_a_kind,
            p.low_stock_threshold,
            p.description,
            p.attributes,
        )
        for p in db.session.scalars(sa.select(Product).where(Product.exhibitor_id == exhibitor_id))
    }


def ledger_size() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count(StockMovement.id)))


def xlsx(*rows, header=("sku", "name", "category", "price", "stock")) -> bytes:
    """A workbook whose first sheet holds ``header`` and ``rows`` as typed cells."""
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, user: User, exhibitor_id: int, content: bytes, filename: str):
    return client.post(
        f"/api/v1/products/import?exhibitor_id={exhibitor_id}",
        data={"file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
        headers=factories.auth_headers(client, user),
    )


# --- fixtures ---------------------------------------------------------------------------


@pytest.fixture
def event(app):
    return factories.make_event()


def english_booth(event, booth: str) -> factories.Booth:
    made = factories.Booth(event, booth)
    for user in (made.manager, made.cashier):
        user.locale = "en"
    db.session.commit()
    return made


@pytest.fixture
def booth(event):
    return english_booth(event, "X1")


@pytest.fixture
def twin(event):
    """A second booth, to import the same catalogue as CSV."""
    return english_booth(event, "X2")


# --- an Excel workbook imports like the CSV ---------------------------------------------

XLSX_HEADER = (
    "sku",
    "name",
    "category",
    "price",
    "stock",
    "one_of_a_kind",
    "low_stock_threshold",
    "description",
    "artist",
    "medium",
    "year",
    "material",
    "weight_g",
)
CSV_CATALOGUE = (
    ",".join(XLSX_HEADER) + "\n"
    "PTG-9,Sawah Jatiluwih,painting,7500000,1,yes,,Cat minyak,I Made Budi,Oil,2019,,\n"
    "SR-9,Cincin Perak,jewellery,450000,12,no,3,,,,,Silver 925,6.5\n"
    "KB-1,Keben,craft,125000,0,no,,,,,,Bambu,\n"
)


def test_an_xlsx_workbook_with_typed_cells_imports_like_the_csv(client, booth, twin):
    content = xlsx(
        # numbers as numbers, a bool for one_of_a_kind, a float price as Excel stores it
        ("PTG-9", "Sawah Jatiluwih", "painting", 7_500_000, 1, True, None, "Cat minyak")
        + ("I Made Budi", "Oil", 2019, None, None),
        ("SR-9", "Cincin Perak", "jewellery", 450000.0, 12, False, 3, None)
        + (None, None, None, "Silver 925", 6.5),
        ("KB-1", "Keben", "craft", 125_000, 0.0, False, None, None)
        + (None, None, None, "Bambu", None),
        header=XLSX_HEADER,
    )
    from_xlsx = upload(client, booth.manager, booth.exhibitor.id, content, "katalog.xlsx")
    assert from_xlsx.status_code == 200, from_xlsx.get_json()
    assert from_xlsx.get_json() == {"created": 3, "updated": 0, "errors": []}
    from_csv = upload(
        client, twin.manager, twin.exhibitor.id, CSV_CATALOGUE.encode(), "katalog.csv"
    )
    assert from_csv.get_json() == {"created": 3, "updated": 0, "errors": []}

    made = catalogue(booth.exhibitor.id)
    for sku, fields in catalogue(twin.exhibitor.id).items():
        if sku.startswith(("PTG-", "SR-", "KB-")):
            assert made[sku] == fields, sku
    assert made["SR-9"][2:4] == (450_000, 12)
    assert made["PTG-9"][4] is True and made["SR-9"][4] is False
    assert made["PTG-9"][7] == {"artist": "I Made Budi", "medium": "Oil", "year": 2019}
    assert made["SR-9"][7] == {"material": "Silver 925", "weight_g": 6.5}


def test_an_xlsx_updates_by_sku_like_the_csv(client, booth):
    content = xlsx((booth.product.sku, "Keben besar", "craft", 130000.0, 9))
    response = upload(client, booth.manager, booth.exhibitor.id, content, "katalog.xlsx")
    assert response.get_json() == {"created": 0, "updated": 1, "errors": []}
    assert catalogue(booth.exhibitor.id)[booth.product.sku][:4] == (
        "Keben besar",
        "craft",
        130_000,
        9,
    )


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (("A-2", "Tas", "craft", "lots", 1), "price"),
        (("A-2", "Tas", "craft", -5, 1), "price"),
        (("A-2", "Tas", "craft", 450000.5, 1), "price"),
        (("A-2", "Tas", "craft", 10, 1.5), "stock"),
        (("A-2", "Tas", "craft", 10, "banyak"), "stock"),
        (("A-2", "Tas", "craft", 10, None), "stock"),
    ],
)
def test_an_xlsx_with_a_bad_number_names_row_and_column_and_imports_nothing(
    client, booth, row, column
):
    before = catalogue(booth.exhibitor.id)
    content = xlsx(("A-1", "Tas kecil", "craft", 10, 1), row, ("A-3", "Tas besar", "craft", 20, 2))
    response = upload(client, booth.manager, booth.exhibitor.id, content, "katalog.xlsx")
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["error"] == "import_invalid" and body["created"] == 0
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(3, column)]
    assert catalogue(booth.exhibitor.id) == before


def test_an_xlsx_decimal_number_in_a_whole_number_column_is_refused(client, booth):
    before = catalogue(booth.exhibitor.id)
    content = xlsx(("A-1", "Tas", "craft", 12.345, 1))
    response = upload(client, booth.manager, booth.exhibitor.id, content, "katalog.xlsx")
    assert response.status_code == 422, response.get_json()
    assert [(e["row"], e["column"]) for e in response.get_json()["errors"]] == [(2, "price")]
    assert catalogue(booth.exhibitor.id) == before


def half_a_workbook() -> bytes:
    content = xlsx(("A-1", "Tas", "craft", 10, 1))
    return content[: len(content) // 2]


def a_zip_of_other_things() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return out.getvalue()


@pytest.mark.parametrize(
    "content",
    [
        b"PK\x03\x04" + b"\x00\xffgarbage" * 64,
        half_a_workbook(),
        a_zip_of_other_things(),
    ],
    ids=["zip-header-then-garbage", "truncated-workbook", "zip-without-a-workbook"],
)
def test_a_damaged_xlsx_is_refused_with_a_clear_message(client, booth, content):
    before, movements = catalogue(booth.exhibitor.id), ledger_size()
    response = upload(client, booth.manager, booth.exhibitor.id, content, "katalog.xlsx")
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["error"] == "import_invalid" and body["created"] == 0
    assert [e["message"] for e in body["errors"]] == [UNREADABLE]
    assert catalogue(booth.exhibitor.id) == before and ledger_size() == movements


def zip_bomb() -> bytes:
    """A real workbook plus an entry of zeros that unpacks just past the limit: a few
    dozen kilobytes on the wire."""
    buffer = io.BytesIO(xlsx(("A-1", "Tas", "craft", 10, 1)))
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", bytes(MAX_XLSX_UNPACKED + 1))
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_unpacked(client, booth, monkeypatch):
    content = zip_bomb()
    assert len(content) < 1024 * 1024

    def never(*args, **kwargs):
        raise AssertionError("the workbook was opened")

    monkeypatch.setattr("openpyxl.load_workbook", never)
    before = catalogue(booth.exhibitor.id)
    response = upload(client, booth.manager, booth.exhibitor.id, content, "katalog.xlsx")
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["created"] == 0
    assert [e["message"] for e in body["errors"]] == [TOO_LARGE]
    assert catalogue(booth.exhibitor.id) == before


def test_the_unpacked_size_limit_applies_to_any_workbook(client, booth, monkeypatch):
    content = xlsx(("A-1", "Tas", "craft", 10, 1))
    monkeypatch.setattr(spreadsheets, "MAX_XLSX_UNPACKED", 1024)
    refused = upload(client, booth.manager, booth.exhibitor.id, content, "katalog.xlsx")
    assert refused.status_code == 422
    assert [e["message"] for e in refused.get_json()["errors"]] == [TOO_LARGE]
    monkeypatch.undo()
    accepted = upload(client, booth.manager, booth.exhibitor.id, content, "katalog.xlsx")
    assert accepted.get_json() == {"created": 1, "updated": 0, "errors": []}


# --- the templates ----------------------------------------------------------------------


def test_the_csv_template_has_every_column_and_imports_unchanged_as_nothing(client, booth):
    headers = factories.auth_headers(client, booth.manager)
    response = client.get("/api/v1/products/template.csv", headers=headers)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(text(response))))
    assert rows == [list(COLUMNS)]
    assert set(REQUIRED) <= set(rows[0])
    assert {"one_of_a_kind", "low_stock_threshold", "artist", "weight_g", "motif"} <= set(rows[0])

    before, movements = catalogue(booth.exhibitor.id), ledger_size()
    again = upload(client, booth.manager, booth.exhibitor.id, response.get_data(), "t.csv")
    assert again.status_code == 200, again.get_json()
    assert again.get_json() == {"created": 0, "updated": 0, "errors": []}
    assert catalogue(booth.exhibitor.id) == before and ledger_size() == movements


def test_the_xlsx_template_has_the_header_and_a_sheet_explaining_every_column(client, booth):
    headers = factories.auth_headers(client, booth.manager)
    response = client.get("/api/v1/products/template.xlsx", headers=headers)
    assert response.status_code == 200 and response.mimetype == XLSX_TYPE
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.get_data()))
    assert len(book.worksheets) == 2
    products, guide = book.worksheets
    assert [c.value for c in products[1]] == list(COLUMNS)
    assert products.max_row == 1
    explained = {
        row[0]: row for row in guide.iter_rows(min_row=2, values_only=True) if row[0] is not None
    }
    assert list(explained) == list(COLUMNS)
    for column, required, what, _example in explained.values():
        assert what and str(what).strip(), f"{column} is not explained"
        assert bool(required) == (column in REQUIRED), column


def test_a_row_filled_into_the_xlsx_template_imports_that_product(client, booth):
    headers = factories.auth_headers(client, booth.manager)
    template = client.get("/api/v1/products/template.xlsx", headers=headers).get_data()
    book = load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    row = dict.fromkeys(COLUMNS)
    row |= {
        "sku": "SR-925-01",
        "name": "Cincin Perak Motif Jawan",
        "category": "jewellery",
        "price": 450000,
        "stock": 6,
        "one_of_a_kind": False,
        "low_stock_threshold": 2,
        "material": "Silver 925",
        "weight_g": 6.5,
    }
    sheet.append([row[c] for c in COLUMNS])
    filled = io.BytesIO()
    book.save(filled)

    response = upload(client, booth.manager, booth.exhibitor.id, filled.getvalue(), "t.xlsx")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"created": 1, "updated": 0, "errors": []}
    assert catalogue(booth.exhibitor.id)["SR-925-01"] == (
        "Cincin Perak Motif Jawan",
        "jewellery",
        450_000,
        6,
        False,
        2,
        "",
        {"material": "Silver 925", "weight_g": 6.5},
    )


# --- the import page --------------------------------------------------------------------


def test_the_import_page_shows_the_form_both_templates_and_the_column_guide(client, booth):
    sign_in(client, booth.manager)
    response = client.get("/products/import")
    assert response.status_code == 200
    html = text(response)
    assert re.search(r'<form method="post" enctype="multipart/form-data"', html)
    assert field_errors(html, "file") == []
    assert re.search(r'<input[^>]*\btype="file"[^>]*>|<input[^>]*name="file"[^>]*>', html)
    for template in ("/api/v1/products/template.xlsx", "/api/v1/products/template.csv"):
        assert f'href="{template}"' in html
        linked = client.get(template)  # the signed-in session fetches it like a browser
        assert linked.status_code == 200, template
    guide = re.findall(r'<tr><td class="mono">([^<]*)</td><td>', html)
    assert guide == list(COLUMNS)
    assert "import-errors" not in html


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_importing_a_good_file_on_the_page_redirects_to_the_products_with_a_flash(
    client, booth, kind
):
    content = (
        b"sku,name,category,price,stock\nPG-1,Tas anyaman,craft,85000,4\nPG-2,Keben,craft,1,2\n"
        if kind == "csv"
        else xlsx(("PG-1", "Tas anyaman", "craft", 85000, 4), ("PG-2", "Keben", "craft", 1, 2))
    )
    sign_in(client, booth.manager)
    response = client.post(
        "/products/import",
        data={"file": (io.BytesIO(content), f"katalog.{kind}")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert response.location.startswith("/products?")
    assert f"exhibitor_id={booth.exhibitor.id}" in response.location
    page = text(client.get(response.location))
    assert flashes(page, "success") == ["Imported: 2 new product(s), 0 updated."]
    assert {"PG-1", "PG-2"} <= set(listed_skus(page))
    assert catalogue(booth.exhibitor.id)["PG-1"][2:4] == (85_000, 4)


def test_a_bad_file_on_the_page_answers_422_with_a_table_of_problems_and_imports_nothing(
    client, booth
):
    bad = (
        "sku,name,category,price,stock\n"
        "OK-1,Tas,craft,85000,4\n"
        "BAD-1,Tas,craft,murah,4\n"
        "BAD-2,Tas,boats,10,1.5\n"
    )
    before, movements = catalogue(booth.exhibitor.id), ledger_size()
    sign_in(client, booth.manager)
    response = client.post(
        "/products/import",
        data={"file": (io.BytesIO(bad.encode()), "katalog.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = text(response)
    problems = error_rows(html)
    assert [(row, column) for row, column, _ in problems] == [("3", "price"), ("4", "stock")]
    assert "murah" in problems[0][2]
    assert "Nothing was imported: 2 problems in the file." in html
    assert flashes(html, "success") == []
    assert catalogue(booth.exhibitor.id) == before and ledger_size() == movements


def test_a_damaged_workbook_on_the_page_is_refused_with_its_message(client, booth):
    before = catalogue(booth.exhibitor.id)
    sign_in(client, booth.manager)
    response = client.post(
        "/products/import",
        data={"file": (io.BytesIO(b"PK\x03\x04garbage" * 8), "katalog.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert error_rows(text(response)) == [("", "", UNREADABLE)]
    assert catalogue(booth.exhibitor.id) == before


def test_posting_the_import_page_without_a_file_shows_the_field_error(client, booth):
    before = catalogue(booth.exhibitor.id)
    sign_in(client, booth.manager)
    response = client.post("/products/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 200
    html = text(response)
    assert field_errors(html, "file") == ["Choose the file to import."]
    assert "import-errors" not in html
    assert catalogue(booth.exhibitor.id) == before


def test_a_cashier_cannot_open_or_use_the_import_page(client, booth):
    before = catalogue(booth.exhibitor.id)
    sign_in(client, booth.cashier)
    page = client.get("/products/import")
    assert page.status_code == 403
    assert "Your role does not allow this. Ask the booth manager." in text(page)
    response = client.post(
        "/products/import",
        data={"file": (io.BytesIO(b"sku,name,category,price,stock\nC-1,X,craft,1,1\n"), "k.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert "Your role does not allow this. Ask the booth manager." in text(response)
    assert catalogue(booth.exhibitor.id) == before


def test_another_booths_manager_cannot_import_into_this_booth_on_the_page(client, event, booth):
    other = english_booth(event, "X9")
    before, theirs = catalogue(booth.exhibitor.id), catalogue(other.exhibitor.id)
    sign_in(client, other.manager)
    url = f"/products/import?exhibitor_id={booth.exhibitor.id}"
    page = client.get(url)
    assert page.status_code == 403
    assert "You do not have access to this exhibitor." in text(page)
    response = client.post(
        url,
        data={"file": (io.BytesIO(b"sku,name,category,price,stock\nI-1,X,craft,1,1\n"), "k.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert "You do not have access to this exhibitor." in text(response)
    assert catalogue(booth.exhibitor.id) == before
    assert catalogue(other.exhibitor.id) == theirs


# --- low or sold out --------------------------------------------------------------------


@pytest.fixture
def stock_levels(booth):
    """Products at every side of their low-stock threshold; the expected low ones."""
    make = factories.make_product
    ex, who = booth.exhibitor, booth.manager
    make(ex, who, sku="SOLD-OUT", stock=0)
    make(ex, who, sku="SOLD-OUT-THR", stock=0, low_stock_threshold=2)
    make(ex, who, sku="AT-THR", stock=2, low_stock_threshold=2)
    make(ex, who, sku="UNDER-THR", stock=1, low_stock_threshold=3)
    make(ex, who, sku="ABOVE-THR", stock=3, low_stock_threshold=2)
    make(ex, who, sku="ZERO-THR", stock=1, low_stock_threshold=0)
    make(ex, who, sku="NO-THR", stock=1)
    gone = make(ex, who, sku="WITHDRAWN", stock=0)
    gone.active = False
    db.session.commit()
    # Booth.product has stock 5 and no threshold; Booth.painting 1 of a kind, stock 1.
    return {"SOLD-OUT", "SOLD-OUT-THR", "AT-THR", "UNDER-THR"}


def test_the_low_stock_filter_of_the_products_page_lists_only_low_and_sold_out(
    client, booth, stock_levels
):
    sign_in(client, booth.manager)
    everything = set(listed_skus(text(client.get("/products"))))
    assert stock_levels < everything and "ABOVE-THR" in everything
    response = client.get("/products", query_string={"stock": "low"})
    assert response.status_code == 200
    html = text(response)
    assert set(listed_skus(html)) == stock_levels
    assert 'name="stock" value="low"' in html  # a search keeps the filter


def test_the_low_stock_filter_combines_with_search_and_category(client, booth, stock_levels):
    sign_in(client, booth.manager)
    searched = client.get("/products", query_string={"stock": "low", "q": "thr"})
    assert set(listed_skus(text(searched))) == {"SOLD-OUT-THR", "AT-THR", "UNDER-THR"}
    painting = client.get("/products", query_string={"stock": "low", "category": "painting"})
    assert listed_skus(text(painting)) == []


def test_the_apis_low_or_sold_out_lists_the_same_products(client, booth, stock_levels):
    headers = factories.auth_headers(client, booth.manager)

    def skus(**query) -> set[str]:
        response = client.get(
            "/api/v1/products",
            query_string={"exhibitor_id": booth.exhibitor.id} | query,
            headers=headers,
        )
        assert response.status_code == 200, response.get_json()
        return {p["sku"] for p in response.get_json()["items"]}

    assert skus(low_or_sold_out="true") == stock_levels
    everything = skus(low_or_sold_out="false")
    assert stock_levels < everything and {"ABOVE-THR", "NO-THR", "ZERO-THR"} <= everything
    assert "WITHDRAWN" in skus(low_or_sold_out="true", include_inactive="true")
    for p in client.get(
        "/api/v1/products",
        query_string={"exhibitor_id": booth.exhibitor.id, "low_or_sold_out": "true"},
        headers=headers,
    ).get_json()["items"]:
        assert p["sold_out"] or p["low_stock"], p["sku"]


def test_the_low_stock_filter_stays_within_the_booth(client, event, booth, stock_levels):
    other = english_booth(event, "X7")
    factories.make_product(other.exhibitor, other.manager, sku="OTHER-EMPTY", stock=0)
    sign_in(client, booth.manager)
    assert "OTHER-EMPTY" not in listed_skus(text(client.get("/products?stock=low")))
