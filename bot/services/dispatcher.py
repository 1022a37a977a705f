"""The outbox dispatcher: claims due messages, sends them at Telegram's limits, records
every outcome. Nothing is lost across crashes: a message is `sending` only while leased, and
a lease that runs out (the process died) makes it due again."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from bot.services.outbox_types import (
    OutboxItem,
    OutboxStatus,
    OutboxStore,
    OutcomeKind,
    Sender,
    SendOutcome,
    Settlement,
)
from bot.services.ports import Clock

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Limits:
    """Telegram's broadcast limits (configurable; tests and benchmarks scale them)."""

    overall_per_second: float = 30.0
    per_chat_interval: float = 1.0
    group_interval: float = 3.0  # 20 messages a minute in a group


@dataclass(slots=True)
class DispatchStats:
    """What one dispatcher did."""

    sent: int = 0
    failed: int = 0
    blocked: int = 0
    retried: int = 0
    rate_limited: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


class Pacer:
    """Spaces sends: overall rate, one message per interval per chat, slower for groups."""

    def __init__(self, limits: Limits, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._limits, self._now = limits, monotonic
        self._next_global = 0.0
        self._next_chat: dict[int, float] = {}
        self.paused_until = 0.0

    def delay(self, chat_id: int) -> float:
        """Reserve a slot for this chat; return how long to wait for it."""
        now = self._now()
        interval = self._limits.group_interval if chat_id < 0 else self._limits.per_chat_interval
        start = max(now, self._next_global, self._next_chat.get(chat_id, 0.0), self.paused_until)
        self._next_global = start + 1.0 / self._limits.overall_per_second
        self._next_chat[chat_id] = start + interval
        if len(self._next_chat) > 50_000:  # forget chats whose slot has passed
            self._next_chat = {c: t for c, t in self._next_chat.items() if t > now}
        return start - now

    def cooling(self, chat_id: int) -> bool:
        """Return whether this chat's next slot is later than the next overall slot."""
        return self._next_chat.get(chat_id, 0.0) > max(self._now(), self._next_global)

    def pause(self, seconds: float) -> None:
        """Stop all sending for a while (Telegram's flood control is per bot)."""
        self.paused_until = max(self.paused_until, self._now() + seconds)


class Dispatcher:
    """Drives the outbox: claim, pace, send, settle."""

    def __init__(
        self,
        store: OutboxStore,
        sender: Sender,
        clock: Clock,
        *,
        worker: str,
        limits: Limits = Limits(),
        lease: timedelta = timedelta(seconds=120),
        concurrency: int = 16,
        max_attempts: int = 5,
        idle_sleep: float = 0.5,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self._store, self._sender, self._clock = store, sender, clock
        self._worker, self._lease, self._max_attempts = worker, lease, max_attempts
        self._idle_sleep, self._sleep = idle_sleep, sleep
        self._pacer = Pacer(limits)
        self._claim_size = max(1, min(200, int(limits.overall_per_second)))
        self._sending = asyncio.Semaphore(concurrency)
        self._pending: list[Settlement] = []
        self.stats = DispatchStats()

    async def run(self, stop: asyncio.Event) -> None:
        """Dispatch until `stop` is set; an error in one round never ends the loop."""
        while not stop.is_set():
            try:
                handled = await self.tick()
            except Exception:  # the database or network hiccuped: try again shortly
                log.exception("dispatcher round failed")
                handled = 0
            if handled == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._idle_sleep)

    async def tick(self) -> int:
        """Claim one batch of due messages and send it; return how many were claimed."""
        await self._flush()  # outcomes a failed flush kept back
        items = await self._store.claim(
            self._worker, self._clock.now(), self._lease, self._claim_size
        )
        if not items:
            return 0
        tasks = []
        queue = deque(items)
        deferred = 0
        while queue:
            item = queue.popleft()
            # A chat that is still cooling down waits at the back, so it never holds up the
            # others (until only cooling chats are left).
            if self._pacer.cooling(item.chat_id) and deferred < len(queue):
                queue.append(item)
                deferred += 1
                continue
            deferred = 0
            await self._sending.acquire()  # take a pacing slot only when a sender is free
            wait = self._pacer.delay(item.chat_id)
            if wait > 0:
                await self._sleep(wait)
            tasks.append(asyncio.create_task(self._send(item)))
        await asyncio.gather(*tasks)
        await self._flush()
        return len(items)

    async def _send(self, item: OutboxItem) -> None:
        try:
            outcome = await self._sender.send(item)
        finally:
            self._sending.release()
        self.stats.outcomes[outcome.kind] = self.stats.outcomes.get(outcome.kind, 0) + 1
        if outcome.kind is OutcomeKind.BLOCKED:
            await self._store.block_chat(item.chat_id, self._clock.now())
        self._pending.append(self._settlement(item, outcome))
        if len(self._pending) >= 10:  # record results often: fewer repeats after a crash
            await self._flush()

    async def _flush(self) -> None:
        """Record outcomes; if the database fails, keep them for the next flush."""
        batch, self._pending = self._pending, []
        if not batch:
            return
        try:
            await self._store.settle(batch, self._worker)
        except Exception:
            self._pending = batch + self._pending
            log.exception("could not record %s outcomes; will retry", len(batch))

    def _settlement(self, item: OutboxItem, outcome: SendOutcome) -> Settlement:
        """Decide what becomes of a message after one attempt."""
        now = self._clock.now()
        attempts = item.attempts + 1
        if outcome.kind is OutcomeKind.SENT:
            self.stats.sent += 1
            return Settlement(item.id, OutboxStatus.SENT, message_id=outcome.message_id, at=now)
        if outcome.kind is OutcomeKind.RETRY_AFTER:
            self.stats.rate_limited += 1
            self._pacer.pause(outcome.retry_after)
            later = now + timedelta(seconds=outcome.retry_after)
            return Settlement(item.id, OutboxStatus.PENDING, later, outcome.error)
        if outcome.kind is OutcomeKind.BLOCKED:
            self.stats.blocked += 1
            return Settlement(item.id, OutboxStatus.BLOCKED, error=outcome.error, at=now)
        if outcome.kind is OutcomeKind.BAD_REQUEST or attempts >= self._max_attempts:
            self.stats.failed += 1
            return Settlement(item.id, OutboxStatus.FAILED, error=outcome.error, at=now)
        self.stats.retried += 1
        backoff = min(300.0, 2.0**attempts) * random.uniform(0.8, 1.2)
        return Settlement(
            item.id, OutboxStatus.PENDING, now + timedelta(seconds=backoff), outcome.error
        )
