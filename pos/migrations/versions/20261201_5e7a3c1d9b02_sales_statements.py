"""sales statements: the organizer's name and office on the event, and issued statements

- ``event.organizer_name`` and ``event.organizer_office``: who issues the exhibitors'
  sales statements (printed on them).
- ``sales_statement``: one row per statement issued, with its frozen figures (a JSON
  snapshot and its SHA-256), the unique token of its public page ``/v/<token>``, and its
  revocation.

Revision ID: 5e7a3c1d9b02
Revises: bc0f278eeba0
Create Date: 2026-12-01 19:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "5e7a3c1d9b02"
down_revision = "bc0f278eeba0"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("event") as batch_op:
        batch_op.add_column(
            sa.Column("organizer_name", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("organizer_office", sa.Text(), nullable=False, server_default="")
        )
    op.create_table(
        "sales_statement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("exhibitor_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("snapshot_sha256", sa.String(length=64), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("language IN ('id', 'en')", name=op.f("ck_sales_statement_language")),
        sa.CheckConstraint(
            "length(token) >= 32", name=op.f("ck_sales_statement_token_long_enough")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_sales_statement_event_id_event")
        ),
        sa.ForeignKeyConstraint(
            ["exhibitor_id"],
            ["exhibitor.id"],
            name=op.f("fk_sales_statement_exhibitor_id_exhibitor"),
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["user_account.id"],
            name=op.f("fk_sales_statement_issued_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"],
            ["user_account.id"],
            name=op.f("fk_sales_statement_revoked_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_statement")),
        sa.UniqueConstraint("token", name=op.f("uq_sales_statement_token")),
    )
    with op.batch_alter_table("sales_statement") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sales_statement_event_id"), ["event_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sales_statement_exhibitor_id"), ["exhibitor_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("sales_statement") as batch_op:
        batch_op.drop_index(batch_op.f("ix_sales_statement_exhibitor_id"))
        batch_op.drop_index(batch_op.f("ix_sales_statement_event_id"))
    op.drop_table("sales_statement")
    # Not in batch mode: on SQLite that copies the event table, which the exhibitors'
    # foreign keys forbid; SQLite (3.35+) and PostgreSQL both drop a column in place.
    op.execute(sa.text("ALTER TABLE event DROP COLUMN organizer_office"))
    op.execute(sa.text("ALTER TABLE event DROP COLUMN organizer_name"))
