"""outbox deadlines

An outbox message may carry `useful_until` (after it the message is skipped, status
`skipped`, instead of sent late) and records `failing_since`, when its transient failures
began (retries for network errors and 5xx are limited by time, not by attempts).

Revision ID: 0013
Revises: 0012
Create Date: 2027-01-14 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = "status IN ('pending', 'sending', 'sent', 'failed', 'blocked', 'cancelled')"
NEW = "status IN ('pending', 'sending', 'sent', 'failed', 'blocked', 'cancelled', 'skipped')"


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("useful_until", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("failing_since", sa.DateTime(), nullable=True))
        batch_op.drop_constraint(batch_op.f("ck_outbox_status"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_outbox_status"), NEW)


def downgrade() -> None:
    """Revert this revision: skipped messages count as cancelled."""
    op.execute("UPDATE outbox SET status = 'cancelled' WHERE status = 'skipped'")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_outbox_status"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_outbox_status"), OLD)
        batch_op.drop_column("failing_since")
        batch_op.drop_column("useful_until")
