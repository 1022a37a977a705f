"""SQL reader of the outbox's backlog (for the metrics and the stuck-outbox alert)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.services.delivery.outbox import OutboxStatus
from bot.services.delivery.watch import Backlog
from bot.storage.delivery.models import OutboxRow

WAITING = (OutboxStatus.PENDING, OutboxStatus.SENDING)


class SqlBacklogReader:
    """Two aggregate queries on the outbox table."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def backlog(self, now: datetime) -> Backlog:
        """Return the waiting messages by origin and the oldest due message's due time."""
        by_origin = (
            select(OutboxRow.origin, func.count())
            .where(OutboxRow.status.in_(WAITING))
            .group_by(OutboxRow.origin)
        )
        oldest = select(func.min(OutboxRow.not_before)).where(
            OutboxRow.status.in_(WAITING), OutboxRow.not_before <= now
        )
        async with self._engine.connect() as conn:
            waiting = {origin: int(count) for origin, count in (await conn.execute(by_origin))}
            oldest_due = (await conn.execute(oldest)).scalar_one_or_none()
        return Backlog(waiting, oldest_due)
