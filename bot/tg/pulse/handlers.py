"""Answers to the weekly pulse: "pu:<week start YYYYMMDD>:<score>" (no person in the data;
the presser is known from the update, and the service checks they were asked that week)."""

from __future__ import annotations

from datetime import date, datetime

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.context import BotContext
from bot.services.pulse.messages import TITLE
from bot.services.pulse.types import PulseOutcome
from bot.tg.kit.callbacks import as_int, unpack
from bot.tg.kit.common import translator
from bot.tg.kit.render import edit_or_send, esc
from bot.tg.pulse.texts import PREFIX, REPLIES


def parse_week(text: str) -> date | None:
    """Return the week start from YYYYMMDD, or None for anything else (forged data)."""
    if len(text) != 8 or as_int(text) is None:
        return None
    try:
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


async def answer(update: Update, context: BotContext) -> None:
    """Count the pressed score once; a second press, a late or a forged one is told why."""
    query = update.callback_query
    assert query is not None
    _profile, _ = await translator(update, context)
    fields = unpack(query.data, PREFIX, 2)
    week = parse_week(fields[0]) if fields else None
    score = as_int(fields[1]) if fields else None
    outcome = PulseOutcome.INVALID
    if week is not None and score is not None and query.from_user is not None:
        outcome = await context.services.pulse.answer(query.from_user.id, week, score)
    reply = _(REPLIES[outcome])
    await query.answer(reply)
    if outcome in (PulseOutcome.COUNTED, PulseOutcome.CLOSED):
        await edit_or_send(update, f"<b>{esc(_(TITLE))}</b>\n\n{esc(reply)}")


def register(app: Application) -> None:
    """Register the pulse buttons."""
    app.add_handler(CallbackQueryHandler(answer, pattern=rf"^{PREFIX}:"))
