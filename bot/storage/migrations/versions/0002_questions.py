"""questions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 21:19:25.769411
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("cohort_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("text", sa.String(length=1000), nullable=False),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sa.Column("abstained", sa.Boolean(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("helpful", sa.Boolean(), nullable=True),
        sa.Column("handed_off_at", sa.DateTime(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["answered_by"],
            ["person.id"],
            name=op.f("fk_question_answered_by_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohort.id"],
            name=op.f("fk_question_cohort_id_cohort"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_question_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question")),
    )
    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_question_asked_at"), ["asked_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_question_cohort_id"), ["cohort_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_question_person_id"), ["person_id"], unique=False)

    op.create_table(
        "question_forward",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_question_forward_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["question.id"],
            name=op.f("fk_question_forward_question_id_question"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_forward")),
        sa.UniqueConstraint(
            "person_id", "message_id", name=op.f("uq_question_forward_person_id_message_id")
        ),
    )
    with op.batch_alter_table("question_forward", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_question_forward_question_id"), ["question_id"], unique=False
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("question_forward", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_forward_question_id"))

    op.drop_table("question_forward")
    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_person_id"))
        batch_op.drop_index(batch_op.f("ix_question_cohort_id"))
        batch_op.drop_index(batch_op.f("ix_question_asked_at"))

    op.drop_table("question")
