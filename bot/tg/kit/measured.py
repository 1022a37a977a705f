"""Time every update from its arrival to the end of its handling, by kind (never by user).

The measuring processor wraps the one that orders and limits updates: it takes no slot of
its own, so the time measured includes the wait for the chat's turn and a free slot (what the
person waits), and the inner processor's fairness is untouched.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.services.kernel.telemetry import Telemetry

UNBOUNDED = 1_000_000  # the inner processor does the limiting


def update_kind(update: object) -> str:
    """Return an update's kind for metrics: command, text, media, callback, edited, member,
    channel or other (never anything about who sent it)."""
    if not isinstance(update, Update):
        return "other"
    if update.callback_query is not None:
        return "callback"
    if update.my_chat_member is not None:
        return "member"
    if update.edited_message is not None:
        return "edited"
    if update.channel_post is not None or update.edited_channel_post is not None:
        return "channel"
    message = update.message
    if message is None:
        return "other"
    if message.text is not None:
        return "command" if message.text.startswith("/") else "text"
    return "media"


class MeasuredUpdateProcessor(BaseUpdateProcessor):
    """Counts and times each update, then hands it to the inner processor."""

    def __init__(
        self,
        inner: BaseUpdateProcessor,
        telemetry: Telemetry,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(max(UNBOUNDED, inner.max_concurrent_updates))
        self.inner = inner
        self._telemetry, self._monotonic = telemetry, monotonic

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update through the inner processor and record how long it took."""
        started = self._monotonic()
        try:
            await self.inner.process_update(update, coroutine)
        finally:
            self._telemetry.update_handled(update_kind(update), self._monotonic() - started)

    async def initialize(self) -> None:
        """Set up the inner processor."""
        await self.inner.initialize()

    async def shutdown(self) -> None:
        """Tear down the inner processor."""
        await self.inner.shutdown()
