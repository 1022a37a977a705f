"""Everything no other handler took: pending answers, media, unknown commands, edits, stale buttons."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot.services.enrolment import AWAITING_NAME
from bot.tg.context import BotContext
from bot.tg.handlers.common import translator
from bot.tg.handlers.profile import NOT_ENROLLED, receive_name
from bot.tg.render import reply

PRIVATE = filters.ChatType.PRIVATE


async def text_message(update: Update, context: BotContext) -> None:
    """Route free text to whatever the bot is waiting for, or explain what it can do."""
    message = update.effective_message
    assert message is not None
    profile, _ = await translator(update, context)
    text = message.text or ""
    if profile is None:
        await reply(update, _(NOT_ENROLLED))
        return
    if profile.person.awaiting == AWAITING_NAME:
        await receive_name(update, context, text)
        return
    await reply(
        update,
        _(
            "Thank you for your message. I cannot answer free text yet — "
            "/help shows what I can do for you."
        ),
    )


async def unsupported_message(update: Update, context: BotContext) -> None:
    """Explain kindly that only text is read (stickers, photos, voice, files)."""
    _profile, _ = await translator(update, context)
    await reply(
        update,
        _(
            "I can only read text messages, so I have not stored this. "
            "Please write what you want to say as text."
        ),
    )


async def unknown_command(update: Update, context: BotContext) -> None:
    """Answer a command the bot does not know."""
    _profile, _ = await translator(update, context)
    await reply(update, _("I don't know that command. /help lists what you can do."))


async def edited_message(update: Update, context: BotContext) -> None:
    """Explain that edits are not picked up, so nothing is silently lost."""
    _profile, _ = await translator(update, context)
    await reply(
        update,
        _(
            "I saw that you edited a message. I only read new messages, "
            "so please send the corrected text as a new message."
        ),
    )


async def stale_button(update: Update, context: BotContext) -> None:
    """Answer a button that is old, forged or from a flow that has ended."""
    query = update.callback_query
    assert query is not None
    _profile, _ = await translator(update, context)
    await query.answer(_("That button is no longer valid. Please start again."), show_alert=True)


def register(app: Application) -> None:
    """Register the fallbacks; they come last so specific handlers win."""
    app.add_handler(MessageHandler(PRIVATE & filters.UpdateType.EDITED, edited_message))
    app.add_handler(MessageHandler(PRIVATE & filters.COMMAND, unknown_command))
    app.add_handler(MessageHandler(PRIVATE & filters.TEXT, text_message))
    app.add_handler(MessageHandler(PRIVATE & filters.UpdateType.MESSAGE, unsupported_message))
    app.add_handler(CallbackQueryHandler(stale_button))
