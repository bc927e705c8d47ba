"""public catalogue: event slugs and settings, exhibitors' public profiles, public
products, and the product search index of each database engine

- ``event.slug`` (unique; made from the name for existing events, the demo event's is
  ``ikm-bali-bangkit``), ``catalogue_public`` (off, except for the demo event),
  ``catalogue_days_after`` (90), ``opening_hours``.
- ``exhibitor``: ``story``, ``whatsapp``/``show_whatsapp``, ``instagram``/
  ``show_instagram``, ``cover_photo``, ``catalogue_published``.
- ``product.public`` (true), and an index on ``product.photo`` (the public photo route
  asks which product a photo belongs to).
- The search index, kept by the database itself so that no writer of products can
  forget it (docs/ARCHITECTURE.md, "The public catalogue"):
  - SQLite: an FTS5 table ``product_fts`` (rowid = product id) filled by triggers on
    ``product``;
  - PostgreSQL: an IMMUTABLE function ``product_search_document`` and a GIN index on it.
  Both index the same text: the name, the category's words in both languages, the
  description and every attribute value.

Revision ID: c7a1e5d3f208
Revises: b41d7e2a9c35
Create Date: 2026-12-01 19:20:00

"""

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "c7a1e5d3f208"
down_revision = "b41d7e2a9c35"
branch_labels = None
depends_on = None

DEMO_EVENT_NAME = "Pameran IKM Bali Bangkit"
DEMO_SLUG = "ikm-bali-bangkit"

# The words a category is found by, in English and Indonesian (kept in step with
# pos/catalogue/search.py's CATEGORY_WORDS).
CATEGORY_WORDS_SQL = (
    "CASE {c} WHEN 'painting' THEN 'painting lukisan' "
    "WHEN 'jewellery' THEN 'jewellery jewelry perhiasan' "
    "WHEN 'endek' THEN 'endek kain tenun cloth' "
    "WHEN 'craft' THEN 'craft kerajinan' "
    "ELSE 'other lainnya' END"
)


def _sqlite_document(row: str) -> str:
    attributes = (
        f"(SELECT group_concat(value, ' ') FROM json_each({row}.attributes) "
        "WHERE type IN ('text', 'integer', 'real'))"
    )
    return (
        f"{row}.name || ' ' || {CATEGORY_WORDS_SQL.format(c=row + '.category')} || ' ' || "
        f"coalesce({row}.description, '') || ' ' || coalesce({attributes}, '')"
    )


SQLITE_UP = [
    "CREATE VIRTUAL TABLE product_fts USING fts5("
    "document, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')",
    "CREATE TRIGGER product_fts_insert AFTER INSERT ON product BEGIN "
    f"INSERT INTO product_fts (rowid, document) VALUES (new.id, {_sqlite_document('new')}); "
    "END",
    "CREATE TRIGGER product_fts_update AFTER UPDATE OF name, category, description, attributes "
    "ON product BEGIN "
    "DELETE FROM product_fts WHERE rowid = old.id; "
    f"INSERT INTO product_fts (rowid, document) VALUES (new.id, {_sqlite_document('new')}); "
    "END",
    "CREATE TRIGGER product_fts_delete AFTER DELETE ON product BEGIN "
    "DELETE FROM product_fts WHERE rowid = old.id; END",
    "INSERT INTO product_fts (rowid, document) "
    f"SELECT product.id, {_sqlite_document('product')} FROM product",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS product_fts_delete",
    "DROP TRIGGER IF EXISTS product_fts_update",
    "DROP TRIGGER IF EXISTS product_fts_insert",
    "DROP TABLE IF EXISTS product_fts",
]
POSTGRESQL_UP = [
    "CREATE FUNCTION product_search_document(name text, category text, description text, "
    "attributes json) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ "
    "SELECT to_tsvector('simple'::regconfig, name || ' ' || "
    f"{CATEGORY_WORDS_SQL.format(c='category')} || ' ' || coalesce(description, '')) || "
    "jsonb_to_tsvector('simple'::regconfig, coalesce(attributes::jsonb, '{}'::jsonb), "
    "'[\"string\", \"numeric\"]'::jsonb) $$",
    "CREATE INDEX ix_product_search ON product USING gin "
    "(product_search_document(name, category, description, attributes))",
]
POSTGRESQL_DOWN = [
    "DROP INDEX IF EXISTS ix_product_search",
    "DROP FUNCTION IF EXISTS product_search_document(text, text, text, json)",
]


