"""Telegram away for ten minutes (connections refused, or 502 for everything) while the bot
sends a broadcast and prompts: afterwards everything is delivered once, nothing is lost or
sent twice, no attempt is spent, and prompts whose useful time passed are skipped."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.bootstrap import Runtime, start_bot, stop_bot
from bot.config import Settings, load_settings
from bot.retrieval.setup import KnowledgeBase
from bot.services.delivery.breaker import BreakerState
from bot.services.delivery.outbox import OutgoingMessage
from bot.storage.delivery.models import OutboxRow
from bot.storage.delivery.outbox import SqlOutboxStore
from tests.fakebotapi import FakeBotApi
from tests.support import ManualClock

BROADCAST = range(6000, 6120)
FRESH_PROMPTS = range(6200, 6210)  # useful for a day
STALE_PROMPTS = range(6300, 6310)  # useful for five minutes: the outage outlasts them


def _fast(settings: Settings) -> Settings:
    values = settings.model_dump() | {
        "telegram_bot_token": settings.token,
        "outbox_rate": 300.0,
        "outbox_chat_interval": 0.0,
        "outbox_send_timeout": 1.0,
    }
    return load_settings(_env_file=None, **values)


async def _rows(runtime: Runtime) -> list:
    async with runtime.engine.connect() as conn:
        return list((await conn.execute(select(OutboxRow))).all())


async def _pass(clock: ManualClock, minutes: float, step: float = 10.0) -> None:
    """Let simulated time pass: `step` seconds of it every 20 ms of real time."""
    for _ in range(int(minutes * 60 / step)):
        clock.advance(seconds=step)
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("outage", ["refused", 502])
async def test_ten_minutes_of_outage_lose_nothing_and_send_nothing_twice(
    fake_api: FakeBotApi,
    bot_settings: Settings,
    clock: ManualClock,
    shared_knowledge: KnowledgeBase,
    outage: str | int,
) -> None:
    chats = [*BROADCAST, *FRESH_PROMPTS, *STALE_PROMPTS]
    for chat in chats:
        fake_api.add_chat(chat, chat_type="private")
    runtime = await start_bot(
        _fast(bot_settings), clock=clock, poll_timeout=1, knowledge=shared_knowledge
    )
    assert runtime.outbox is not None
    dispatcher = runtime.outbox.dispatcher
    try:
        await fake_api.go_down(None if outage == "refused" else int(outage))
        now = clock.now()
        day, five_minutes = now + timedelta(days=1), now + timedelta(minutes=5)
        messages = [
            OutgoingMessage(c, {"text": f"Nyt {c}"}, "broadcast:1", now) for c in BROADCAST
        ]
        messages += [
            OutgoingMessage(c, {"text": "Refleksion"}, "prompt", now, useful_until=day)
            for c in FRESH_PROMPTS
        ]
        messages += [
            OutgoingMessage(c, {"text": "Refleksion"}, "prompt", now, useful_until=five_minutes)
            for c in STALE_PROMPTS
        ]
        assert await SqlOutboxStore(runtime.engine).enqueue(messages) == len(chats)
        await _pass(clock, minutes=10)
        assert dispatcher.breaker.state is not BreakerState.CLOSED
        during = await _rows(runtime)
        assert {r.status for r in during} == {"pending"}  # nothing failed, nothing lost
        assert max(r.attempts for r in during) == 0  # and no attempt spent on the outage
        tried = dispatcher.stats.outcomes.get("transient", 0)
        assert 0 < tried < 60  # a burst when it began and a probe now and then, no more
        await fake_api.come_up()
        for _ in range(300):
            await _pass(clock, minutes=0.5)
            rows = await _rows(runtime)
            if all(r.status not in ("pending", "sending") for r in rows):
                break
    finally:
        await stop_bot(runtime)
    received = Counter(m.chat_id for m in fake_api.messages() if m.chat_id in chats)
    status = {r.chat_id: r.status for r in rows}
    for chat in [*BROADCAST, *FRESH_PROMPTS]:
        assert (status[chat], received[chat]) == ("sent", 1), chat  # 0 lost, 0 duplicates
    for chat in STALE_PROMPTS:
        assert (status[chat], received[chat]) == ("skipped", 0), chat
    assert {r.last_error for r in rows if r.status == "skipped"} == {"past its useful time"}
    assert dispatcher.breaker.opened >= 1
