"""Observability on fakes: rate-limited admin alerts, heartbeats, health report, the
Prometheus registry, and the measuring decorators of the outbox and the answerer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.observability.prometheus import PrometheusTelemetry
from bot.services.delivery.dispatcher import Dispatcher, Limits
from bot.services.delivery.measured import MeasuredOutboxStore, MeasuredSender, error_code
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
from bot.services.delivery.watch import Backlog, OutboxWatch
from bot.services.kernel.alerts import AdminAlerts
from bot.services.kernel.health import HealthService
from bot.services.kernel.heartbeats import Heartbeats
from bot.services.kernel.operations import DISPATCHER, Operations
from bot.services.questions.knowledge import AbstainReason, Answer
from bot.services.questions.measured import MeasuredAnswerer
from tests.support import ManualClock


class Store:
    """The outbox as a dict of items and their last settlement (leases left out)."""

    def __init__(self) -> None:
        self.items: dict[int, OutboxItem] = {}
        self.settled: dict[int, Settlement] = {}

    async def enqueue(self, messages: Sequence[OutgoingMessage]) -> int:
        """Add messages."""
        for m in messages:
            i = len(self.items) + 1
            self.items[i] = OutboxItem(i, m.chat_id, MessageKind.TEXT, m.payload, m.origin, 0)
        return len(messages)

    async def claim(
        self, worker: str, now: datetime, lease: timedelta, limit: int
    ) -> list[OutboxItem]:
        """Hand out every message not settled yet, once."""
        due = [item for i, item in self.items.items() if i not in self.settled][:limit]
        for item in due:
            self.settled[item.id] = Settlement(item.id, OutboxStatus.SENDING)
        return [OutboxItem(i.id, i.chat_id, i.kind, i.payload, i.origin, 1) for i in due]

    async def settle(self, settlements: Sequence[Settlement], worker: str | None = None) -> None:
        """Keep the outcomes."""
        self.settled.update((s.id, s) for s in settlements)

    async def block_chat(self, chat_id: int, now: datetime) -> None:
        """Nothing to mark."""

    async def report(self, origin: str) -> DeliveryReport:
        """Not needed here."""
        raise NotImplementedError

    async def cancel(self, origin: str) -> int:
        """Not needed here."""
        raise NotImplementedError


class ScriptedSender:
    """Answers with one scripted outcome per chat ('sent' when none is scripted)."""

    def __init__(self, script: dict[int, SendOutcome]) -> None:
        self.script = script

    async def send(self, item: OutboxItem) -> SendOutcome:
        """Return the chat's outcome."""
        return self.script.get(item.chat_id, SendOutcome(OutcomeKind.SENT, message_id=1))


class Channel:
    """Collects the alerts sent to admins."""

    def __init__(self, fail_for: int | None = None) -> None:
        self.sent: list[tuple[int, str]] = []
        self.fail_for = fail_for

    async def send(self, telegram_id: int, text: str) -> None:
        """Record, or fail for one admin."""
        if telegram_id == self.fail_for:
            raise ConnectionError("unreachable")
        self.sent.append((telegram_id, text))


