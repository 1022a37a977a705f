"""Who takes a person's awaited text: each tg domain registers a receiver for its kinds in its
own `register(app)`, so the free-text router needs to know none of them. The registry lives
on the application's data (`bot.context`), which every driver shares."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.context import AwaitedRegistry, MediaReceiver, Receiver, TextReceiver
from bot.services.identity.awaiting import AwaitKind

if TYPE_CHECKING:
    from bot.context import BotApplication

__all__ = ["AwaitedRegistry", "Receiver", "register_awaited"]


def register_awaited(
    app: BotApplication,
    kind: AwaitKind,
    text: TextReceiver,
    *,
    media: MediaReceiver | None = None,
    after_replies: bool = False,
) -> None:
    """Register the receiver of a kind of awaited text on the application."""
    app.bot_data.awaited.register(kind, Receiver(text, media, after_replies))
