"""The outbox dispatcher: claims due messages, sends them at Telegram's limits, records
every outcome. Nothing is lost across crashes: a message is `sending` only while leased, and
a lease that runs out (the process died) makes it due again. Each claim counts an attempt, so
a message whose send kills the process every time still ends `failed` at the limit.

Nothing is lost to an outage either: network errors and 5xx open a circuit breaker that pauses
sending (probing now and then) and give the attempt back; such a message is retried for
`retry_for` (a day by default) since its first failure, not for a number of attempts. A message
whose useful time has passed (`useful_until`) is skipped with a reason, never sent late."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.services.delivery.breaker import BreakerState, CircuitBreaker
from bot.services.delivery.outbox import (
    OutboxItem,
    OutboxStatus,
    OutboxStore,
    OutcomeKind,
    Sender,
    SendOutcome,
    Settlement,
)
from bot.services.kernel.ports import Clock
from bot.services.kernel.repeats import RepeatedFailure

log = logging.getLogger(__name__)
RETRY_BACKOFF_CAP = 120.0  # seconds: a message that keeps failing is tried at least this often
PAST_USEFUL_TIME = "past its useful time"


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
    skipped: int = 0
    held_back: int = 0  # claimed, then put back unsent because the breaker opened
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
        retry_for: timedelta = timedelta(hours=24),
        idle_sleep: float = 0.5,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        breaker: CircuitBreaker | None = None,
        alive: Callable[[], None] = lambda: None,
    ) -> None:
        self._store, self._sender, self._clock = store, sender, clock
        self._alive = alive  # called every round, also while paused (the health heartbeat)
        self._retry_for = retry_for
        self.breaker = breaker or CircuitBreaker(lambda: clock.now().timestamp())
        self._paused_at: datetime | None = None
        self._round_failures = RepeatedFailure(log, "dispatcher round")
        self._flush_failures = RepeatedFailure(log, "recording outcomes")
        self._worker, self._lease, self._max_attempts = worker, lease, max_attempts
        self._idle_sleep, self._sleep = idle_sleep, sleep
        self._pacer = Pacer(limits)
        self._claim_size = max(1, min(200, int(limits.overall_per_second)))
        # Outcomes kept before they are recorded: 10, or about 10 ms of sending at high rates
        # (fewer, larger settle statements; a crash repeats at most these and those in flight).
        self._flush_at = max(10, min(50, int(limits.overall_per_second / 100)))
        self._sending = asyncio.Semaphore(concurrency)
        self._pending: list[Settlement] = []
        self._writing = asyncio.Lock()  # one claim or settle at a time (SQLite's one writer)
        self._in_flight: set[asyncio.Task[None]] = set()
        self._unrecorded: set[int] = set()  # ids being sent, or sent with the outcome unsaved
        self.stats = DispatchStats()

    async def run(self, stop: asyncio.Event) -> None:
        """Dispatch until `stop` is set; an error in one round never ends the loop."""
        while not stop.is_set():
            try:
                # The next batch is claimed while the last sends of this one are in flight.
                handled = await self._round()
                if handled == 0:
                    await self._drain()
            except Exception as exc:  # the database hiccuped: try again shortly, log sparingly
                self._round_failures.failed(exc)
                handled = 0
            else:
                self._round_failures.succeeded()
            if handled == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._idle_sleep)
        await self._drain()

    async def tick(self) -> int:
        """Claim one batch of due messages, send it and record every outcome; return how many
        were claimed."""
        handled = await self._round()
        await self._drain()
        return handled

    async def _round(self) -> int:
        """Claim one batch and start its sends; return how many it took on."""
        await self._flush()  # outcomes a failed flush kept back
        self._alive()
        if self.breaker.wait() > 0:  # Telegram is away: claim nothing until the next probe
            return 0
        # Half-open, one message is the probe; the rest wait until Telegram answers it.
        size = self._claim_size if self.breaker.state is BreakerState.CLOSED else 1
        async with self._writing:
            claimed = await self._store.claim(self._worker, self._clock.now(), self._lease, size)
        # Claims overlap the previous batch's last sends; if a lease ran out meanwhile (a
        # stalled process), the send still under way records the outcome: never send twice.
        items = [item for item in claimed if item.id not in self._unrecorded]
        async for task in self._start_sends(items):
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
        return len(items)

    async def _drain(self) -> None:
        """Wait for the sends in flight, then record what is left."""
        results = await asyncio.gather(*self._in_flight, return_exceptions=True)
        for result in results:
            if isinstance(result, Exception):
                log.error("a send ended in an error", exc_info=result)
        await self._flush()

    async def _start_sends(self, items: list[OutboxItem]) -> AsyncIterator[asyncio.Task[None]]:
        """Start a send for each item as its pacing slot comes and a sender is free."""
        queue = deque(items)
        deferred = 0
        while queue:
            item = queue.popleft()
            if item.attempts > self._max_attempts:  # every attempt so far died mid-send
                self._pending.append(self._give_up(item))
                continue
            if item.useful_until is not None and item.useful_until < self._clock.now():
                self._pending.append(self._skip(item))
                continue
            # A chat that is still cooling down waits at the back, so it never holds up the
            # others (until only cooling chats are left).
            if self._pacer.cooling(item.chat_id) and deferred < len(queue):
                queue.append(item)
                deferred += 1
                continue
            deferred = 0
            await self._sending.acquire()  # take a pacing slot only when a sender is free
            if not self.breaker.try_acquire():  # it opened meanwhile: put the rest back
                self._sending.release()
                self._hold_back([item, *queue])
                return
            wait = self._pacer.delay(item.chat_id)
            if wait > 0:
                await self._sleep(wait)
            self._unrecorded.add(item.id)
            yield asyncio.create_task(self._send(item))

    async def _send(self, item: OutboxItem) -> None:
        """Send one message, keep its settlement, and record a batch when none is recording."""
        try:
            try:
                outcome = await self._sender.send(item)
            except BaseException:
                self.breaker.failure()  # never leave a probe unanswered
                raise
            finally:
                self._sending.release()
            self._record_health(outcome)
            self.stats.outcomes[outcome.kind] = self.stats.outcomes.get(outcome.kind, 0) + 1
            if outcome.kind is OutcomeKind.BLOCKED:
                await self._store.block_chat(item.chat_id, self._clock.now())
        except Exception:
            self._unrecorded.discard(item.id)  # no outcome: once its lease runs out, try again
            raise
        self._pending.append(self._settlement(item, outcome))
        # Record results often (fewer repeats after a crash), one batch at a time: outcomes
        # that arrive while a batch is being written go into the next one (group commit).
        if len(self._pending) >= self._flush_at and not self._writing.locked():
            await self._flush()

    def _record_health(self, outcome: SendOutcome) -> None:
        """Tell the breaker how Telegram did; log once when sending pauses and resumes."""
        was_closed = self.breaker.state is BreakerState.CLOSED
        if outcome.kind is OutcomeKind.TRANSIENT:
            self.breaker.failure()
            if was_closed and self.breaker.state is not BreakerState.CLOSED:
                self._paused_at = self._clock.now()
                log.warning("Telegram unreachable (%s): sending paused", outcome.error)
            return
        self.breaker.success()  # any answer from Telegram, even a refusal, shows it is there
        if not was_closed and self._paused_at is not None:
            paused = (self._clock.now() - self._paused_at).total_seconds()
            log.warning("Telegram answers again: sending resumed after %.0f s", paused)
            self._paused_at = None

    async def _flush(self) -> None:
        """Record outcomes; if the database fails, keep them for the next flush."""
        async with self._writing:
            batch, self._pending = self._pending, []
            if not batch:
                return
            try:
                await self._store.settle(batch, self._worker)
            except Exception as exc:
                self._pending = batch + self._pending
                self._flush_failures.failed(exc)
            else:
                self._flush_failures.succeeded()
                self._unrecorded.difference_update(s.id for s in batch)

    def _hold_back(self, items: list[OutboxItem]) -> None:
        """Put claimed messages back unsent, their attempt given back (the breaker opened)."""
        self.stats.held_back += len(items)
        for item in items:
            self._pending.append(
                Settlement(item.id, OutboxStatus.PENDING, None, None, attempts=item.attempts - 1)
            )

    def _skip(self, item: OutboxItem) -> Settlement:
        """Skip a message whose useful time has passed (sending it late would mislead)."""
        self.stats.skipped += 1
        return Settlement(
            item.id,
            OutboxStatus.SKIPPED,
            error=PAST_USEFUL_TIME,
            at=self._clock.now(),
            attempts=item.attempts - 1,
        )

    def _give_up(self, item: OutboxItem) -> Settlement:
        """Fail a message whose last attempt ended without an outcome, at the attempt limit."""
        self.stats.failed += 1
        tried = item.attempts - 1  # this claim sends nothing
        error = f"gave up after {tried} attempts; the last ended without an outcome (crash?)"
        return Settlement(
            item.id, OutboxStatus.FAILED, error=error, at=self._clock.now(), attempts=tried
        )

    def _settlement(self, item: OutboxItem, outcome: SendOutcome) -> Settlement:
        """Decide what becomes of a message after one attempt (counted when it was claimed)."""
        now, tried, error = self._clock.now(), item.attempts, outcome.error
        if outcome.kind is OutcomeKind.RETRY_AFTER:  # our pacing, not the message: no attempt
            self.stats.rate_limited += 1
            self._pacer.pause(outcome.retry_after)
            later = now + timedelta(seconds=outcome.retry_after)
            return Settlement(item.id, OutboxStatus.PENDING, later, error, attempts=tried - 1)
        if outcome.kind is OutcomeKind.TRANSIENT:
            since = item.failing_since or now
            if now - since < self._retry_for:  # Telegram or the network is away: not our fault
                self.stats.retried += 1
                # Wait about as long as it has been failing (doubling), capped; the breaker
                # does the pausing for an outage, this spaces a message that fails alone.
                failing = (now - since).total_seconds()
                backoff = min(RETRY_BACKOFF_CAP, max(1.0, failing)) * random.uniform(0.8, 1.2)
                later = now + timedelta(seconds=backoff)
                return Settlement(
                    item.id,
                    OutboxStatus.PENDING,
                    later,
                    error,
                    attempts=tried - 1,
                    failing_since=since,
                )
            hours = self._retry_for.total_seconds() / 3600
            error = f"gave up after {hours:g} h of transient errors; the last: {error}"
        if outcome.kind is OutcomeKind.SENT:
            status, self.stats.sent = OutboxStatus.SENT, self.stats.sent + 1
        elif outcome.kind is OutcomeKind.BLOCKED:
            status, self.stats.blocked = OutboxStatus.BLOCKED, self.stats.blocked + 1
        else:  # a bad request, or transient errors for longer than `retry_for`
            status, self.stats.failed = OutboxStatus.FAILED, self.stats.failed + 1
        message_id = outcome.message_id
        return Settlement(item.id, status, None, error, message_id, now, attempts=tried)
