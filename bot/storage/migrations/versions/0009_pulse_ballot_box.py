"""pulse ballot box and tallies

A pulse answer no longer stores a score row in the answer's own transaction: it drops a
ballot (random token, cohort, week, score) that a later transaction counts into
`pulse_tally` together with at least four others, so a counted score cannot be joined to the
person's ask by transaction id, time or id order. Existing scores move into the tallies.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08 00:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "pulse_ballot",
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name=op.f("ck_pulse_ballot_score")),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohort.id"],
            name=op.f("fk_pulse_ballot_cohort_id_cohort"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_pulse_ballot")),
    )
    with op.batch_alter_table("pulse_ballot", schema=None) as batch_op:
        batch_op.create_index("ix_pulse_ballot_cohort_week", ["cohort_id", "week_start"])
    op.create_table(
        "pulse_tally",
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name=op.f("ck_pulse_tally_score")),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohort.id"],
            name=op.f("fk_pulse_tally_cohort_id_cohort"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("cohort_id", "week_start", "score", name=op.f("pk_pulse_tally")),
    )
    op.execute(
        "INSERT INTO pulse_tally (cohort_id, week_start, score, answers) "
        "SELECT cohort_id, week_start, score, COUNT(*) FROM pulse_response "
        "GROUP BY cohort_id, week_start, score"
    )
    with op.batch_alter_table("pulse_response", schema=None) as batch_op:
        batch_op.drop_index("ix_pulse_response_cohort_week")
    op.drop_table("pulse_response")


def downgrade() -> None:
    """Revert this revision (tallies become one row per answer again; ballots are counted)."""
    op.create_table(
        "pulse_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name=op.f("ck_pulse_response_score")),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohort.id"],
            name=op.f("fk_pulse_response_cohort_id_cohort"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pulse_response")),
    )
    with op.batch_alter_table("pulse_response", schema=None) as batch_op:
        batch_op.create_index(
            "ix_pulse_response_cohort_week", ["cohort_id", "week_start"], unique=False
        )
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT cohort_id, week_start, score, answers FROM pulse_tally UNION ALL "
            "SELECT cohort_id, week_start, score, 1 FROM pulse_ballot"
        )
    ).all()
    expanded = [
        {"c": cohort, "w": week, "s": score}
        for cohort, week, score, answers in rows
        for _ in range(answers)
    ]
    if expanded:
        connection.execute(
            sa.text(
                "INSERT INTO pulse_response (cohort_id, week_start, score) VALUES (:c, :w, :s)"
            ),
            expanded,
        )
    op.drop_table("pulse_tally")
    with op.batch_alter_table("pulse_ballot", schema=None) as batch_op:
        batch_op.drop_index("ix_pulse_ballot_cohort_week")
    op.drop_table("pulse_ballot")
