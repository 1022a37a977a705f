"""SQL implementation of the broadcast repository."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.broadcasts.types import Audience, Broadcast, BroadcastStatus
from bot.services.delivery.outbox import MessageKind
from bot.storage.base import affected
from bot.storage.broadcasts.models import BroadcastRow

FIELDS = {
    "status": "status",
    "cohort_ids": "cohorts",
    "audience": "audience",
    "text": "text",
    "file_path": "file_path",
    "file_kind": "file_kind",
    "send_at": "send_at",
    "confirm_chat_id": "confirm_chat_id",
    "confirm_message_id": "confirm_message_id",
    "recipients": "recipients",
    "reported": "reported",
}


def broadcast(row: BroadcastRow) -> Broadcast:
    """Convert a broadcast row."""
    return Broadcast(
        id=row.id,
        status=BroadcastStatus(row.status),
        cohort_ids=tuple(row.cohorts or ()),
        created_by=row.created_by,
        created_at=row.created_at,
        audience=Audience(row.audience) if row.audience else None,
        text=row.text,
        file_path=row.file_path,
        file_kind=MessageKind(row.file_kind) if row.file_kind else None,
        send_at=row.send_at,
        confirm_chat_id=row.confirm_chat_id,
        confirm_message_id=row.confirm_message_id,
        recipients=row.recipients,
        reported=dict(row.reported) if row.reported is not None else None,
    )


def _columns(fields: dict[str, object]) -> dict[str, object]:
    """Map domain field names to columns, turning enums and tuples into plain values."""
    values: dict[str, object] = {}
    for name, value in fields.items():
        if name not in FIELDS:
            raise ValueError(f"field {name} cannot be updated")
        if isinstance(value, tuple):
            value = list(value)
        values[FIELDS[name]] = getattr(value, "value", value)
    return values


class SqlBroadcastRepo:
    """Broadcasts and their drafts."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(
        self, created_by: int | None, cohort_ids: Sequence[int], now: datetime
    ) -> Broadcast:
        """Create a draft."""
        row = BroadcastRow(
            status=BroadcastStatus.DRAFT.value,
            cohorts=list(cohort_ids),
            created_by=created_by,
            created_at=now,
        )
        self._s.add(row)
        await self._s.flush()
        return broadcast(row)

    async def get(self, broadcast_id: int) -> Broadcast | None:
        """Return a broadcast by id (fresh from the database)."""
        row = await self._s.get(BroadcastRow, broadcast_id, populate_existing=True)
        return broadcast(row) if row else None

    async def update(self, broadcast_id: int, **fields: object) -> Broadcast:
        """Change fields of a broadcast."""
        row = await self._s.get(BroadcastRow, broadcast_id)
        if row is None:
            raise LookupError(f"broadcast {broadcast_id} not found")
        for column, value in _columns(fields).items():
            setattr(row, column, value)
        await self._s.flush()
        return broadcast(row)

    async def transition(
        self,
        broadcast_id: int,
        from_statuses: Sequence[BroadcastStatus],
        to: BroadcastStatus,
        **fields: object,
    ) -> bool:
        """Change the status in one conditional UPDATE, so only one caller ever wins."""
        stmt = (
            update(BroadcastRow)
            .where(
                BroadcastRow.id == broadcast_id,
                BroadcastRow.status.in_([s.value for s in from_statuses]),
            )
            .values(status=to.value, **_columns(fields))
            .execution_options(synchronize_session=False)
        )
        return affected(await self._s.execute(stmt)) == 1

    async def with_status(
        self, statuses: Sequence[BroadcastStatus], created_by: int | None = None
    ) -> Sequence[Broadcast]:
        """Return broadcasts in these statuses (of one author, if given), oldest first."""
        query = select(BroadcastRow).where(BroadcastRow.status.in_([s.value for s in statuses]))
        if created_by is not None:
            query = query.where(BroadcastRow.created_by == created_by)
        rows = await self._s.scalars(query.order_by(BroadcastRow.id))
        return [broadcast(r) for r in rows]
