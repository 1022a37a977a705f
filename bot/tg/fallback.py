"""What no other handler took: awaited text, questions, media, unknown commands, edits."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.context import BotContext
from bot.services.identity.awaiting import Awaiting, AwaitKind
from bot.tg import intent
from bot.tg.kit.common import answer_stale, translator, whoami
from bot.tg.kit.render import reply
from bot.tg.questions.handlers import answer_question
from bot.tg.questions.replies import receive_reply, replied_question
from bot.tg.reflection.handlers import receive_answer

PRIVATE = filters.ChatType.PRIVATE


async def text_message(update: Update, context: BotContext) -> None:
    """Route free text to whatever the person's `awaiting` says (a name, a broadcast, a
    welcome text, a reply, feedback, a plan, a goal: each domain registers its receiver), to
    the question a reply quotes, to the open reflection, to the question /spoerg asked for;
    any other text is answered when it reads as a question, and a student is asked about the
    rest (a question, or something for the logbook?), see `bot.tg.intent`.

    A reply to a forwarded question comes before the receivers marked `after_replies`;
    an unknown or malformed `awaiting` falls through to the rest.
    """
    message = update.effective_message
    assert message is not None
    profile, language = await whoami(update, context)
    text = message.text or ""
    awaited = Awaiting.parse(profile.person.awaiting) if profile else None
    receiver = context.bot_data.awaited.receiver(awaited)
    if awaited is not None and receiver is not None and not receiver.after_replies:
        await receiver.text(update, context, awaited, text)
    elif profile and (question_id := await replied_question(update, context, profile)):
        await receive_reply(update, context, text, question_id)
    elif awaited is not None and receiver is not None:
        await receiver.text(update, context, awaited, text)
    elif profile and await context.services.reflections.open_entry(profile.person.telegram_id):
        await receive_answer(update, context, text)
    elif awaited is not None and awaited.kind is AwaitKind.QUESTION:
        await answer_question(update, context, text)
    else:
        await intent.free_text(update, context, profile, language, text)


async def unsupported_message(update: Update, context: BotContext) -> None:
    """Give a photo or document to what awaits one (a broadcast's attachment); otherwise
    explain kindly that only text is read."""
    profile, _ = await translator(update, context)
    awaited = Awaiting.parse(profile.person.awaiting) if profile else None
    receiver = context.bot_data.awaited.receiver(awaited)
    if awaited is not None and receiver is not None and receiver.media is not None:
        await receiver.media(update, context, awaited)
        return
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
    await answer_stale(update, context)


class EmptyCallbackHandler(BaseHandler[Update, BotContext, None]):
    """Takes a callback query without data (a forged or broken client's): PTB gives such a
    query to the first CallbackQueryHandler whatever its pattern, and that handler, finding
    no fields it knows, would leave the button spinning unanswered."""

    def check_update(self, update: object) -> bool:
        """Whether the update is a callback query with neither data nor a game."""
        query = update.callback_query if isinstance(update, Update) else None
        return query is not None and not query.data and not query.game_short_name


def register_early(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register what must come before every specific handler: buttons without data."""
    app.add_handler(EmptyCallbackHandler(stale_button))


def register(app: Application) -> None:
    """Register the fallbacks, the free-text choice's buttons first; they come last so
    specific handlers win."""
    intent.register(app)
    app.add_handler(MessageHandler(PRIVATE & filters.UpdateType.EDITED, edited_message))
    app.add_handler(MessageHandler(PRIVATE & filters.COMMAND, unknown_command))
    app.add_handler(MessageHandler(PRIVATE & filters.TEXT, text_message))
    app.add_handler(MessageHandler(PRIVATE & filters.UpdateType.MESSAGE, unsupported_message))
    app.add_handler(CallbackQueryHandler(stale_button))
