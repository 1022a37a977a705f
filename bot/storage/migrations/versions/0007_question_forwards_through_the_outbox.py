"""question forwards through the outbox

A question forwarded to a coordinator is now an outbox message: the forward records the
message's dedupe key (`outbox_key`), and the outbox records Telegram's message id once it is
sent. Forwards sent before keep their `message_id`.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 20:16:07.940226
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("question_forward", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outbox_key", sa.String(length=128), nullable=True))
        batch_op.alter_column("message_id", existing_type=sa.BIGINT(), nullable=True)
        batch_op.create_unique_constraint(
            batch_op.f("uq_question_forward_outbox_key"), ["outbox_key"]
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_question_forward_message_or_outbox"),
            "message_id IS NOT NULL OR outbox_key IS NOT NULL",
        )


def downgrade() -> None:
    """Revert this revision: forwards the outbox sent get their message id back; those not
    sent yet (no message id to route by) are dropped."""
    op.execute(
        "UPDATE question_forward SET message_id = (SELECT outbox.telegram_message_id "
        "FROM outbox WHERE outbox.dedupe_key = question_forward.outbox_key) "
        "WHERE message_id IS NULL"
    )
    op.execute("DELETE FROM question_forward WHERE message_id IS NULL")
    with op.batch_alter_table("question_forward", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("ck_question_forward_message_or_outbox"), type_="check"
        )
        batch_op.drop_constraint(batch_op.f("uq_question_forward_outbox_key"), type_="unique")
        batch_op.alter_column("message_id", existing_type=sa.BIGINT(), nullable=False)
        batch_op.drop_column("outbox_key")
