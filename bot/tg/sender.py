"""Send outbox messages through the Bot API and translate Telegram's errors into outcomes."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from telegram import Bot, InlineKeyboardMarkup, InputFile, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError, TimedOut

from bot.services.outbox_types import MessageKind, OutboxItem, OutcomeKind, SendOutcome

log = logging.getLogger(__name__)


class TelegramSender:
    """Implements the Sender port with a plain PTB Bot (the dispatcher does the pacing)."""

    def __init__(self, bot: Bot, timeout: float = 20.0) -> None:
        self._bot = bot
        self._timeout = timeout

    async def send(self, item: OutboxItem) -> SendOutcome:
        """Send one message; Telegram's answer becomes an outcome, never an exception."""
        try:
            message = await self._deliver(item)
        except RetryAfter as exc:
            return SendOutcome(
                OutcomeKind.RETRY_AFTER,
                retry_after=_seconds(exc.retry_after),
                error="429 retry after",
            )
        except Forbidden as exc:
            return SendOutcome(OutcomeKind.BLOCKED, error=f"403 {exc.message}"[:200])
        except BadRequest as exc:
            return SendOutcome(OutcomeKind.BAD_REQUEST, error=f"400 {exc.message}"[:200])
        except TimedOut:
            return SendOutcome(OutcomeKind.TRANSIENT, error="timed out")
        except (TelegramError, OSError) as exc:
            return SendOutcome(OutcomeKind.TRANSIENT, error=f"{type(exc).__name__}: {exc}"[:200])
        return SendOutcome(OutcomeKind.SENT, message_id=message.message_id)

    async def _deliver(self, item: OutboxItem) -> Message:
        payload = item.payload
        markup = payload.get("reply_markup")
        keyboard = InlineKeyboardMarkup.de_json(markup, self._bot) if markup else None
        timeouts = {"read_timeout": self._timeout, "write_timeout": self._timeout}
        if item.kind is MessageKind.TEXT:
            return await self._bot.send_message(
                item.chat_id,
                payload["text"],
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard,
                **timeouts,
            )
        path = Path(payload["file"])
        upload = InputFile(await asyncio.to_thread(path.read_bytes), filename=path.name)
        caption = payload.get("caption")
        if item.kind is MessageKind.PHOTO:
            return await self._bot.send_photo(
                item.chat_id,
                upload,
                caption=caption,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard,
                **timeouts,
            )
        return await self._bot.send_document(
            item.chat_id,
            upload,
            caption=caption,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard,
            **timeouts,
        )


def _seconds(value: object) -> float:
    """RetryAfter.retry_after is an int today and a timedelta in a future PTB."""
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]
