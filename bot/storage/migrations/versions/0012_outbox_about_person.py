"""outbox about person

`outbox.about_person_id`: whom a message is about when it carries their name or words to
someone else (a student's self-assessment in a supervisor's request, a link notice, a
forwarded question), so that `/slet` cancels and empties those messages too.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 00:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("about_person_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_outbox_about_person_id"), ["about_person_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_about_person_id_person"),
            "person",
            ["about_person_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_outbox_about_person_id_person"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_outbox_about_person_id"))
        batch_op.drop_column("about_person_id")
