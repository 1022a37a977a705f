"""The update processor: a flooding chat holds one slot, its queue is capped, it is told once."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Update

from bot.tg.kit.concurrency import PerChatUpdateProcessor

_next_id = iter(range(1, 1_000_000))


def message(chat_id: int, text: str = "hej") -> Update:
    """Return a private text message update from this chat."""
    update_id = next(_next_id)
    return Update.de_json(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 0,
                "chat": {"id": chat_id, "type": "private", "first_name": "A"},
                "from": {"id": chat_id, "is_bot": False, "first_name": "A"},
                "text": text,
            },
        },
        None,
    )


class Handlers:
    """Handlers that wait until released, and the order they ran in."""

    def __init__(self) -> None:
        self.started: list[tuple[int, int]] = []
        self.finished: list[tuple[int, int]] = []
        self.release: dict[int, asyncio.Event] = {}

    async def handle(self, update: Update) -> None:
        """Record the start, wait for the chat's release, record the end."""
        assert update.effective_chat is not None
        chat = update.effective_chat.id
        self.started.append((chat, update.update_id))
        await self.release.setdefault(chat, asyncio.Event()).wait()
        self.finished.append((chat, update.update_id))


class Notices:
    """A notifier that keeps the updates it was asked to notify."""

    def __init__(self) -> None:
        self.sent: list[int] = []

    async def __call__(self, update: Update) -> None:
        """Record the chat told to slow down."""
        assert update.effective_chat is not None
        self.sent.append(update.effective_chat.id)


async def settle() -> None:
    """Let every runnable task run until all wait."""
    for _ in range(20):
        await asyncio.sleep(0)


def submit(processor: PerChatUpdateProcessor, handlers: Handlers, update: Update) -> Any:
    """Hand an update to the processor as the Application does (a task per update)."""
    return asyncio.create_task(processor.process_update(update, handlers.handle(update)))


async def test_a_flooding_chat_holds_one_slot_and_others_are_served() -> None:
    handlers, notices = Handlers(), Notices()
    processor = PerChatUpdateProcessor(2, queue_per_chat=5, notify=notices)
    flood = [submit(processor, handlers, message(1)) for _ in range(40)]
    await settle()
    other = submit(processor, handlers, message(2))
    handlers.release[2] = asyncio.Event()
    handlers.release[2].set()
    await settle()

    # The other chat ran to its end while the flooding chat's first update still runs.
    assert [chat for chat, _ in handlers.finished] == [2]
    assert [chat for chat, _ in handlers.started] == [1, 2]
    assert other.done()
    # 5 kept (one running, four waiting their turn), 35 dropped, one notice for the burst.
    assert processor.waiting(1) == 5
    assert processor.dropped == 35
    assert notices.sent == [1]

    handlers.release[1].set()
    await asyncio.gather(*flood)
    kept = [update_id for chat, update_id in handlers.finished if chat == 1]
    assert len(kept) == 5
    assert kept == sorted(kept)  # the chat's own updates in order
    assert processor.waiting(1) == 0


async def test_a_new_burst_after_the_queue_emptied_gets_one_new_notice() -> None:
    handlers, notices = Handlers(), Notices()
    processor = PerChatUpdateProcessor(4, queue_per_chat=2, notify=notices)
    for _burst in range(2):
        handlers.release[7] = asyncio.Event()
        tasks = [submit(processor, handlers, message(7)) for _ in range(6)]
        await settle()
        handlers.release[7].set()
        await asyncio.gather(*tasks)
    assert notices.sent == [7, 7]
    assert processor.dropped == 8
    assert len(handlers.finished) == 4


async def test_slots_bound_the_chats_running_at_once() -> None:
    handlers = Handlers()
    processor = PerChatUpdateProcessor(3, queue_per_chat=10, notify=Notices())
    tasks = [submit(processor, handlers, message(chat)) for chat in range(100, 110)]
    await settle()
    assert len(handlers.started) == 3
    for chat in range(100, 110):
        handlers.release.setdefault(chat, asyncio.Event()).set()
    await asyncio.gather(*tasks)
    assert sorted(chat for chat, _ in handlers.finished) == list(range(100, 110))


async def test_under_the_cap_nothing_is_dropped_or_noticed() -> None:
    handlers, notices = Handlers(), Notices()
    processor = PerChatUpdateProcessor(16, queue_per_chat=10, notify=notices)
    handlers.release[3] = asyncio.Event()
    tasks = [submit(processor, handlers, message(3)) for _ in range(10)]
    await settle()
    handlers.release[3].set()
    await asyncio.gather(*tasks)
    assert len(handlers.finished) == 10
    assert processor.dropped == 0
    assert notices.sent == []
