"""origin totals net of refunds

The daily rollups' "origin" rows (domestic, foreign, not asked) did not lose the money
of refunds, so on the dashboard and in the event report they added up to the net plus
the refunds. The writer now takes each refund off its sale's origin; this recomputes the
origin rows already stored, in SQL, from the sales and refunds (no other rollup row
changes). A database without any rollups is left alone: `pos init-db` fills all of them
after the upgrade.

Revision ID: 15dbde00ed3e
Revises: 6a1f0c2d9e51
Create Date: 2026-12-01 13:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "15dbde00ed3e"
down_revision = "6a1f0c2d9e51"
branch_labels = None
depends_on = None

RECOMPUTE_ORIGIN = """
INSERT INTO daily_rollup (exhibitor_id, business_date, dimension, key, event_id,
                          transactions, items, gross, discounts, refunds, tax, voids, amount)
SELECT exhibitor_id, business_date, 'origin', origin, MAX(event_id),
       SUM(transactions), 0, 0, 0, 0, 0, 0, SUM(amount)
FROM (
    SELECT exhibitor_id, business_date, COALESCE(buyer_origin, 'unknown') AS origin,
           event_id, 1 AS transactions, total AS amount
    FROM sale WHERE status <> 'voided'
    UNION ALL
    SELECT refund.exhibitor_id, refund.business_date,
           COALESCE(sale.buyer_origin, 'unknown') AS origin,
           refund.event_id, 0 AS transactions, -refund.amount AS amount
    FROM refund JOIN sale ON sale.id = refund.sale_id
) AS counted
GROUP BY exhibitor_id, business_date, origin
"""


def upgrade():
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM daily_rollup LIMIT 1")).first() is None:
        return
    bind.execute(sa.text("DELETE FROM daily_rollup WHERE dimension = 'origin'"))
    bind.execute(sa.text(RECOMPUTE_ORIGIN))


def downgrade():
    # The old writer's figures (refunds left in) are not worth restoring; the recomputed
    # rows are what `pos rebuild-totals` writes.
    pass