def samples(
    telemetry: PrometheusTelemetry,
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Parse the exposition into {(sample name, labels): value}."""
    text = telemetry.exposition().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_one_alert_per_kind_per_period_with_the_repeats_counted() -> None:
    clock, channel = ManualClock(), Channel()
    alerts = AdminAlerts(channel, clock, [7, 8], every=timedelta(minutes=15), language="en")
    assert await alerts.handler_error("text", "KeyError", 101)
    for update_id in range(102, 106):
        clock.advance(minutes=1)
        assert not await alerts.handler_error("text", "KeyError", update_id)
    assert await alerts.tick_failed("feedback", "OperationalError")  # another kind: sent
    assert [admin for admin, _ in channel.sent] == [7, 8, 7, 8]
    assert "KeyError" in channel.sent[0][1]
    assert "update 101" in channel.sent[0][1]

    clock.advance(minutes=15)
    assert await alerts.handler_error("text", "KeyError", 200)
    latest = channel.sent[-1][1]
    assert "update 200" in latest
    assert "4 more times in the last 15 minutes" in latest


async def test_repeats_are_reported_by_flush_once_the_period_is_over() -> None:
    clock, channel = ManualClock(), Channel()
    alerts = AdminAlerts(channel, clock, [7], language="en")
    await alerts.tick_failed("reflection-prompts", "TimeoutError")
    await alerts.tick_failed("reflection-prompts", "TimeoutError")
    await alerts.tick_failed("reflection-prompts", "TimeoutError")
    assert await alerts.flush() == 0  # the period is not over
    clock.advance(minutes=16)
    assert await alerts.flush() == 1
    assert "Repeated 2 more times" in channel.sent[-1][1]
    assert "reflection-prompts" in channel.sent[-1][1]
    assert await alerts.flush() == 0  # nothing new


async def test_alerts_are_in_the_default_language_and_survive_a_failing_admin() -> None:
    clock, channel = ManualClock(), Channel(fail_for=7)
    alerts = AdminAlerts(channel, clock, [7, 8], language="da")
    await alerts.outbox_stuck(timedelta(minutes=42), waiting=120)
    assert channel.sent == [
        (8, "⚠️ Udbakken er bagud: den ældste besked har ventet 42 minutter (120 beskeder venter).")
    ]


async def test_no_channel_or_no_admins_sends_nothing() -> None:
    clock = ManualClock()
    assert await AdminAlerts(None, clock, [7]).handler_error("text", "KeyError", 1)
    channel = Channel()
    await AdminAlerts(channel, clock, []).handler_error("text", "KeyError", 1)
    assert channel.sent == []


def test_a_heartbeat_goes_stale_after_its_interval_and_the_grace() -> None:
    clock = ManualClock()
    beats = Heartbeats(clock, grace=timedelta(minutes=5))
    beats.expect("tick:prompts", timedelta(minutes=1))
    clock.advance(minutes=5)
    assert not beats.states()["tick:prompts"].stale
    clock.advance(minutes=2)
    assert beats.states()["tick:prompts"].stale
    beats.beat("tick:prompts")
    state = beats.states()["tick:prompts"]
    assert (state.stale, state.age_seconds, state.last) == (False, 0.0, clock.now())


class Probe:
    """A probe that fails on demand."""

    def __init__(self, healthy: bool = True) -> None:
        self.healthy = healthy

    async def ping(self) -> None:
        """Raise when unhealthy."""
        if not self.healthy:
            raise ConnectionError("down")


async def test_an_index_down_is_degraded_but_healthy_and_a_stale_loop_is_not() -> None:
    clock = ManualClock()
    beats = Heartbeats(clock, grace=timedelta(minutes=5))
    beats.expect(DISPATCHER)
    health = HealthService(
        {"database": Probe()}, optional={"index": Probe(False)}, heartbeats=beats
    )
    report = await health.report()
    assert report.healthy
    assert report.status == "degraded"
    assert {name: c["status"] for name, c in report.components.items()} == {
        "database": "ok",
        "index": "degraded",
        "dispatcher": "ok",
    }
    clock.advance(minutes=6)
    stale = await health.report()
    assert not stale.healthy
    assert stale.status == "unhealthy"
    assert stale.components["dispatcher"]["status"] == "stale"
    assert stale.components["dispatcher"]["age_seconds"] == 360.0


async def test_the_measured_outbox_counts_outcomes_by_origin_and_beats() -> None:
    clock = ManualClock()
    telemetry = PrometheusTelemetry()
    beats = Heartbeats(clock)
    store = Store()
    await store.enqueue(
        [
            OutgoingMessage(1, {"text": "a"}, "broadcast:17", clock.now()),
            OutgoingMessage(2, {"text": "b"}, "broadcast:18", clock.now()),
            OutgoingMessage(3, {"text": "c"}, "prompt", clock.now()),
            OutgoingMessage(4, {"text": "d"}, "prompt", clock.now()),
        ]
    )
    sender = ScriptedSender(
        {
            2: SendOutcome(OutcomeKind.BLOCKED, error="403 blocked"),
            3: SendOutcome(OutcomeKind.BAD_REQUEST, error="400 chat not found"),
            4: SendOutcome(OutcomeKind.TRANSIENT, error="NetworkError: Bad Gateway"),
        }
    )
    dispatcher = Dispatcher(
        MeasuredOutboxStore(store, telemetry, beats),
        MeasuredSender(sender, telemetry),
        clock,
        worker="w",
        limits=Limits(overall_per_second=10_000, per_chat_interval=0),
    )
    beats.expect(DISPATCHER)
    clock.advance(hours=1)
    await dispatcher.tick()
    assert beats.states()[DISPATCHER].age_seconds == 0.0  # the claim beat
    got = samples(telemetry)

    def settled(origin: str, status: str) -> float:
        key = ("praktikbot_outbox_settled_total", (("origin", origin), ("status", status)))
        return got.get(key, 0.0)

    assert settled("broadcast", "sent") == 1
    assert settled("broadcast", "blocked") == 1
    assert settled("prompt", "failed") == 1
    assert settled("prompt", "pending") == 1  # a 5xx: tried again later
    errors = {
        dict(k[1])["code"]: v for k, v in got.items() if k[0] == "praktikbot_telegram_errors_total"
    }
    assert errors == {"403": 1, "400": 1, "5xx": 1}


@pytest.mark.parametrize(
    ("outcome", "code"),
    [
        (SendOutcome(OutcomeKind.SENT, message_id=1), None),
        (SendOutcome(OutcomeKind.RETRY_AFTER, retry_after=3), "429"),
        (SendOutcome(OutcomeKind.TRANSIENT, error="timed out"), "network"),
        (SendOutcome(OutcomeKind.TRANSIENT, error="NetworkError: aiohttp: refused"), "network"),
        (SendOutcome(OutcomeKind.TRANSIENT, error="NetworkError: Internal Server Error"), "5xx"),
    ],
)
def test_outcomes_map_to_telegram_error_codes(outcome: SendOutcome, code: str | None) -> None:
    assert error_code(outcome) == code


class Reader:
    """A backlog as given."""

    def __init__(self, backlog: Backlog) -> None:
        self.value = backlog

    async def backlog(self, now: object) -> Backlog:
        """Return the backlog."""
        return self.value


async def test_the_watch_publishes_the_backlog_and_alerts_when_stuck() -> None:
    clock, channel, telemetry = ManualClock(), Channel(), PrometheusTelemetry()
    ops = Operations(
        telemetry=telemetry,
        heartbeats=Heartbeats(clock),
        alerts=AdminAlerts(channel, clock, [7], language="en"),
        outbox_stuck_after=timedelta(minutes=30),
    )
    reader = Reader(Backlog({"broadcast:1": 5, "broadcast:2": 3, "prompt": 2}, clock.now()))
    watch = OutboxWatch(reader, clock, ops)
    clock.advance(minutes=10)
    assert await watch.tick() == timedelta(minutes=10)
    got = samples(telemetry)
    assert got[("praktikbot_outbox_waiting", (("origin", "broadcast"),))] == 8
    assert got[("praktikbot_outbox_lag_seconds", ())] == 600
    assert channel.sent == []
    clock.advance(minutes=25)
    reader.value = Backlog({"prompt": 2}, reader.value.oldest_due)
    await watch.tick()
    assert len(channel.sent) == 1
    assert "35 minutes (2 messages waiting)" in channel.sent[0][1]
    assert samples(telemetry)[("praktikbot_outbox_waiting", (("origin", "broadcast"),))] == 0


class FixedAnswerer:
    """Answers with what it is given, or raises."""

    def __init__(self, answer: Answer | None) -> None:
        self.value = answer

    async def answer(self, question: str, scopes: Sequence[str]) -> Answer:
        """Return the answer, or fail when there is none."""
        if self.value is None:
            raise RuntimeError("index broken")
        return self.value


async def test_questions_are_counted_answered_or_by_abstention_reason() -> None:
    telemetry = PrometheusTelemetry()
    good = Answer("Svar [1]", (), abstained=False, confidence=0.9)
    weak = Answer("", (), abstained=True, confidence=0.1, reason=AbstainReason.WEAK)
    for value in (good, good, weak):
        await MeasuredAnswerer(FixedAnswerer(value), telemetry).answer("?", ["all"])
    with pytest.raises(RuntimeError):
        await MeasuredAnswerer(FixedAnswerer(None), telemetry).answer("?", ["all"])
    got = samples(telemetry)
    counted = {
        dict(k[1])["outcome"]: v for k, v in got.items() if k[0] == "praktikbot_questions_total"
    }
    assert counted == {"answered": 2, "weak": 1, "unavailable": 1}


def test_updates_and_ticks_are_histograms_by_kind_never_by_person() -> None:
    telemetry = PrometheusTelemetry()
    telemetry.update_handled("text", 0.02)
    telemetry.update_handled("text", 0.3)
    telemetry.update_handled("callback", 0.01)
    telemetry.tick_finished("feedback", 0.5, ok=True)
    telemetry.tick_finished("feedback", 2.0, ok=False)
    got = samples(telemetry)
    assert got[("praktikbot_updates_total", (("kind", "text"),))] == 2
    assert got[("praktikbot_update_seconds_count", (("kind", "text"),))] == 2
    assert got[("praktikbot_update_seconds_bucket", (("kind", "text"), ("le", "0.025")))] == 1
    assert got[("praktikbot_tick_seconds_count", (("job", "feedback"), ("result", "error")))] == 1
    labels = {name for _, key in got for name, _value in key}
    assert labels <= {"kind", "le", "job", "result"}
