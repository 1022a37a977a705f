"""Process updates of different chats concurrently, and each chat's updates in order.

Fairness: a chat first waits for its own turn (its lock), and only then for one of the
global slots, so a chat that floods holds at most one slot and never delays the others. A
chat may have at most `queue_per_chat` updates waiting or running; beyond that its updates
are dropped, and the chat gets one kind "slow down" notice per burst (the burst ends when
the chat's queue has emptied).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import BaseUpdateProcessor

from bot.i18n import N_, gettext_for, normalise_language

log = logging.getLogger(__name__)
# PTB's own semaphore is taken before `do_process_update`, so it must never bind: the real
# limit is `slots`, taken after the chat's turn.
_UNBOUNDED = 1 << 30
SLOW_DOWN = N_(
    "You are writing faster than I can keep up with, so I skipped some of your latest "
    "messages. Please wait for my answers, then send again what is missing."
)

Notify = Callable[[Update], Awaitable[None]]


@dataclass(slots=True)
class _Lane:
    """One chat's updates: its turn, how many wait or run, and whether it was told."""

    lock: asyncio.Lock
    queued: int = 0
    noticed: bool = False


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Concurrency across chats; a double tap or a quick second message waits its turn."""

    def __init__(
        self,
        max_concurrent_updates: int,
        queue_per_chat: int = 10,
        notify: Notify | None = None,
        default_language: str = "da",
    ) -> None:
        super().__init__(_UNBOUNDED)
        self.slots = max_concurrent_updates
        self.queue_per_chat = queue_per_chat
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._lanes: dict[int, _Lane] = {}
        self._notify = notify or self._slow_down
        self._default_language = default_language
        self.dropped = 0

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update's handlers in its chat's turn, then in a global slot."""
        key = _chat_key(update)
        if key is None:
            async with self._slots:
                await coroutine
            return
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = _Lane(asyncio.Lock())
        if lane.queued >= self.queue_per_chat:
            await self._drop(update, coroutine, lane)
            return
        lane.queued += 1
        try:
            async with lane.lock, self._slots:
                await coroutine
        finally:
            lane.queued -= 1
            if not lane.queued:  # forget idle chats: memory stays bounded, the burst ends
                del self._lanes[key]

    def waiting(self, chat_id: int) -> int:
        """Return how many updates of this chat wait or run."""
        lane = self._lanes.get(chat_id)
        return lane.queued if lane else 0

    async def _drop(self, update: object, coroutine: Awaitable[Any], lane: _Lane) -> None:
        """Drop an update over the chat's cap; tell the chat once per burst."""
        self.dropped += 1
        if asyncio.iscoroutine(coroutine):
            coroutine.close()  # never run: no "coroutine was never awaited" warning
        if lane.noticed or not isinstance(update, Update):
            return
        lane.noticed = True
        log.warning("a chat is flooding; dropping its updates beyond %s", self.queue_per_chat)
        try:
            await self._notify(update)
        except TelegramError as exc:  # a notice is a courtesy; the flood goes on without it
            log.info("could not send the slow-down notice: %s", type(exc).__name__)

    async def _slow_down(self, update: Update) -> None:
        """Ask a private chat, in its Telegram language, to wait for the replies."""
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE:
            return
        user = update.effective_user
        code = user.language_code if user else None
        _ = gettext_for(normalise_language(code, self._default_language))
        await chat.send_message(_(SLOW_DOWN))

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


def _chat_key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user else None
