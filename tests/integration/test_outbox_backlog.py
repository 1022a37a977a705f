"""The outbox backlog read from SQL (SQLite and PostgreSQL): waiting messages by origin and
the oldest due one, for the metrics and the stuck-outbox alert."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.services.delivery.outbox import OutboxStatus, OutgoingMessage, Settlement
from bot.services.delivery.watch import Backlog
from bot.storage.delivery.backlog import SqlBacklogReader
from bot.storage.delivery.outbox import SqlOutboxStore

NOW = datetime(2027, 2, 3, 8, 0, tzinfo=UTC)


async def test_backlog_counts_waiting_messages_and_finds_the_oldest_due(
    engine: AsyncEngine,
) -> None:
    store, reader = SqlOutboxStore(engine), SqlBacklogReader(engine)
    assert await reader.backlog(NOW) == Backlog({}, None)
    await store.enqueue(
        [
            OutgoingMessage(1, {"text": "a"}, "broadcast:1", NOW - timedelta(minutes=40)),
            OutgoingMessage(2, {"text": "b"}, "broadcast:1", NOW - timedelta(minutes=5)),
            OutgoingMessage(3, {"text": "c"}, "prompt", NOW + timedelta(hours=2)),  # not due
            OutgoingMessage(4, {"text": "d"}, "prompt", NOW - timedelta(hours=3)),
        ]
    )
    claimed = await store.claim("w", NOW, timedelta(minutes=2), 10)
    done = next(item for item in claimed if item.chat_id == 4)
    await store.settle([Settlement(done.id, OutboxStatus.SENT, at=NOW)], "w")

    backlog = await reader.backlog(NOW)
    assert backlog.waiting == {"broadcast:1": 2, "prompt": 1}
    assert backlog.oldest_due == NOW - timedelta(minutes=40)
    assert backlog.lag(NOW) == timedelta(minutes=40)
