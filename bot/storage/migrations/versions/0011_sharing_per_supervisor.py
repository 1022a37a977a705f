"""sharing per supervisor

A shared logbook entry is seen by the supervisors it was shared with, one `reflection_share`
row each, not by every supervisor ever linked to the student. Existing shares go to the
supervisors who were linked when the entry was shared.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 01:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "reflection_share",
        sa.Column("reflection_id", sa.Integer(), nullable=False),
        sa.Column("supervisor_id", sa.Integer(), nullable=False),
        sa.Column("shared_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reflection_id"],
            ["reflection.id"],
            name=op.f("fk_reflection_share_reflection_id_reflection"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["supervisor_id"],
            ["person.id"],
            name=op.f("fk_reflection_share_supervisor_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "reflection_id", "supervisor_id", name=op.f("pk_reflection_share")
        ),
    )
    with op.batch_alter_table("reflection_share", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reflection_share_supervisor_id"), ["supervisor_id"], unique=False
        )
    op.execute(
        "INSERT INTO reflection_share (reflection_id, supervisor_id, shared_at) "
        "SELECT DISTINCT r.id, l.supervisor_id, r.shared_at FROM reflection r "
        "JOIN supervision_link l ON l.student_id = r.person_id "
        "WHERE r.shared_at IS NOT NULL AND l.created_at <= r.shared_at"
    )


def downgrade() -> None:
    """Revert this revision (an entry stays shared while it has its `shared_at`)."""
    with op.batch_alter_table("reflection_share", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reflection_share_supervisor_id"))
    op.drop_table("reflection_share")
