"""printing: a booth's LAN receipt printers and the print queue

- ``printer``: a network ESC/POS printer of an exhibitor (address, paper, auto-print,
  the state the sender last found it in); removed printers stay, inactive.
- ``print_job``: one document for one printer with its ESC/POS bytes, its state and
  attempts; ``(status, next_attempt_at)`` indexed for the senders' question.

Revision ID: bc0f278eeba0
Revises: b41d7e2a9c35
Create Date: 2026-12-01 19:07:33.967021

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "bc0f278eeba0"
down_revision = "b41d7e2a9c35"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "printer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exhibitor_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("host", sa.String(length=253), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("paper", sa.String(length=8), nullable=False),
        sa.Column("auto_print", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("paper IN ('80mm', '72mm', '58mm')", name=op.f("ck_printer_paper")),
        sa.CheckConstraint(
            "status IN ('unknown', 'ready', 'unreachable', 'out_of_paper')",
            name=op.f("ck_printer_status"),
        ),
        sa.CheckConstraint("port BETWEEN 1 AND 65535", name=op.f("ck_printer_port")),
        sa.ForeignKeyConstraint(
            ["exhibitor_id"], ["exhibitor.id"], name=op.f("fk_printer_exhibitor_id_exhibitor")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_printer")),
    )
    with op.batch_alter_table("printer", schema=None) as batch_op:
        batch_op.create_index(
            "ix_printer_exhibitor_active", ["exhibitor_id", "active"], unique=False
        )

    op.create_table(
        "print_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("printer_id", sa.Integer(), nullable=False),
        sa.Column("sale_id", sa.Integer(), nullable=True),
        sa.Column("refund_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("copy", sa.Boolean(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("printed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('receipt', 'refund', 'test')", name=op.f("ck_print_job_kind")),
        sa.CheckConstraint(
            "status IN ('queued', 'printing', 'printed', 'retrying', 'failed')",
            name=op.f("ck_print_job_status"),
        ),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_print_job_attempts")),
        sa.ForeignKeyConstraint(
            ["printer_id"], ["printer.id"], name=op.f("fk_print_job_printer_id_printer")
        ),
        sa.ForeignKeyConstraint(
            ["refund_id"], ["refund.id"], name=op.f("fk_print_job_refund_id_refund")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["user_account.id"],
            name=op.f("fk_print_job_requested_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(["sale_id"], ["sale.id"], name=op.f("fk_print_job_sale_id_sale")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_print_job")),
    )
    with op.batch_alter_table("print_job", schema=None) as batch_op:
        batch_op.create_index("ix_print_job_printer_id", ["printer_id"], unique=False)
        batch_op.create_index("ix_print_job_sale_id", ["sale_id"], unique=False)
        batch_op.create_index(
            "ix_print_job_status_due", ["status", "next_attempt_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("print_job", schema=None) as batch_op:
        batch_op.drop_index("ix_print_job_status_due")
        batch_op.drop_index("ix_print_job_sale_id")
        batch_op.drop_index("ix_print_job_printer_id")

    op.drop_table("print_job")
    with op.batch_alter_table("printer", schema=None) as batch_op:
        batch_op.drop_index("ix_printer_exhibitor_active")

    op.drop_table("printer")
