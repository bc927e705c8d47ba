"""accounts: server-side sessions, indexes for the sign-in throttle, PINs for cashiers only

- ``user_session``: one row per signed-in browser (the cookie holds a random key whose
  SHA-256 is stored), so signing out, a password change or a deactivation ends it on
  the server.
- Two indexes on ``audit_entry`` for counting an account's recent failed sign-ins
  (by username) and PINs (by user).
- PINs are for cashiers only: the PINs that managers or organizers had set for
  themselves are removed (they sign in with their password).

Revision ID: b41d7e2a9c35
Revises: bff435d33923
Create Date: 2026-12-01 15:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "b41d7e2a9c35"
down_revision = "bff435d33923"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "user_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("agent_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_user_session_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_session")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_user_session_key_hash")),
    )
    with op.batch_alter_table("user_session") as batch_op:
        batch_op.create_index(batch_op.f("ix_user_session_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("audit_entry") as batch_op:
        batch_op.create_index(
            "ix_audit_entry_action_username_at", ["action", "username", "at"], unique=False
        )
        batch_op.create_index(
            "ix_audit_entry_action_user_id_at", ["action", "user_id", "at"], unique=False
        )
    op.execute(sa.text("UPDATE user_account SET pin_hash = NULL WHERE role <> 'cashier'"))


def downgrade():
    with op.batch_alter_table("audit_entry") as batch_op:
        batch_op.drop_index("ix_audit_entry_action_user_id_at")
        batch_op.drop_index("ix_audit_entry_action_username_at")
    with op.batch_alter_table("user_session") as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_session_user_id"))
    op.drop_table("user_session")
