"""Questions: free text or /spoerg, answered from the documents; 👍/👎 and "Ask a person"."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.constants import ChatAction
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import N_, Gettext, gettext_for
from bot.services.kernel.errors import ContainsCpr, Invalid, NotAllowed, NotFound
from bot.services.questions.service import MAX_QUESTION_LENGTH
from bot.tg.kit.callbacks import as_int, unpack
from bot.tg.kit.common import whoami
from bot.tg.kit.menu import Audience, register_commands
from bot.tg.kit.render import keyboard, reply
from bot.tg.questions.texts import (
    CPR_IN_QUESTION,
    NOT_YOURS,
    answer_keyboard,
    answer_message,
    ask_person_button,
    section_message,
)

log = logging.getLogger(__name__)
PRIVATE = filters.ChatType.PRIVATE
ACTIONS = ("up", "dn", "ho")


async def ask_command(update: Update, context: BotContext) -> None:
    """Answer /spoerg <question>, or ask for the question when none was given."""
    message = update.effective_message
    assert message is not None
    parts = (message.text or "").split(maxsplit=1)
    if len(parts) > 1:
        await answer_question(update, context, parts[1])
        return
    profile, language = await whoami(update, context)
    _ = gettext_for(language)
    if profile is not None:
        await context.services.questions.ask_later(profile.person.telegram_id)
    await reply(
        update,
        _("Write your question, and I will look for the answer in the placement documents.")
        + (" " + _("Or /annuller.") if profile else ""),
    )


async def answer_question(update: Update, context: BotContext, text: str) -> None:
    """Answer a question from the documents, with sources and buttons for enrolled askers."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None
    assert chat is not None
    _profile, language = await whoami(update, context)
    _ = gettext_for(language)
    with contextlib.suppress(TelegramError):  # only a courtesy while searching
        await chat.send_chat_action(ChatAction.TYPING)
    try:
        asked = await context.services.questions.ask(user.id, text, language)
    except ContainsCpr:
        await reply(update, _(CPR_IN_QUESTION))
        return
    except Invalid:
        await reply(
            update,
            _(
                "Please write your question as text of at most {limit} characters. "
                "/help shows what else I can do."
            ).format(limit=MAX_QUESTION_LENGTH),
        )
        return
    await reply(update, answer_message(asked, _), answer_keyboard(asked, _))


async def question_button(update: Update, context: BotContext) -> None:
    """Handle 👍, 👎 and "Ask a person"; only the asker may press them."""
    query = update.callback_query
    assert query is not None
    _profile, language = await whoami(update, context)
    _ = gettext_for(language)
    fields = unpack(query.data, "qa", 2)
    question_id = as_int(fields[1]) if fields else None
    if fields is None or question_id is None or fields[0] not in ACTIONS:
        await query.answer(_(NOT_YOURS), show_alert=True)
        return
    try:
        if fields[0] == "ho":
            await _hand_off(update, context, question_id, _)
        else:
            await _vote(update, context, question_id, fields[0] == "up", _)
    except (NotAllowed, NotFound):
        await query.answer(_(NOT_YOURS), show_alert=True)


async def _vote(
    update: Update, context: BotContext, question_id: int, helpful: bool, _: Gettext
) -> None:
    """Record a vote, thank the asker, and keep only the "Ask a person" button."""
    query = update.callback_query
    assert query is not None
    await context.services.questions.feedback(query.from_user.id, question_id, helpful)
    await query.answer(_("Thank you for your feedback!"))
    await _set_buttons(update, [[ask_person_button(question_id, _)]])


async def _hand_off(update: Update, context: BotContext, question_id: int, _: Gettext) -> None:
    """Pass the question on once and tell the asker; a double tap notifies nobody again."""
    query = update.callback_query
    assert query is not None
    result = await context.services.questions.hand_off(query.from_user.id, question_id)
    if result.already:
        await query.answer(_("I have already asked a coordinator about this."))
        await _set_buttons(update, None)
        return
    await query.answer()
    if not result.recipients:
        await reply(
            update,
            _(
                "Sorry, there is no coordinator I can ask right now. Please ask someone on your ward."
            ),
        )
        return
    await _set_buttons(update, None)  # the service has queued the question for them
    await reply(update, _("I have asked your coordinator. You will get the answer here."))


async def _set_buttons(update: Update, rows: list[list[tuple[str, str]]] | None) -> None:
    """Replace the buttons under the answer (a double tap may find them changed already)."""
    query = update.callback_query
    assert query is not None
    try:
        await query.edit_message_reply_markup(keyboard(rows) if rows else None)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            log.warning("could not change the buttons: %s", type(exc).__name__)


async def read_more(update: Update, context: BotContext) -> None:
    """Show the whole section an answer came from ("Læs mere"), in the reader's scopes."""
    query = update.callback_query
    assert query is not None
    _profile, language = await whoami(update, context)
    _ = gettext_for(language)
    fields = unpack(query.data, "kb", 2)
    if fields is None or fields[0] != "more" or not fields[1]:
        await query.answer(_(NOT_YOURS), show_alert=True)
        return
    try:
        section = await context.services.questions.read_more(query.from_user.id, fields[1])
    except (NotAllowed, NotFound):
        await query.answer(
            _("That section is no longer in the documents, or not for you."), show_alert=True
        )
        return
    await query.answer()
    await reply(update, section_message(section, _))


def register(app: Application) -> None:
    """Register /spoerg and the answer buttons."""
    register_commands(
        app,
        Audience.EVERYONE,
        ("spoerg", N_("Ask a question about your placement"), 20),
    )
    app.add_handler(CommandHandler(["spoerg", "ask"], ask_command, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(question_button, pattern=r"^qa:(up|dn|ho):"))
    app.add_handler(CallbackQueryHandler(read_more, pattern=r"^kb:more:"))
