"""PTB's rate limiter for the bot's replies, drawing from the bot's one send budget.

It replaces PTB's AIORateLimiter, which paced replies at 30 msg/s on its own while the outbox
paced at 29 msg/s beside it. Here every message a handler sends takes a slot of the shared
`SendBudget` (replies before the outbox), and a 429 pauses the budget, so the outbox waits
out Telegram's `retry_after` too, and the request is tried again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.services.delivery.budget import SendBudget

log = logging.getLogger(__name__)
JSONDict = dict[str, Any]
# Calls that are not messages in Telegram's limits: they take no slot.
FREE = frozenset(
    {
        "getMe",
        "getUpdates",
        "setWebhook",
        "deleteWebhook",
        "getWebhookInfo",
        "setMyCommands",
        "deleteMyCommands",
        "getMyCommands",
        "setChatMenuButton",
        "answerCallbackQuery",
        "sendChatAction",
        "getFile",
        "getChat",
        "close",
        "logOut",
    }
)


def counts_per_chat(endpoint: str) -> bool:
    """Return whether a call counts toward a chat's pace (new messages do, edits do not)."""
    return endpoint.startswith(("send", "copyMessage", "forwardMessage"))


class BudgetRateLimiter(BaseRateLimiter[int]):
    """Takes a slot of the shared budget for each message a handler sends."""

    def __init__(self, budget: SendBudget, max_retries: int = 3) -> None:
        self.budget = budget
        self._max_retries = max_retries

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        """Wait for a slot (none for calls that are not messages), send, retry after a 429."""
        retries = rate_limit_args if rate_limit_args is not None else self._max_retries
        chat = _chat_id(data.get("chat_id"))
        attempt = 0
        while True:
            if endpoint not in FREE:
                await self.budget.acquire(chat if counts_per_chat(endpoint) else None)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = _seconds(exc.retry_after)
                self.budget.pause(wait)
                if attempt >= retries:
                    log.warning("%s still limited after %s retries", endpoint, retries)
                    raise
                attempt += 1
                log.info("rate limited on %s; every send waits %.1f s", endpoint, wait)


def _chat_id(value: object) -> int | None:
    """Return a numeric chat id (a channel's @name counts overall only)."""
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


def _seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
