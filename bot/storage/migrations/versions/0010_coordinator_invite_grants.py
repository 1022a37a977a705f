"""coordinator invite grants

Only operators create coordinator invites, unless an operator granted a coordinator that
right for a cohort (`praktikbot invite grant`): `membership.may_invite_coordinators`.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08 00:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "may_invite_coordinators", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_column("may_invite_coordinators")
