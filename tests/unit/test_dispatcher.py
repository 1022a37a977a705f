"""The dispatcher's rules on fakes: each Telegram outcome, retries, pacing."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest

from bot.services.dispatcher import Dispatcher, Limits, Pacer
from bot.services.outbox_types import (
    DeliveryReport,
    MessageKind,
    OutboxItem,
    OutboxStatus,
    OutcomeKind,
    OutgoingMessage,
    SendOutcome,
    Settlement,
)
from tests.support import ManualClock


@dataclasses.dataclass
class Row:
    """An outbox row in memory."""

    item: OutboxItem
    status: OutboxStatus = OutboxStatus.PENDING
    not_before: datetime | None = None
    error: str | None = None
    message_id: int | None = None


class FakeStore:
    """The outbox in a dict."""

    def __init__(self, clock: ManualClock) -> None:
        self.rows: dict[int, Row] = {}
        self.blocked: list[int] = []
        self.clock = clock

    async def enqueue(self, messages: Sequence[OutgoingMessage]) -> int:
        """Add messages."""
        for m in messages:
            i = len(self.rows) + 1
            item = OutboxItem(i, m.chat_id, MessageKind.TEXT, m.payload, m.origin, 0)
            self.rows[i] = Row(item, not_before=m.not_before)
        return len(messages)

    async def claim(
        self, worker: str, now: datetime, lease: timedelta, limit: int
    ) -> list[OutboxItem]:
        """Lease due rows."""
        due = [
            r
            for r in self.rows.values()
            if r.status is OutboxStatus.PENDING and r.not_before <= now
        ]
        for row in due[:limit]:
            row.status = OutboxStatus.SENDING
        return [r.item for r in due[:limit]]

    async def settle(self, settlements: Sequence[Settlement], worker: str | None = None) -> None:
        """Apply outcomes."""
        for s in settlements:
            row = self.rows[s.id]
            row.status, row.error, row.message_id = s.status, s.error, s.message_id
            row.not_before = s.not_before or row.not_before
            row.item = dataclasses.replace(row.item, attempts=row.item.attempts + 1)

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
    assert store.blocked == [2]
    assert store.rows[3].error == "400 chat not found"
    assert sorted(sender.sent) == [1, 4, 5]
    assert dispatcher.stats.rate_limited == 1
    assert dispatcher.stats.retried == 1


async def test_transient_errors_give_up_after_the_attempt_limit() -> None:
    script = {9: [SendOutcome(OutcomeKind.TRANSIENT, error="502 Bad Gateway")] * 5}
    store, sender, _ = await _run(script, [9], rounds=5, max_attempts=3)
    (row,) = store.rows.values()
    assert row.status is OutboxStatus.FAILED
    assert row.error == "502 Bad Gateway"
    assert row.item.attempts == 3
    assert sender.sent == []


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
