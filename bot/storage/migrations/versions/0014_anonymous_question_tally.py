"""anonymous question tally

Questions from people who have not enrolled are counted per (UTC) day in
`anonymous_question_tally`; only the first ANONYMOUS_QUESTIONS_PER_DAY of a day are stored as
`question` rows, so anyone writing to the bot cannot grow the table without limit.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 00:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "anonymous_question_tally",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("asked", sa.Integer(), nullable=False),
        sa.Column("abstained", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_anonymous_question_tally")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("anonymous_question_tally")
