"""The outbox dispatcher inside the running bot, over real HTTP, with Telegram's errors."""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlalchemy import select

from bot.bootstrap import Runtime, start_bot, stop_bot
from bot.config import Settings, load_settings
from bot.services.delivery.outbox import OutgoingMessage
from bot.services.feedback.messages import nudge_payload
from bot.storage.delivery.models import OutboxRow
from bot.storage.delivery.outbox import SqlOutboxStore
from tests.fakebotapi import FakeBotApi, Fault
from tests.support import ManualClock

CHATS = range(5000, 5200)


def _fast(settings: Settings) -> Settings:
    values = settings.model_dump() | {
        "telegram_bot_token": settings.token,
        "outbox_rate": 300.0,
        "outbox_chat_interval": 0.0,
        "outbox_max_attempts": 4,
        "outbox_send_timeout": 1.0,
    }
    return load_settings(_env_file=None, **values)


async def _settled(runtime: Runtime, clock: ManualClock, limit: float = 60.0) -> list:
    """Advance the clock (retries are due later) until no row is pending or sending."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while True:
        async with runtime.engine.connect() as conn:
            rows = (await conn.execute(select(OutboxRow))).all()
        if all(r.status not in ("pending", "sending") for r in rows):
            return rows
        assert loop.time() < deadline, Counter(r.status for r in rows)
        clock.advance(seconds=20)
        await asyncio.sleep(0.05)


async def test_every_message_ends_sent_once_or_recorded(
    fake_api: FakeBotApi, bot_settings: Settings, clock: ManualClock
) -> None:
    for chat in CHATS:
        fake_api.add_chat(chat, chat_type="private")
    faults = [
        Fault.retry_after(1),
        Fault.blocked(),
        Fault.bad_request("Bad Request: injected"),
        Fault.server_error(502),
        Fault.timeout(3),
    ]
    fake_api.fault_rate(0.15, faults=faults, seed=7)
    runtime = await start_bot(_fast(bot_settings), clock=clock, poll_timeout=1)
    try:
        messages = [
            OutgoingMessage(c, {"text": f"Velkommen <b>{c}</b>"}, "test:faults", clock.now())
            for c in CHATS
        ]
        assert await SqlOutboxStore(runtime.engine).enqueue(messages) == len(CHATS)
        rows = await _settled(runtime, clock)
    finally:
        await stop_bot(runtime)
    received = Counter(m.chat_id for m in fake_api.messages() if m.chat_id in CHATS)
    by_status = Counter(r.status for r in rows)
    assert by_status["sent"] + by_status["failed"] + by_status["blocked"] == len(CHATS)
    for row in rows:
        if row.status == "sent":
            assert received[row.chat_id] == 1, f"chat {row.chat_id} got {received[row.chat_id]}"
            assert row.telegram_message_id is not None
        else:
            assert received[row.chat_id] == 0
            assert row.last_error, f"{row.status} without a reason"
    assert by_status["blocked"] > 0
    assert by_status["failed"] > 0
    assert all("400" in r.last_error or r.attempts == 4 for r in rows if r.status == "failed")
    assert fake_api.count_429 > 0
    assert fake_api.injected["timeout"] > 0


async def test_choices_and_rows_queued_before_them_get_the_same_keyboard(
    fake_api: FakeBotApi, bot_settings: Settings, clock: ManualClock
) -> None:
    old_chat, new_chat = 5301, 5302
    for chat in (old_chat, new_chat):
        fake_api.add_chat(chat, chat_type="private")
    new = nudge_payload("da")
    before = {  # the nudge as the feedback service queued it before choices existed
        "text": new["text"],
        "reply_markup": {
            "inline_keyboard": [
                [
                    {"text": "✍️ Selvevaluering", "callback_data": "fb:new:0"},
                    {"text": "Ikke i dag", "callback_data": "fb:later:0"},
                ]
            ]
        },
    }
    runtime = await start_bot(_fast(bot_settings), clock=clock, poll_timeout=1)
    try:
        messages = [
            OutgoingMessage(old_chat, before, "test:old", clock.now()),
            OutgoingMessage(new_chat, new, "test:new", clock.now()),
        ]
        assert await SqlOutboxStore(runtime.engine).enqueue(messages) == 2
        rows = await _settled(runtime, clock)
    finally:
        await stop_bot(runtime)
    assert {r.status for r in rows} == {"sent"}
    sent = {m.chat_id: m for m in fake_api.messages() if m.chat_id in (old_chat, new_chat)}
    assert sent[old_chat].reply_markup == before["reply_markup"]
    assert sent[new_chat].reply_markup == before["reply_markup"]
    assert sent[new_chat].text == sent[old_chat].text
