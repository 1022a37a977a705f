"""Rendering helpers: HTML escaping, 4096-character splitting, keyboards."""

from __future__ import annotations

import html
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import MessageLimit
from telegram.error import BadRequest

CALLBACK_LIMIT = 64
# Telegram's answers when a message cannot be edited any more: send a new one instead.
UNEDITABLE = ("message to edit not found", "message can't be edited", "message_id_invalid")


def esc(text: object) -> str:
    """Escape text for Telegram's HTML parse mode."""
    return html.escape(str(text), quote=False)


def split_text(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Split at paragraph, then line, then hard boundaries so no part exceeds the limit.

    Texts are built so that no HTML tag spans a line, which keeps every part valid HTML;
    the limit counts characters of the raw text, so it is safe for the visible length too.
    """
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = rest.rfind("\n\n", 0, limit)
        if cut <= 0:
            cut = rest.rfind("\n", 0, limit)
        if cut <= 0:
            cut = rest.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def keyboard(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """Build an inline keyboard from rows of (label, callback data)."""
    for row in rows:
        for _label, data in row:
            if len(data.encode()) > CALLBACK_LIMIT:
                raise ValueError(f"callback data over {CALLBACK_LIMIT} bytes: {data!r}")
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


async def reply(
    update: Update, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Send text to the update's chat in as many parts as needed; markup goes on the last."""
    chat = update.effective_chat
    if chat is None:
        return None
    parts = split_text(text) or ["…"]
    sent: Message | None = None
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        sent = await chat.send_message(part, reply_markup=markup if last else None)
    return sent


async def edit_or_send(
    update: Update, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Replace the pressed button's message, or send a new one when it cannot be edited (too
    long, deleted meanwhile, too old or not the bot's to edit)."""
    query = update.callback_query
    if query is not None and query.message is not None and len(text) <= 4096:
        try:
            await query.edit_message_text(text, reply_markup=markup)
            return
        except BadRequest as exc:
            problem = exc.message.lower()
            if "not modified" in problem:  # a double tap asks for the same edit twice
                return
            if not any(gone in problem for gone in UNEDITABLE):
                raise
    await reply(update, text, markup)
