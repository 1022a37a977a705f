"""Send outbox messages through the Bot API and translate Telegram's errors into outcomes."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, InputFile, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError, TimedOut

from bot.services.delivery.outbox import MessageKind, OutboxItem, OutcomeKind, SendOutcome
from bot.tg.delivery.aiohttp_request import AiohttpRequest
from bot.tg.delivery.choices import reply_markup

log = logging.getLogger(__name__)


class TelegramSender:
    """Implements the Sender port with a plain PTB Bot (the dispatcher does the pacing).

    Given `form`, the bot's aiohttp transport, text messages take a lean path: one
    url-encoded POST whose answer yields only the message id, without PTB building a request
    object per parameter and a full Message from the answer (that halves the CPU per message
    at fan-out rates, see bench/fanout.py). Errors are PTB's either way.
    """

    def __init__(
        self, bot: Bot, timeout: float = 20.0, form: AiohttpRequest | None = None
    ) -> None:
        self._bot = bot
        self._timeout = timeout
        self._form = form
        self._send_message_url = f"{bot.base_url}/sendMessage"

    async def send(self, item: OutboxItem) -> SendOutcome:
        """Send one message; Telegram's answer becomes an outcome, never an exception."""
        try:
            message_id = await self._deliver(item)
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
        return SendOutcome(OutcomeKind.SENT, message_id=message_id)

    async def _deliver(self, item: OutboxItem) -> int:
        """Send by the lean path when it applies, else through PTB; return the message id."""
        if item.kind is MessageKind.TEXT and self._form is not None:
            result = await self._form.post_form(self._send_message_url, _text_fields(item))
            return int(result["message_id"])
        return (await self._send_with_ptb(item)).message_id

    async def _send_with_ptb(self, item: OutboxItem) -> Message:
        """Send a text, photo or document with PTB's Bot methods."""
        payload = item.payload
        markup = reply_markup(payload)
        keyboard = InlineKeyboardMarkup.de_json(markup, self._bot) if markup else None
        common: dict[str, Any] = {
            "parse_mode": ParseMode.HTML,
            "reply_markup": keyboard,
            "read_timeout": self._timeout,
            "write_timeout": self._timeout,
        }
        if item.kind is MessageKind.TEXT:
            return await self._bot.send_message(item.chat_id, payload["text"], **common)
        path = Path(payload["file"])
        upload = InputFile(await asyncio.to_thread(path.read_bytes), filename=path.name)
        caption = payload.get("caption")
        if item.kind is MessageKind.PHOTO:
            return await self._bot.send_photo(item.chat_id, upload, caption=caption, **common)
        return await self._bot.send_document(item.chat_id, upload, caption=caption, **common)


def _text_fields(item: OutboxItem) -> dict[str, str]:
    """Return sendMessage's form fields, encoded as PTB encodes them."""
    fields = {"chat_id": str(item.chat_id), "text": item.payload["text"], "parse_mode": "HTML"}
    markup = reply_markup(item.payload)
    if markup:
        fields["reply_markup"] = json.dumps(markup)
    return fields


def _seconds(value: object) -> float:
    """RetryAfter.retry_after is an int today and a timedelta in a future PTB."""
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]
