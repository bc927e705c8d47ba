"""local hour of sales and refunds

Revision ID: debbbdfe12c9
Revises: 3ccc4f2ed42c
Create Date: 2026-11-28 09:15:29.429132

"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "debbbdfe12c9"
down_revision = "3ccc4f2ed42c"
branch_labels = None
depends_on = None


def _backfill(table: str, owner_join: str) -> None:
    """The local hour of the rows already there, from their UTC time and their event."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            f"SELECT {table}.id, {table}.created_at, event.timezone FROM {table} "
            f"JOIN event ON event.id = {owner_join}"
        )
    ).all()
    updates = []
    for row_id, created_at, timezone in rows:
        if isinstance(created_at, str):
            created_at = datetime.fromisoformat(created_at)
        if created_at.tzinfo is None:
            created_at = created_at.replace(tzinfo=UTC)
        updates.append({"id": row_id, "hour": created_at.astimezone(ZoneInfo(timezone)).hour})
    if updates:
        bind.execute(sa.text(f"UPDATE {table} SET business_hour = :hour WHERE id = :id"), updates)


def upgrade():
    with op.batch_alter_table("refund", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("business_hour", sa.SmallInteger(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("sale", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("business_hour", sa.SmallInteger(), nullable=False, server_default="0")
        )
    _backfill("sale", "sale.event_id")
    _backfill("refund", "refund.event_id")


def downgrade():
    with op.batch_alter_table("sale", schema=None) as batch_op:
        batch_op.drop_column("business_hour")
    with op.batch_alter_table("refund", schema=None) as batch_op:
        batch_op.drop_column("business_hour")
