"""Floods and the one Telegram budget, through the real application and the fake Bot API.

Nothing here asserts how long something took: fairness is shown by the order in which the
fake received the bot's messages (another chat's reply comes before the flooding chat's
queue is through), the budget by the send times the fake recorded.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.bootstrap import Runtime, start_bot, stop_bot
from bot.config import Settings, load_settings
from bot.retrieval.setup import KnowledgeBase
from bot.services.delivery.outbox import OutgoingMessage
from bot.storage.delivery.outbox import SqlOutboxStore
from tests.fakebotapi import FakeBotApi
from tests.support import ManualClock, eventually

FLOODER, OTHER = 610_001, 610_002
HELP = "/help"  # a command every stranger gets an answer to, without a search


def _with(settings: Settings, **values: Any) -> Settings:
    merged = settings.model_dump() | {"telegram_bot_token": settings.token} | values
    return load_settings(_env_file=None, **merged)


@pytest.fixture
async def running(
    request: pytest.FixtureRequest,
    bot_settings: Settings,
    clock: ManualClock,
    shared_knowledge: KnowledgeBase,
) -> AsyncIterator[Runtime]:
    """Run the bot, with the settings a test gives as its indirect parameter changed."""
    overrides: dict[str, Any] = getattr(request, "param", {})
    runtime = await start_bot(
        _with(bot_settings, **overrides), clock=clock, poll_timeout=1, knowledge=shared_knowledge
    )
    yield runtime
    await stop_bot(runtime)


async def test_a_flooding_chat_does_not_delay_another_chats_reply(
    fake_api: FakeBotApi, running: Runtime
) -> None:
    flooder, other = fake_api.user(FLOODER), fake_api.user(OTHER)
    for _ in range(40):
        await flooder.send(HELP)
    await other.send(HELP)
    await other.next_message(timeout=10)
    queue = running.settings.update_queue_per_chat

    async def flood_done() -> bool:
        return len(fake_api.messages(FLOODER)) >= queue + 1  # its queue's replies + a notice

    await eventually(flood_done, timeout=30)
    await asyncio.sleep(0.5)  # nothing more is coming: the rest were dropped
    order = [m.chat_id for m in fake_api.messages() if m.chat_id in (FLOODER, OTHER)]
    # The flooder's replies are paced at about one a second after a short burst (Telegram's
    # per-chat limit); the other chat's reply came before the flooder's fifth message.
    assert order.index(OTHER) < [i for i, c in enumerate(order) if c == FLOODER][4]
    texts = [m.text for m in fake_api.messages(FLOODER)]
    slow_down = [t for t in texts if "hurtigere, end jeg kan følge med" in t]
    assert len(slow_down) == 1
    assert len(texts) == queue + 1  # what was queued was answered, the rest dropped
    assert running.application.update_processor.dropped == 40 - queue  # type: ignore[attr-defined]


@pytest.mark.parametrize("running", [{"anonymous_question_burst": 2}], indirect=True)
async def test_an_asker_over_the_limit_gets_exactly_one_slow_down_reply(
    fake_api: FakeBotApi, running: Runtime
) -> None:
    asker = fake_api.user(FLOODER + 5)
    for n in range(5):
        await asker.send(f"/spoerg Hvor parkerer jeg {n}?")
    await asker.send(HELP)  # this chat's updates run in order: once it is answered, all are

    async def answered() -> bool:
        return len(asker.messages) >= 4

    await eventually(answered, timeout=20)
    await asyncio.sleep(0.5)  # and nothing else follows
    texts = [m.text for m in asker.messages]
    limited = [i for i, t in enumerate(texts) if "mange spørgsmål på kort tid" in t]
    # Two answers, one kind reply for the third question, none for the fourth and fifth,
    # then the help text.
    assert limited == [2]
    assert len(texts) == 4
    assert "/spoerg" in texts[3]


@pytest.mark.parametrize("running", [{"telegram_rate": 10.0}], indirect=True)
async def test_replies_and_the_outbox_share_one_budget_replies_first(
    fake_api: FakeBotApi, running: Runtime, clock: ManualClock
) -> None:
    recipients = range(620_000, 620_040)
    for chat in recipients:
        fake_api.add_chat(chat, chat_type="private")
    outbox = [
        OutgoingMessage(chat, {"text": f"Nyhed {chat}"}, "test:budget", clock.now())
        for chat in recipients
    ]
    assert await SqlOutboxStore(running.engine).enqueue(outbox) == len(outbox)

    async def started() -> bool:
        return any(m.chat_id in recipients for m in fake_api.messages())

    await eventually(started, timeout=10)
    askers = [fake_api.user(630_000 + n) for n in range(10)]
    for user in askers:
        await user.send(HELP)
    for user in askers:
        await user.next_message(timeout=15)

    async def delivered() -> bool:
        return sum(m.chat_id in recipients for m in fake_api.messages()) == len(recipients)

    await eventually(delivered, timeout=30)
    sends = sorted(at for method, _, at in fake_api.calls if method == "sendMessage")
    busiest = max(sum(1 for t in sends if start <= t < start + 1.0) for start in sends)
    assert busiest <= 10 + 1  # the budget's 10 a second (one for arrival jitter)
    # Replies went first: every asker had their answer before the outbox was through.
    order = [m.chat_id for m in fake_api.messages()]
    last_outbox = max(i for i, c in enumerate(order) if c in recipients)
    assert all(order.index(user.id) < last_outbox for user in askers)
    assert fake_api.count_429 == 0
    assert not [v for v in fake_api.violations if "messages/s" in v]
