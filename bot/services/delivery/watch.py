"""Watching the outbox: how much waits, how late the oldest due message is, and an alert
to the admins when it is stuck."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from bot.services.kernel.operations import Operations
from bot.services.kernel.ports import Clock
from bot.services.kernel.telemetry import origin_family


@dataclass(frozen=True, slots=True)
class Backlog:
    """Messages waiting (pending or being sent) by origin, and the oldest due one's time."""

    waiting: dict[str, int] = field(default_factory=dict)
    oldest_due: datetime | None = None

    def lag(self, now: datetime) -> timedelta:
        """Return how long the oldest due message has waited (zero when none is due)."""
        if self.oldest_due is None:
            return timedelta(0)
        return max(timedelta(0), now - self.oldest_due)


class BacklogReader(Protocol):
    """Reads the outbox's backlog."""

    async def backlog(self, now: datetime) -> Backlog:
        """Return what waits and the oldest due message's due time."""
        ...


class OutboxWatch:
    """Publishes the backlog and tells the admins when the outbox is stuck."""

    def __init__(self, reader: BacklogReader, clock: Clock, operations: Operations) -> None:
        self._reader, self._clock, self._ops = reader, clock, operations

    async def tick(self) -> timedelta:
        """Measure the backlog, alert when the oldest due message waits too long, and send
        the admins the counts of repeated alerts; return the lag."""
        now = self._clock.now()
        backlog = await self._reader.backlog(now)
        lag = backlog.lag(now)
        waiting: dict[str, int] = {}
        for origin, count in backlog.waiting.items():
            family = origin_family(origin)
            waiting[family] = waiting.get(family, 0) + count
        self._ops.telemetry.outbox_backlog(waiting, lag.total_seconds())
        if lag > self._ops.outbox_stuck_after:
            await self._ops.alerts.outbox_stuck(lag, sum(waiting.values()))
        await self._ops.alerts.flush()
        return lag
