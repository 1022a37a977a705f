"""broadcasts and introductions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 22:01:33.105774
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "broadcast",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("cohorts", sa.JSON(), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("file_path", sa.String(length=500), nullable=True),
        sa.Column("file_kind", sa.String(length=16), nullable=True),
        sa.Column("send_at", sa.DateTime(), nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=True),
        sa.Column("reported", sa.JSON(), nullable=True),
        sa.Column("confirm_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("confirm_message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "audience IS NULL OR audience IN ('students', 'supervisors', 'both')",
            name=op.f("ck_broadcast_audience"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'scheduled', 'sending', 'done', 'cancelled')",
            name=op.f("ck_broadcast_status"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["person.id"],
            name=op.f("fk_broadcast_created_by_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcast")),
    )
    with op.batch_alter_table("broadcast", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_broadcast_created_by"), ["created_by"], unique=False)
        batch_op.create_index(batch_op.f("ix_broadcast_status"), ["status"], unique=False)

    with op.batch_alter_table("cohort", schema=None) as batch_op:
        batch_op.add_column(sa.Column("welcome_text", sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f("ix_cohort_starts_on"), ["starts_on"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("cohort", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cohort_starts_on"))
        batch_op.drop_column("welcome_text")

    with op.batch_alter_table("broadcast", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_broadcast_status"))
        batch_op.drop_index(batch_op.f("ix_broadcast_created_by"))

    op.drop_table("broadcast")
