"""The daily rollups of a database written before refunds came off the buyer's origin:
the migration recomputes them, and `pos check` agrees afterwards."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from pos.db import MIGRATIONS_DIR, write_intent
from pos.sales import rollups
from tests.reports import scenario

BEFORE = "6a1f0c2d9e51"  # the revision before the origin rows were recomputed

# What the old writer kept: the origin rows of the kept sales, refunds not taken off.
OLD_ORIGIN_ROWS = """
INSERT INTO daily_rollup (exhibitor_id, business_date, dimension, key, event_id,
                          transactions, items, gross, discounts, refunds, tax, voids, amount)
SELECT exhibitor_id, business_date, 'origin', COALESCE(buyer_origin, 'unknown'),
       MAX(event_id), COUNT(*), 0, 0, 0, 0, 0, 0, SUM(total)
FROM sale WHERE status <> 'voided'
GROUP BY exhibitor_id, business_date, COALESCE(buyer_origin, 'unknown')
"""


def _origin(db, event_id) -> dict[str, int]:
    rows = db.session.execute(
        sa.text(
            "SELECT key, SUM(amount) FROM daily_rollup WHERE event_id = :e "
            "AND dimension = 'origin' GROUP BY key ORDER BY key"
        ),
        {"e": event_id},
    )
    return {key: int(amount) for key, amount in rows}


def test_the_migration_takes_refunds_off_the_origin_rows_already_stored(app, db):
    fair = scenario.build()
    with write_intent():
        db.session.execute(sa.text("DELETE FROM daily_rollup WHERE dimension = 'origin'"))
        db.session.execute(sa.text(OLD_ORIGIN_ROWS))
        db.session.commit()
    # As the old writer left them: domestic + foreign + not asked = net + refunds.
    assert _origin(db, fair.event.id) == {
        "domestic": 900_000,
        "foreign": 6_900_000,
        "unknown": 120_000,
    }
    assert any("origin" in line for line in rollups.differences())
    # End that read: going down drops tables that point at the ones it read, and
    # PostgreSQL would make the downgrade wait for this session's locks for ever.
    db.session.rollback()

    with write_intent():
        downgrade(directory=str(MIGRATIONS_DIR), revision=BEFORE)
    with write_intent():
        upgrade(directory=str(MIGRATIONS_DIR))

    db.session.commit()  # a fresh snapshot: the migration wrote on its own connection
    assert _origin(db, fair.event.id) == {
        "domestic": 783_870,
        "foreign": 5_250_000,
        "unknown": 120_000,
    }  # = the net, 6.153.870
    assert rollups.differences() == []


def test_the_migration_leaves_a_database_without_rollups_to_init_db(app, db, runner):
    fair = scenario.build()
    with write_intent():
        db.session.execute(sa.text("DELETE FROM daily_rollup"))
        db.session.commit()
    with write_intent():
        downgrade(directory=str(MIGRATIONS_DIR), revision=BEFORE)
    with write_intent():
        upgrade(directory=str(MIGRATIONS_DIR))
    assert db.session.scalar(sa.text("SELECT COUNT(*) FROM daily_rollup")) == 0
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0 and "Report totals computed" in result.output, result.output
    assert _origin(db, fair.event.id)["foreign"] == 5_250_000
    assert rollups.differences() == []
