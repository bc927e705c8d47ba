"""offline sales: devices, offline numbers, stock below zero by a shortfall, one open
shift per register

Revision ID: 6a1f0c2d9e51
Revises: 269fc3240944
Create Date: 2026-12-01 12:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "6a1f0c2d9e51"
down_revision = "269fc3240944"
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('sale', 'refund')"
NEW_KINDS = "kind IN ('sale', 'refund', 'device')"


def upgrade():
    op.create_table(
        "device",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exhibitor_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name=op.f("fk_device_created_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["exhibitor_id"], ["exhibitor.id"], name=op.f("fk_device_exhibitor_id_exhibitor")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device")),
        sa.UniqueConstraint("exhibitor_id", "code", name=op.f("uq_device_exhibitor_id_code")),
    )
    with op.batch_alter_table("sale") as batch_op:
        batch_op.add_column(sa.Column("device_code", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("offline_number", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("late", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_unique_constraint(
            op.f("uq_sale_exhibitor_id_offline_number"), ["exhibitor_id", "offline_number"]
        )
    with op.batch_alter_table("sale_line") as batch_op:
        batch_op.add_column(sa.Column("catalogue_price", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("short_by", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("product") as batch_op:
        batch_op.drop_constraint(op.f("ck_product_stock_not_negative"), type_="check")
    with op.batch_alter_table("stock_movement") as batch_op:
        batch_op.drop_constraint(
            op.f("ck_stock_movement_stock_after_not_negative"), type_="check"
        )
    with op.batch_alter_table("document_counter") as batch_op:
        batch_op.drop_constraint(op.f("ck_document_counter_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_document_counter_kind"), NEW_KINDS)
    # Before one open shift per register is enforced, close the extra ones a race may
    # have opened (the newest stays open; a closed one keeps its figures as they are).
    bind = op.get_bind()
    extra = bind.execute(
        sa.text(
            "SELECT s.id FROM shift s WHERE s.closed_at IS NULL AND EXISTS ("
            "SELECT 1 FROM shift t WHERE t.exhibitor_id = s.exhibitor_id "
            "AND t.register = s.register AND t.closed_at IS NULL AND t.id > s.id)"
        )
    ).scalars().all()
    for shift_id in extra:
        bind.execute(
            sa.text("UPDATE shift SET closed_at = opened_at WHERE id = :id"), {"id": shift_id}
        )
    op.create_index(
        "uq_shift_open_register",
        "shift",
        ["exhibitor_id", "register"],
        unique=True,
        sqlite_where=sa.text("closed_at IS NULL"),
        postgresql_where=sa.text("closed_at IS NULL"),
    )


def downgrade():
    op.drop_index(
        "uq_shift_open_register",
        table_name="shift",
        sqlite_where=sa.text("closed_at IS NULL"),
        postgresql_where=sa.text("closed_at IS NULL"),
    )
    with op.batch_alter_table("document_counter") as batch_op:
        batch_op.drop_constraint(op.f("ck_document_counter_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_document_counter_kind"), OLD_KINDS)
    with op.batch_alter_table("stock_movement") as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_stock_movement_stock_after_not_negative"), "stock_after >= 0"
        )
    with op.batch_alter_table("product") as batch_op:
        batch_op.create_check_constraint(op.f("ck_product_stock_not_negative"), "stock >= 0")
    with op.batch_alter_table("sale_line") as batch_op:
        batch_op.drop_column("short_by")
        batch_op.drop_column("catalogue_price")
    with op.batch_alter_table("sale") as batch_op:
        batch_op.drop_constraint(op.f("uq_sale_exhibitor_id_offline_number"), type_="unique")
        batch_op.drop_column("late")
        batch_op.drop_column("synced_at")
        batch_op.drop_column("offline_number")
        batch_op.drop_column("device_code")
    op.drop_table("device")