def slugify(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "event"


def upgrade():
    with op.batch_alter_table("event") as batch_op:
        batch_op.add_column(
            sa.Column("slug", sa.String(length=80), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("catalogue_public", sa.Boolean(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("catalogue_days_after", sa.Integer(), server_default="90", nullable=False)
        )
        batch_op.add_column(sa.Column("opening_hours", sa.Text(), server_default="", nullable=False))
    conn = op.get_bind()
    taken: set[str] = set()
    for event_id, name in conn.execute(sa.text("SELECT id, name FROM event ORDER BY id")):
        base = DEMO_SLUG if name == DEMO_EVENT_NAME else slugify(name)
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        conn.execute(
            sa.text("UPDATE event SET slug = :slug, catalogue_public = :public WHERE id = :id"),
            {"slug": slug, "public": name == DEMO_EVENT_NAME, "id": event_id},
        )
    # Only columns and indexes are added: on SQLite anything else copies the table, which
    # the foreign keys pointing at event and product refuse once they hold rows. (The
    # ranges of these settings are checked by organizer/service.py.)
    with op.batch_alter_table("event") as batch_op:
        batch_op.create_index(batch_op.f("ix_event_slug"), ["slug"], unique=True)
    with op.batch_alter_table("exhibitor") as batch_op:
        batch_op.add_column(sa.Column("story", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(
            sa.Column("whatsapp", sa.String(length=40), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("show_whatsapp", sa.Boolean(), server_default="1", nullable=False)
        )
        batch_op.add_column(
            sa.Column("instagram", sa.String(length=60), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("show_instagram", sa.Boolean(), server_default="1", nullable=False)
        )
        batch_op.add_column(sa.Column("cover_photo", sa.String(length=255), nullable=True))
        batch_op.add_column(
            sa.Column(
                "catalogue_published", sa.Boolean(), server_default="1", nullable=False
            )
        )
    with op.batch_alter_table("product") as batch_op:
        batch_op.add_column(
            sa.Column("public", sa.Boolean(), server_default="1", nullable=False)
        )
        batch_op.create_index(batch_op.f("ix_product_photo"), ["photo"], unique=False)
    # On SQLite, a later migration that copies the product table (batch mode) drops
    # these triggers with it, and must make them again (tests/catalogue checks them).
    for statement in SQLITE_UP if conn.dialect.name == "sqlite" else POSTGRESQL_UP:
        op.execute(sa.text(statement))


# Columns dropped by ALTER TABLE ... DROP COLUMN (SQLite 3.35+ and PostgreSQL alike):
# batch mode would copy the tables, which their foreign keys refuse once they hold rows.
DROPPED = {
    "product": ("public",),
    "exhibitor": (
        "catalogue_published",
        "cover_photo",
        "show_instagram",
        "instagram",
        "show_whatsapp",
        "whatsapp",
        "story",
    ),
    "event": ("opening_hours", "catalogue_days_after", "catalogue_public", "slug"),
}


def downgrade():
    conn = op.get_bind()
    for statement in SQLITE_DOWN if conn.dialect.name == "sqlite" else POSTGRESQL_DOWN:
        op.execute(sa.text(statement))
    op.drop_index(op.f("ix_product_photo"), table_name="product")
    op.drop_index(op.f("ix_event_slug"), table_name="event")
    for table, columns in DROPPED.items():
        for column in columns:
            op.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN {column}"))
