"""SQL implementation of the outbox store (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.services.delivery.outbox import (
    DeliveryReport,
    MessageKind,
    OutboxItem,
    OutboxStatus,
    OutgoingMessage,
    Settlement,
)
from bot.storage.delivery.models import OutboxRow
from bot.storage.identity.models import PersonRow

INSERT_BATCH = 1000


class SqlOutboxStore:
    """Outbox rows in the main database; each call is its own short transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"

    async def enqueue(self, messages: Sequence[OutgoingMessage]) -> int:
        """Insert messages; a repeated dedupe key is skipped. Return how many were added."""
        insert = postgresql.insert if self._postgres else sqlite.insert
        added = 0
        async with self._engine.begin() as conn:
            for start in range(0, len(messages), INSERT_BATCH):
                rows = [_row(m) for m in messages[start : start + INSERT_BATCH]]
                stmt = (
                    insert(OutboxRow)
                    .on_conflict_do_nothing(index_elements=["dedupe_key"])
                    .returning(OutboxRow.id)
                )
                added += len((await conn.execute(stmt, rows)).all())
        return added

    async def claim(
        self, worker: str, now: datetime, lease: timedelta, limit: int
    ) -> list[OutboxItem]:
        """Lease due messages in one statement and count the attempt (so a message whose send
        kills the process still runs out of attempts); on PostgreSQL rows locked by another
        dispatcher are skipped, on SQLite the write lock serialises claims."""
        due = or_(
            and_(OutboxRow.status == OutboxStatus.PENDING, OutboxRow.not_before <= now),
            and_(OutboxRow.status == OutboxStatus.SENDING, OutboxRow.lease_until < now),
        )
        ids = (
            select(OutboxRow.id)
            .where(due)
            .order_by(OutboxRow.not_before, OutboxRow.id)
            .limit(limit)
        )
        if self._postgres:
            ids = ids.with_for_update(skip_locked=True)
        stmt = (
            update(OutboxRow)
            .where(OutboxRow.id.in_(ids.scalar_subquery()))
            .values(
                status=OutboxStatus.SENDING,
                leased_by=worker,
                lease_until=now + lease,
                attempts=OutboxRow.attempts + 1,
            )
            .returning(
                OutboxRow.id,
                OutboxRow.chat_id,
                OutboxRow.kind,
                OutboxRow.payload,
                OutboxRow.origin,
                OutboxRow.attempts,
                OutboxRow.useful_until,
                OutboxRow.failing_since,
            )
            .execution_options(synchronize_session=False)
        )
        async with self._engine.begin() as conn:
            rows = (await conn.execute(stmt)).all()
        items = [
            OutboxItem(
                r.id,
                r.chat_id,
                MessageKind(r.kind),
                dict(r.payload),
                r.origin,
                r.attempts,
                r.useful_until,
                r.failing_since,
            )
            for r in rows
        ]
        return sorted(items, key=lambda item: item.id)

    async def settle(self, settlements: Sequence[Settlement], worker: str | None = None) -> None:
        """Record outcomes in one executemany; only the dispatcher that still holds a lease may
        settle it."""
        if not settlements:
            return
        stmt = (
            update(OutboxRow)
            .where(OutboxRow.id == bindparam("b_id"), OutboxRow.status == OutboxStatus.SENDING)
            .values(
                status=bindparam("b_status"),
                not_before=func.coalesce(
                    bindparam("b_not_before", type_=OutboxRow.not_before.type),
                    OutboxRow.not_before,
                ),
                last_error=bindparam("b_error"),
                telegram_message_id=bindparam("b_message_id"),
                finished_at=bindparam("b_at", type_=OutboxRow.finished_at.type),
                attempts=func.coalesce(
                    bindparam("b_attempts", type_=OutboxRow.attempts.type), OutboxRow.attempts
                ),
                failing_since=func.coalesce(
                    OutboxRow.failing_since,
                    bindparam("b_failing_since", type_=OutboxRow.failing_since.type),
                ),
                leased_by=None,
                lease_until=None,
            )
            .execution_options(synchronize_session=False)
        )
        if worker is not None:
            stmt = stmt.where(OutboxRow.leased_by == worker)
        params = [
            {
                "b_id": s.id,
                "b_status": s.status.value,
                "b_not_before": s.not_before,
                "b_error": (s.error or None) and s.error[:500],
                "b_message_id": s.message_id,
                "b_at": s.at,
                "b_attempts": s.attempts,
                "b_failing_since": s.failing_since,
            }
            for s in settlements
        ]
        async with self._engine.begin() as conn:
            await conn.execute(stmt, params)

    async def block_chat(self, chat_id: int, now: datetime) -> None:
        """Mark the person inactive and cancel everything still waiting for them."""
        async with self._engine.begin() as conn:
            await conn.execute(
                update(PersonRow)
                .where(PersonRow.telegram_id == chat_id, PersonRow.active.is_(True))
                .values(active=False, blocked_at=now)
            )
            await conn.execute(
                update(OutboxRow)
                .where(OutboxRow.chat_id == chat_id, OutboxRow.status == OutboxStatus.PENDING)
                .values(status=OutboxStatus.CANCELLED, finished_at=now, last_error="blocked")
            )

    async def report(self, origin: str) -> DeliveryReport:
        """Return the counts per status for an origin."""
        query = (
            select(OutboxRow.status, func.count())
            .where(OutboxRow.origin == origin)
            .group_by(OutboxRow.status)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return DeliveryReport(origin, {OutboxStatus(status): count for status, count in rows})

    async def cancel(self, origin: str) -> int:
        """Cancel an origin's messages that have not been sent yet."""
        stmt = (
            update(OutboxRow)
            .where(OutboxRow.origin == origin, OutboxRow.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.CANCELLED)
        )
        async with self._engine.begin() as conn:
            return (await conn.execute(stmt)).rowcount


def _row(message: OutgoingMessage) -> dict[str, object]:
    return {
        "chat_id": message.chat_id,
        "person_id": message.person_id,
        "about_person_id": message.about_id,
        "kind": message.kind.value,
        "payload": message.payload,
        "origin": message.origin,
        "dedupe_key": message.dedupe_key,
        "status": OutboxStatus.PENDING.value,
        "not_before": message.not_before,
        "useful_until": message.useful_until,
        "attempts": 0,
    }
