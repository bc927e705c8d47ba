"""catalogue extras: the floor plan with booth places, and page-view counters

- ``floor_plan``: one picture per event (its key and size in pixels);
- ``booth_place``: where each booth is on it, as shares (0..1) of its width and height;
- ``booth_view_count`` and ``product_view_count``: page views of the public catalogue
  per booth and per product and event-local day, added to by an upsert.

Revision ID: c7e3a9f1d258
Revises: c7a1e5d3f208
Create Date: 2026-12-01 19:15:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c7e3a9f1d258"
down_revision = "c7a1e5d3f208"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "floor_plan",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("image", sa.String(length=32), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("width > 0 AND height > 0", name=op.f("ck_floor_plan_size")),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_floor_plan_event_id_event")
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_floor_plan")),
    )
    op.create_table(
        "booth_place",
        sa.Column("exhibitor_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("x", sa.Float(), nullable=False),
        sa.Column("y", sa.Float(), nullable=False),
        sa.CheckConstraint("x >= 0 AND x <= 1", name=op.f("ck_booth_place_x")),
        sa.CheckConstraint("y >= 0 AND y <= 1", name=op.f("ck_booth_place_y")),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_booth_place_event_id_event")
        ),
        sa.ForeignKeyConstraint(
            ["exhibitor_id"], ["exhibitor.id"], name=op.f("fk_booth_place_exhibitor_id_exhibitor")
        ),
        sa.PrimaryKeyConstraint("exhibitor_id", name=op.f("pk_booth_place")),
    )
    with op.batch_alter_table("booth_place") as batch_op:
        batch_op.create_index(batch_op.f("ix_booth_place_event_id"), ["event_id"], unique=False)
    op.create_table(
        "booth_view_count",
        sa.Column("exhibitor_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("views", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("views >= 0", name=op.f("ck_booth_view_count_views")),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_booth_view_count_event_id_event")
        ),
        sa.ForeignKeyConstraint(
            ["exhibitor_id"],
            ["exhibitor.id"],
            name=op.f("fk_booth_view_count_exhibitor_id_exhibitor"),
        ),
        sa.PrimaryKeyConstraint("exhibitor_id", "day", name=op.f("pk_booth_view_count")),
    )
    with op.batch_alter_table("booth_view_count") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_booth_view_count_event_id"), ["event_id"], unique=False
        )
    op.create_table(
        "product_view_count",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("exhibitor_id", sa.Integer(), nullable=False),
        sa.Column("views", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("views >= 0", name=op.f("ck_product_view_count_views")),
        sa.ForeignKeyConstraint(
            ["exhibitor_id"],
            ["exhibitor.id"],
            name=op.f("fk_product_view_count_exhibitor_id_exhibitor"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_product_view_count_product_id_product")
        ),
        sa.PrimaryKeyConstraint("product_id", "day", name=op.f("pk_product_view_count")),
    )
    with op.batch_alter_table("product_view_count") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_product_view_count_exhibitor_id"), ["exhibitor_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("product_view_count") as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_view_count_exhibitor_id"))
    op.drop_table("product_view_count")
    with op.batch_alter_table("booth_view_count") as batch_op:
        batch_op.drop_index(batch_op.f("ix_booth_view_count_event_id"))
    op.drop_table("booth_view_count")
    with op.batch_alter_table("booth_place") as batch_op:
        batch_op.drop_index(batch_op.f("ix_booth_place_event_id"))
    op.drop_table("booth_place")
    op.drop_table("floor_plan")
