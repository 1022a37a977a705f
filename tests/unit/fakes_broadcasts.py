"""In-memory broadcasts and outbox, for unit tests of the broadcast and introduction services."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.services.broadcasts.types import Broadcast, BroadcastStatus
from bot.services.delivery.outbox import (
    DeliveryReport,
    OutboxItem,
    OutboxStatus,
    OutgoingMessage,
    Settlement,
)


class FakeBroadcasts:
    """Broadcasts in the fake store (a dict of id -> Broadcast)."""

    def __init__(self, store: Any) -> None:
        self.s = store

    async def add(
        self, created_by: int | None, cohort_ids: Sequence[int], now: datetime
    ) -> Broadcast:
        """Create a draft."""
        ident = max(self.s.broadcasts, default=0) + 1
        draft = Broadcast(ident, BroadcastStatus.DRAFT, tuple(cohort_ids), created_by, now)
        self.s.broadcasts[ident] = draft
        return draft

    async def get(self, broadcast_id: int) -> Broadcast | None:
        """Return by id."""
        return self.s.broadcasts.get(broadcast_id)

    async def update(self, broadcast_id: int, **fields: object) -> Broadcast:
        """Change fields."""
        if "cohort_ids" in fields:
            fields["cohort_ids"] = tuple(fields["cohort_ids"])  # type: ignore[arg-type]
        changed = dataclasses.replace(self.s.broadcasts[broadcast_id], **fields)
        self.s.broadcasts[broadcast_id] = changed
        return changed

    async def transition(
        self,
        broadcast_id: int,
        from_statuses: Sequence[BroadcastStatus],
        to: BroadcastStatus,
        **fields: object,
    ) -> bool:
        """Change the status only from one of the given ones."""
        current = self.s.broadcasts.get(broadcast_id)
        if current is None or current.status not in from_statuses:
            return False
        await self.update(broadcast_id, status=to, **fields)
        return True

    async def with_status(
        self, statuses: Sequence[BroadcastStatus], created_by: int | None = None
    ) -> Sequence[Broadcast]:
        """Return broadcasts in some statuses."""
        return [
            b
            for b in self.s.broadcasts.values()
            if b.status in statuses and (created_by is None or b.created_by == created_by)
        ]


@dataclasses.dataclass
class Row:
    """An outbox row in memory."""

    message: OutgoingMessage
    status: OutboxStatus = OutboxStatus.PENDING
    message_id: int | None = None


class FakeOutbox:
    """The outbox as a list; `deliver()` plays the dispatcher for due messages. Given the fake
    database (`store`), it is a table there: what it sends is recorded in `store.sent`."""

    def __init__(self, store: Any = None) -> None:
        self.rows: list[Row] = []
        self._store = store
        self._next_message_id = 1000

    async def enqueue(self, messages: Sequence[OutgoingMessage]) -> int:
        """Add messages, skipping repeated dedupe keys."""
        keys = {r.message.dedupe_key for r in self.rows if r.message.dedupe_key}
        added = [m for m in messages if m.dedupe_key is None or m.dedupe_key not in keys]
        self.rows += [Row(m) for m in added]
        return len(added)

    async def claim(
        self, worker: str, now: datetime, lease: timedelta, limit: int
    ) -> list[OutboxItem]:
        """Not needed here."""
        raise NotImplementedError

    async def settle(self, settlements: Sequence[Settlement], worker: str | None = None) -> None:
        """Not needed here."""
        raise NotImplementedError

    async def block_chat(self, chat_id: int, now: datetime) -> None:
        """Cancel what waits for the chat and, given the fake database, mark its person
        inactive (as the SQL store does after a 403)."""
        for row in self.rows:
            if row.message.chat_id == chat_id and row.status is OutboxStatus.PENDING:
                row.status = OutboxStatus.CANCELLED
        if self._store is not None:
            for person in list(self._store.people.values()):
                if person.telegram_id == chat_id and person.active:
                    self._store.people[person.id] = dataclasses.replace(person, active=False)

    async def report(self, origin: str) -> DeliveryReport:
        """Count per status."""
        found: dict[OutboxStatus, int] = {}
        for row in self.rows:
            if row.message.origin == origin:
                found[row.status] = found.get(row.status, 0) + 1
        return DeliveryReport(origin, found)

    async def cancel(self, origin: str) -> int:
        """Cancel the pending messages of an origin."""
        pending = [
            r for r in self.rows if r.message.origin == origin and r.status is OutboxStatus.PENDING
        ]
        for row in pending:
            row.status = OutboxStatus.CANCELLED
        return len(pending)

    def deliver(self, now: datetime, status: OutboxStatus = OutboxStatus.SENT) -> list[Row]:
        """Settle every due pending message with a status; return them."""
        due = [
            r
            for r in self.rows
            if r.status is OutboxStatus.PENDING and r.message.not_before <= now
        ]
        for row in due:
            row.status = status
            if status is OutboxStatus.SENT:
                row.message_id = self._next_message_id = self._next_message_id + 1
                if self._store is not None and row.message.dedupe_key:
                    self._store.sent[(row.message.chat_id, row.message_id)] = (
                        row.message.dedupe_key
                    )
        return due

    def to(self, chat_id: int) -> list[OutgoingMessage]:
        """Return the messages for one chat."""
        return [r.message for r in self.rows if r.message.chat_id == chat_id]
