"""audit entries by event

Every audit entry now names its event (the booth's, else the event its organizer
runs), so an event's organizers read its audit log with one index. Entries written
before get theirs the same way, in SQL.

Revision ID: bff435d33923
Revises: 15dbde00ed3e
Create Date: 2026-12-01 15:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "bff435d33923"
down_revision = "15dbde00ed3e"
branch_labels = None
depends_on = None

EVENT_OF_THE_BOOTH = """
UPDATE audit_entry SET event_id = (
    SELECT exhibitor.event_id FROM exhibitor WHERE exhibitor.id = audit_entry.exhibitor_id
) WHERE event_id IS NULL AND exhibitor_id IS NOT NULL
"""
EVENT_OF_THE_ORGANIZER = """
UPDATE audit_entry SET event_id = (
    SELECT user_account.event_id FROM user_account WHERE user_account.id = audit_entry.user_id
) WHERE event_id IS NULL AND user_id IS NOT NULL
"""


def upgrade():
    bind = op.get_bind()
    bind.execute(sa.text(EVENT_OF_THE_BOOTH))
    bind.execute(sa.text(EVENT_OF_THE_ORGANIZER))
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entry_event_at", ["event_id", "at"], unique=False)


def downgrade():
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entry_event_at")
