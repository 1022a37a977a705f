"""Who takes a person's awaited text: each tg domain registers a receiver for its kinds in its
own `register(app)`, so the free-text router needs to know none of them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from telegram import Update

from bot.services.identity.awaiting import Awaiting, AwaitKind

if TYPE_CHECKING:
    from bot.context import BotApplication, BotContext

TextReceiver = Callable[[Update, "BotContext", Awaiting, str], Awaitable[None]]
MediaReceiver = Callable[[Update, "BotContext", Awaiting], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Receiver:
    """What takes the awaited text (and, when given, a photo or document) of one kind.

    Attributes:
        text: Takes the text.
        media: Takes a photo or document; without it the person is told only text is read.
        after_replies: A Telegram reply to a forwarded question goes to that question first
            (writing feedback, a plan or a goal does not stop a coordinator answering).
    """

    text: TextReceiver
    media: MediaReceiver | None = None
    after_replies: bool = False


class AwaitedRegistry:
    """The receivers of awaited text, one per kind."""

    def __init__(self) -> None:
        self._receivers: dict[AwaitKind, Receiver] = {}

    def register(self, kind: AwaitKind, receiver: Receiver) -> None:
        """Make receiver take the text of a kind (registering again replaces it)."""
        self._receivers[kind] = receiver

    def receiver(self, awaiting: Awaiting | None) -> Receiver | None:
        """Return the receiver of what is awaited, or None when nothing (known) is."""
        return self._receivers.get(awaiting.kind) if awaiting is not None else None


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
