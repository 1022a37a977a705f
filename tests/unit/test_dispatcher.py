"""The dispatcher's rules on fakes: each Telegram outcome, retries, crashes, pacing."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest

from bot.services.delivery.breaker import BreakerState, CircuitBreaker
from bot.services.delivery.dispatcher import Dispatcher, Limits, Pacer
from bot.services.delivery.outbox import (
    DeliveryReport,
    MessageKind,
    OutboxItem,
    OutboxStatus,
    OutcomeKind,
    OutgoingMessage,
    SendOutcome,
    Settlement,
)
from tests.support import ManualClock, eventually


@dataclasses.dataclass
class Row:
    """An outbox row in memory."""

    item: OutboxItem
    status: OutboxStatus = OutboxStatus.PENDING
    not_before: datetime | None = None
    error: str | None = None
    message_id: int | None = None
    lease_until: datetime | None = None


class FakeStore:
    """The outbox in a dict, with leases and attempts counted at claim like the SQL store."""

    def __init__(self, clock: ManualClock) -> None:
        self.rows: dict[int, Row] = {}
        self.blocked: list[int] = []
        self.clock = clock

    async def enqueue(self, messages: Sequence[OutgoingMessage]) -> int:
        """Add messages."""
        for m in messages:
            i = len(self.rows) + 1
            item = OutboxItem(
                i, m.chat_id, MessageKind.TEXT, m.payload, m.origin, 0, m.useful_until
            )
            self.rows[i] = Row(item, not_before=m.not_before)
        return len(messages)

    async def claim(
        self, worker: str, now: datetime, lease: timedelta, limit: int
    ) -> list[OutboxItem]:
        """Lease due rows (pending, or sending with an expired lease) and count an attempt."""
        due = [
            r
            for r in self.rows.values()
            if (r.status is OutboxStatus.PENDING and r.not_before <= now)
            or (r.status is OutboxStatus.SENDING and r.lease_until < now)
        ][:limit]
        for row in due:
            row.status, row.lease_until = OutboxStatus.SENDING, now + lease
            row.item = dataclasses.replace(row.item, attempts=row.item.attempts + 1)
        return [r.item for r in due]

    async def settle(self, settlements: Sequence[Settlement], worker: str | None = None) -> None:
        """Apply outcomes."""
        for s in settlements:
            row = self.rows[s.id]
            row.status, row.error, row.message_id = s.status, s.error, s.message_id
            row.not_before = s.not_before or row.not_before
            if row.item.failing_since is None and s.failing_since is not None:
                row.item = dataclasses.replace(row.item, failing_since=s.failing_since)
            if s.attempts is not None:
                row.item = dataclasses.replace(row.item, attempts=s.attempts)

    async def block_chat(self, chat_id: int, now: datetime) -> None:
        """Remember the blocked chat."""
        self.blocked.append(chat_id)

    async def report(self, origin: str) -> DeliveryReport:
        """Not needed here."""
        raise NotImplementedError

    async def cancel(self, origin: str) -> int:
        """Not needed here."""
        raise NotImplementedError


class ScriptedSender:
    """Answers with the outcomes scripted per chat (then 'sent')."""

    def __init__(self, script: dict[int, list[SendOutcome]]) -> None:
        self.script = script
        self.sent: list[int] = []

    async def send(self, item: OutboxItem) -> SendOutcome:
        """Return the next scripted outcome for the chat."""
        queue = self.script.get(item.chat_id, [])
        outcome = queue.pop(0) if queue else SendOutcome(OutcomeKind.SENT, message_id=item.chat_id)
        if outcome.kind is OutcomeKind.SENT:
            self.sent.append(item.chat_id)
        return outcome


class StalledSender(ScriptedSender):
    """Stalls on the first send to chat 1 for longer than a lease, until released."""

    def __init__(self, clock: ManualClock) -> None:
        super().__init__({})
        self.clock, self.release = clock, asyncio.Event()
        self.stalled = False

    async def send(self, item: OutboxItem) -> SendOutcome:
        """Stall once on chat 1 (time passes meanwhile), then answer as scripted."""
        if item.chat_id == 1 and not self.stalled:
            self.stalled = True
            self.clock.advance(minutes=5)
            await self.release.wait()
        return await super().send(item)


class DyingSender:
    """Never answers: the process dies while the message is being sent."""

    def __init__(self) -> None:
        self.calls = 0
        self.started = asyncio.Event()

    async def send(self, item: OutboxItem) -> SendOutcome:
        """Hang until cancelled."""
        self.calls += 1
        self.started.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def _no_sleep(_seconds: float) -> None:
    return None


async def _run(
    script: dict[int, list[SendOutcome]], chats: list[int], rounds: int = 1, max_attempts: int = 3
):
    clock = ManualClock()
    store, sender = FakeStore(clock), ScriptedSender(script)
    await store.enqueue([OutgoingMessage(c, {"text": "x"}, "t", clock.now()) for c in chats])
    dispatcher = Dispatcher(
        store,
        sender,
        clock,
        worker="w",
        limits=Limits(1000, 0, 0),
        max_attempts=max_attempts,
        sleep=_no_sleep,
    )
    for _ in range(rounds):
        await dispatcher.tick()
        clock.advance(minutes=10)
    return store, sender, dispatcher


async def test_every_outcome_ends_in_the_right_state() -> None:
    script = {
        2: [SendOutcome(OutcomeKind.BLOCKED, error="403 blocked")],
        3: [SendOutcome(OutcomeKind.BAD_REQUEST, error="400 chat not found")],
        4: [SendOutcome(OutcomeKind.RETRY_AFTER, retry_after=3)],
        5: [SendOutcome(OutcomeKind.TRANSIENT, error="timed out")],
    }
    store, sender, dispatcher = await _run(script, [1, 2, 3, 4, 5], rounds=3)
    status = {row.item.chat_id: row.status for row in store.rows.values()}
    assert status == {1: "sent", 2: "blocked", 3: "failed", 4: "sent", 5: "sent"}
    assert store.rows[5].item.attempts == 1  # the timed-out attempt was given back
    assert store.blocked == [2]
    assert store.rows[3].error == "400 chat not found"
    assert sorted(sender.sent) == [1, 4, 5]
    assert dispatcher.stats.rate_limited == 1
    assert dispatcher.stats.retried == 1


async def test_transient_errors_are_retried_for_a_time_not_a_number_of_attempts() -> None:
    clock = ManualClock()
    store = FakeStore(clock)
    sender = ScriptedSender(
        {9: [SendOutcome(OutcomeKind.TRANSIENT, error="502 Bad Gateway")] * 99}
    )
    await store.enqueue([OutgoingMessage(9, {"text": "x"}, "t", clock.now())])
    dispatcher = Dispatcher(
        store,
        sender,
        clock,
        worker="w",
        max_attempts=3,
        retry_for=timedelta(hours=1),
        sleep=_no_sleep,
    )
    (row,) = store.rows.values()
    for _ in range(20):  # 20 failures in 50 minutes: far past the attempt limit, still pending
        await dispatcher.tick()
        assert row.status is OutboxStatus.PENDING
        clock.advance(seconds=150)
    assert row.item.attempts == 0  # transient failures give their attempt back
    assert row.item.failing_since == ManualClock().now()  # the first failure
    clock.advance(minutes=15)
    await dispatcher.tick()
    assert row.status is OutboxStatus.FAILED
    assert row.error is not None
    assert row.error.startswith("gave up after 1 h of transient errors")
    assert "502 Bad Gateway" in row.error
    assert sender.sent == []


async def test_a_message_failing_alone_waits_longer_each_time_up_to_a_cap() -> None:
    clock = ManualClock()
    store = FakeStore(clock)
    sender = ScriptedSender({9: [SendOutcome(OutcomeKind.TRANSIENT, error="timed out")] * 99})
    await store.enqueue([OutgoingMessage(9, {"text": "x"}, "t", clock.now())])
    dispatcher = Dispatcher(store, sender, clock, worker="w", sleep=_no_sleep)
    (row,) = store.rows.values()
    waits = []
    for _ in range(12):
        assert await dispatcher.tick() == 1
        assert row.not_before is not None
        waits.append((row.not_before - clock.now()).total_seconds())
        clock.set(row.not_before)
    assert waits[0] <= 1.2
    assert waits[5] > waits[1] * 4  # it backs off...
    assert max(waits) <= 120 * 1.2  # ...but is tried at least every two minutes
    assert row.item.attempts == 0


async def test_a_message_past_its_useful_time_is_skipped_not_sent() -> None:
    clock = ManualClock()
    store, sender = FakeStore(clock), ScriptedSender({})
    soon = clock.now() + timedelta(minutes=5)
    await store.enqueue(
        [
            OutgoingMessage(1, {"text": "x"}, "prompt", clock.now(), useful_until=soon),
            OutgoingMessage(
                2, {"text": "x"}, "prompt", clock.now() + timedelta(minutes=10), useful_until=soon
            ),
            OutgoingMessage(3, {"text": "x"}, "broadcast", clock.now()),
        ]
    )
    dispatcher = Dispatcher(store, sender, clock, worker="w", sleep=_no_sleep)
    await dispatcher.tick()
    clock.advance(minutes=10)
    await dispatcher.tick()
    status = {row.item.chat_id: (row.status, row.error) for row in store.rows.values()}
    assert status == {
        1: (OutboxStatus.SENT, None),
        2: (OutboxStatus.SKIPPED, "past its useful time"),
        3: (OutboxStatus.SENT, None),
    }
    assert sorted(sender.sent) == [1, 3]
    assert dispatcher.stats.skipped == 1


async def test_rate_limited_sends_do_not_use_up_attempts() -> None:
    script = {6: [SendOutcome(OutcomeKind.RETRY_AFTER, retry_after=1)] * 4}
    store, sender, dispatcher = await _run(script, [6], rounds=5, max_attempts=2)
    (row,) = store.rows.values()
    assert (row.status, row.item.attempts) == (OutboxStatus.SENT, 1)
    assert sender.sent == [6]
    assert dispatcher.stats.rate_limited == 4


async def test_a_send_that_kills_the_process_every_time_fails_at_the_attempt_limit() -> None:
    clock = ManualClock()
    store, dying = FakeStore(clock), DyingSender()
    await store.enqueue([OutgoingMessage(9, {"text": "x"}, "t", clock.now())])
    for process in range(3):  # each process dies while sending it
        dispatcher = Dispatcher(
            store, dying, clock, worker=f"p{process}", max_attempts=3, sleep=_no_sleep
        )
        tick = asyncio.create_task(dispatcher.tick())
        await dying.started.wait()
        tick.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await tick
        dying.started.clear()
        clock.advance(minutes=10)  # the dead process's lease runs out
    survivor = ScriptedSender({})
    dispatcher = Dispatcher(store, survivor, clock, worker="p3", max_attempts=3, sleep=_no_sleep)
    assert await dispatcher.tick() == 1
    (row,) = store.rows.values()
    assert row.status is OutboxStatus.FAILED
    assert row.item.attempts == 3
    assert row.error is not None
    assert "gave up after 3 attempts" in row.error
    assert (dying.calls, survivor.sent) == (3, [])
    assert dispatcher.stats.failed == 1


async def test_stopping_finishes_the_sends_in_flight_and_records_them() -> None:
    clock = ManualClock()
    store, sender = FakeStore(clock), ScriptedSender({})
    await store.enqueue([OutgoingMessage(c, {"text": "x"}, "t", clock.now()) for c in range(500)])
    limits = Limits(overall_per_second=10_000, per_chat_interval=0, group_interval=0)
    dispatcher = Dispatcher(store, sender, clock, worker="w", limits=limits, concurrency=4)
    stop = asyncio.Event()
    running = asyncio.create_task(dispatcher.run(stop))

    async def some_sent() -> bool:
        return len(sender.sent) >= 50

    await eventually(some_sent)
    stop.set()
    await asyncio.wait_for(running, 10)
    statuses = {row.item.chat_id: row.status for row in store.rows.values()}
    assert OutboxStatus.SENDING not in statuses.values()  # nothing left leased
    assert sorted(sender.sent) == sorted(c for c, s in statuses.items() if s == "sent")
    assert 50 <= len(sender.sent) < 500  # it stopped after the batch it had claimed


async def test_a_lease_running_out_during_a_send_does_not_send_it_twice() -> None:
    clock = ManualClock()
    store, sender = FakeStore(clock), StalledSender(clock)
    chats = list(range(1, 31))
    await store.enqueue([OutgoingMessage(c, {"text": "x"}, "t", clock.now()) for c in chats])
    limits = Limits(overall_per_second=10, per_chat_interval=0, group_interval=0)  # 10 a claim
    lease = timedelta(seconds=30)
    dispatcher = Dispatcher(
        store, sender, clock, worker="w", limits=limits, lease=lease, sleep=_no_sleep
    )
    stop = asyncio.Event()
    running = asyncio.create_task(dispatcher.run(stop))

    async def claimed_again() -> bool:  # by the next batch, while its first send is stalled
        return store.rows[1].item.attempts == 2

    await eventually(claimed_again)
    sender.release.set()

    async def all_recorded() -> bool:
        return all(row.status is OutboxStatus.SENT for row in store.rows.values())

    await eventually(all_recorded)
    stop.set()
    await asyncio.wait_for(running, 10)
    assert sorted(sender.sent) == chats  # chat 1 once, though it was claimed twice


async def test_retry_after_is_respected_before_sending_again() -> None:
    script = {4: [SendOutcome(OutcomeKind.RETRY_AFTER, retry_after=30)]}
    clock = ManualClock()
    store, sender = FakeStore(clock), ScriptedSender(script)
    await store.enqueue([OutgoingMessage(4, {"text": "x"}, "t", clock.now())])
    dispatcher = Dispatcher(store, sender, clock, worker="w", sleep=_no_sleep)
    await dispatcher.tick()
    clock.advance(seconds=10)
    assert await dispatcher.tick() == 0  # not due yet
    clock.advance(seconds=25)
    assert await dispatcher.tick() == 1
    assert sender.sent == [4]


def test_pacer_spaces_messages_overall_per_chat_and_in_groups() -> None:
    now = [0.0]
    pacer = Pacer(
        Limits(overall_per_second=10, per_chat_interval=1.0, group_interval=3.0), lambda: now[0]
    )
    assert [round(pacer.delay(c), 2) for c in (1, 2, 3)] == [0.0, 0.1, 0.2]
    assert pacer.cooling(1)
    assert pacer.delay(1) == pytest.approx(1.0)  # the same chat waits a second
    assert pacer.delay(-100) == pytest.approx(1.1)  # strictly after the previous send
    assert pacer.delay(-100) == pytest.approx(4.1)  # a group waits three seconds
    pacer.pause(30)
    assert pacer.delay(7) == pytest.approx(30.0)


async def test_a_cooling_chat_does_not_hold_up_the_others() -> None:
    clock = ManualClock()
    store, sender = FakeStore(clock), ScriptedSender({})
    chats = [1, 1, 2, 3, 4]
    await store.enqueue([OutgoingMessage(c, {"text": "x"}, "t", clock.now()) for c in chats])
    slept: list[float] = []

    async def record(seconds: float) -> None:
        slept.append(seconds)

    limits = Limits(overall_per_second=1000, per_chat_interval=1.0, group_interval=3.0)
    dispatcher = Dispatcher(store, sender, clock, worker="w", limits=limits, sleep=record)
    await dispatcher.tick()
    assert sender.sent[-1] == 1  # chat 1's second message went last
    assert sorted(sender.sent) == [1, 1, 2, 3, 4]
    assert max(slept[:-1]) < 0.01  # only the overall spacing before the others
    assert slept[-1] == pytest.approx(1.0, abs=0.05)  # chat 1 cools down once, at the end


class OutageSender:
    """Telegram unreachable while `down`: every send is a transient failure; else sent."""

    def __init__(self) -> None:
        self.down = True
        self.tried_while_down = 0
        self.sent: list[int] = []

    async def send(self, item: OutboxItem) -> SendOutcome:
        """Fail while down, deliver once up."""
        if self.down:
            self.tried_while_down += 1
            return SendOutcome(OutcomeKind.TRANSIENT, error="NetworkError: connection refused")
        self.sent.append(item.chat_id)
        return SendOutcome(OutcomeKind.SENT, message_id=item.chat_id)


async def test_an_outage_opens_the_breaker_and_loses_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, "bot.services.delivery.dispatcher")
    clock = ManualClock()
    store, sender = FakeStore(clock), OutageSender()
    chats = list(range(1, 201))
    await store.enqueue([OutgoingMessage(c, {"text": "x"}, "b", clock.now()) for c in chats])
    limits = Limits(overall_per_second=200, per_chat_interval=0, group_interval=0)
    dispatcher = Dispatcher(
        store, sender, clock, worker="w", limits=limits, concurrency=8, sleep=_no_sleep
    )
    await dispatcher.tick()
    assert dispatcher.breaker.state is BreakerState.OPEN
    first_burst = sender.tried_while_down
    assert first_burst <= 9  # what was in flight when it opened, and no more
    assert dispatcher.stats.held_back == 200 - first_burst
    # Ten minutes of outage: the breaker probes with one message at a time, ever more rarely.
    ticks_claiming = 0
    for _ in range(600):
        clock.advance(seconds=1)
        ticks_claiming += await dispatcher.tick()
    probes = sender.tried_while_down - first_burst
    assert 0 < probes == ticks_claiming <= 16
    assert all(row.status is OutboxStatus.PENDING for row in store.rows.values())
    assert max(row.item.attempts for row in store.rows.values()) == 0  # none spent
    sender.down = False
    for _ in range(200):
        clock.advance(seconds=1)
        await dispatcher.tick()
        if all(row.status is OutboxStatus.SENT for row in store.rows.values()):
            break
    assert dispatcher.breaker.state is BreakerState.CLOSED
    assert sorted(sender.sent) == chats  # every message once: 0 lost, 0 duplicates
    assert dispatcher.stats.failed == 0
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2  # one line when sending pauses, one when it resumes
    assert lines[0] == "Telegram unreachable (NetworkError: connection refused): sending paused"
    assert lines[1].startswith("Telegram answers again: sending resumed after 6")  # 10 min


async def test_a_refusal_from_telegram_closes_the_breaker_too() -> None:
    now = [0.0]
    breaker = CircuitBreaker(lambda: now[0], threshold=2, first=1.0, longest=4.0)
    assert breaker.try_acquire()
    breaker.failure()
    assert breaker.state is BreakerState.CLOSED  # one failure is not an outage
    breaker.failure()
    assert (breaker.state, breaker.try_acquire(), breaker.wait()) == (
        BreakerState.OPEN,
        False,
        1.0,
    )
    now[0] = 1.0
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.try_acquire()  # the probe
    assert not breaker.try_acquire()  # only one at a time
    breaker.failure()  # the probe failed: twice as long
    assert breaker.wait() == 2.0
    now[0] = 3.0
    assert breaker.try_acquire()
    breaker.failure()
    now[0] = 7.0
    assert breaker.try_acquire()
    breaker.failure()
    assert breaker.wait() == 4.0  # at most `longest`
    now[0] = 11.0
    assert breaker.try_acquire()
    breaker.success()  # e.g. 403 for that chat: Telegram answered
    assert (breaker.state, breaker.wait(), breaker.opened) == (BreakerState.CLOSED, 0.0, 1)
