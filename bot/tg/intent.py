"""Free text that is not clearly a question: a student is asked whether it is a question or
something for the logbook, and nothing is kept until they choose.

The choice replies to the student's own message, so Telegram hands the text back with the
button press (`reply_to_message`): the bot keeps nothing meanwhile, and a restart loses
nothing. The buttons carry that message's id ("ft:<verb>:<message id>"), checked against the
message they reply to (other data is refused); a text that is gone (deleted) is asked for
again. The first press
takes the buttons away, so a double tap acts once, and the logbook keeps one entry per
message whatever happens.
"""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Message, ReplyParameters, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler

from bot.context import BotContext
from bot.i18n import N_, Gettext, gettext_for
from bot.services.identity.access import Profile
from bot.services.identity.domain import Role
from bot.services.kernel.errors import ContainsCpr, Invalid, NotAllowed
from bot.services.questions.intent import Route, route
from bot.services.reflection.answering import MAX_ANSWER_LENGTH
from bot.services.reflection.logbook import Written
from bot.tg.kit.callbacks import as_int, pack, unpack
from bot.tg.kit.common import whoami
from bot.tg.kit.render import keyboard, reply
from bot.tg.questions.handlers import answer_question
from bot.tg.reflection.logbook import NOT_STUDENT
from bot.tg.reflection.texts import CPR_IN_ANSWER, after_entry_keyboard

log = logging.getLogger(__name__)
PREFIX = "ft"
QUESTION, LOGBOOK, NEITHER = "q", "lb", "no"

CHOICE = N_(
    "Is this a question for me, or something to keep in your logbook? "
    "I keep nothing until you choose."
)
QUESTION_BUTTON = N_("❓ It is a question")
LOGBOOK_BUTTON = N_("📓 Save in my logbook")
NEITHER_BUTTON = N_("Neither")
GREETING = N_(
    "🙂 Write to me whenever you have a question about your placement. "
    "/help shows what else I can do."
)
SAVED = N_("📓 Saved in your logbook.")
ALREADY_SAVED = N_("That is in your logbook already.")
KEPT_NOTHING = N_("Fine, I have not kept anything.")
GONE = N_("I can no longer see the message you wrote. Please send it again.")
DONE = N_("I have taken care of that already.")
TOO_LONG = N_("A logbook entry holds at most {limit} characters. Please send it in shorter parts.")


async def free_text(
    update: Update, context: BotContext, profile: Profile | None, language: str, text: str
) -> None:
    """Answer a text that reads as a question; ask a student about any other text (it may
    be for the logbook); greet back thanks and greetings, storing nothing."""
    has_logbook = profile is not None and profile.has_role(Role.STUDENT)
    action = route(text, has_logbook=has_logbook)
    if action is Route.ANSWER:
        await answer_question(update, context, text)
        return
    _ = gettext_for(language)
    if action is Route.GREET:
        await reply(update, _(GREETING))
        return
    await _ask(update, _)


async def _ask(update: Update, _: Gettext) -> None:
    """Ask, in a reply to the student's message, whether it is a question or for the logbook."""
    message, chat = update.effective_message, update.effective_chat
    assert message is not None
    assert chat is not None
    rows = [
        [(_(QUESTION_BUTTON), pack(PREFIX, QUESTION, message.message_id))],
        [(_(LOGBOOK_BUTTON), pack(PREFIX, LOGBOOK, message.message_id))],
        [(_(NEITHER_BUTTON), pack(PREFIX, NEITHER, message.message_id))],
    ]
    await chat.send_message(
        _(CHOICE),
        reply_markup=keyboard(rows),
        reply_parameters=ReplyParameters(message.message_id, allow_sending_without_reply=True),
    )


async def choice_button(update: Update, context: BotContext) -> None:
    """Act on the choice once: answer the text as a question, keep it in the logbook, or keep
    nothing; a stale, forged or second press does nothing."""
    query = update.callback_query
    assert query is not None
    _profile, language = await whoami(update, context)
    _ = gettext_for(language)
    fields = unpack(query.data, PREFIX, 2)
    message_id = as_int(fields[1]) if fields else None
    if fields is None or message_id is None or fields[0] not in (QUESTION, LOGBOOK, NEITHER):
        await query.answer(_("That button is no longer valid."), show_alert=True)
        return
    replied = _replied(query)
    if not _on_a_choice(query) or (replied is not None and not _names(replied, query, message_id)):
        await query.answer(_("That button is no longer valid."), show_alert=True)
        return
    text = replied.text if replied is not None else None
    if text is None and fields[0] != NEITHER:
        await _take_buttons(query)  # the text is gone: they can never work again
        await query.answer(_(GONE), show_alert=True)
        return
    if not await _take_buttons(query):
        await query.answer(_(DONE))
        return
    await query.answer()
    if fields[0] == NEITHER or text is None:
        await reply(update, _(KEPT_NOTHING))
    elif fields[0] == QUESTION:
        await answer_question(update, context, text)
    else:
        await _keep(update, context, text, message_id, _)


async def _keep(
    update: Update, context: BotContext, text: str, message_id: int, _: Gettext
) -> None:
    """Keep the text in the student's logbook and offer a goal, sharing and the logbook."""
    user = update.effective_user
    assert user is not None
    try:
        written = await context.services.logbook.write(user.id, text, message_id)
    except ContainsCpr:
        await reply(update, _(CPR_IN_ANSWER))
        return
    except Invalid:
        await reply(update, _(TOO_LONG).format(limit=MAX_ANSWER_LENGTH))
        return
    except NotAllowed:
        await reply(update, _(NOT_STUDENT))
        return
    if not written.new:
        await reply(update, _(ALREADY_SAVED))
        return
    rows = after_entry_keyboard(written.entry, written.goals, written.has_supervisor, _)
    await reply(update, saved_message(written, _), keyboard(rows))


def saved_message(written: Written, _: Gettext) -> str:
    """Return the note that the text is in the logbook, with what the buttons offer."""
    lines = [_(SAVED)]
    if written.goals:
        lines.append(_("Does it belong to one of your learning goals?"))
    if written.has_supervisor:
        lines.append(_("It stays private unless you share it with your supervisor."))
    return "\n\n".join(lines)


def _on_a_choice(query: CallbackQuery) -> bool:
    """Return whether the pressed message is a choice (or has no buttons left): forged data
    on another message must not take that message's buttons."""
    message = query.message
    markup = message.reply_markup if isinstance(message, Message) else None
    if markup is None:
        return True
    data = [b.callback_data for row in markup.inline_keyboard for b in row]
    return any(isinstance(d, str) and d.startswith(PREFIX + ":") for d in data)


def _replied(query: CallbackQuery) -> Message | None:
    """Return the message the pressed choice replies to, while it is still there."""
    message = query.message
    return message.reply_to_message if isinstance(message, Message) else None


def _names(replied: Message, query: CallbackQuery, message_id: int) -> bool:
    """Return whether the button names the presser's message that the choice replies to."""
    author = replied.from_user
    return (
        replied.message_id == message_id and author is not None and author.id == query.from_user.id
    )


async def _take_buttons(query: CallbackQuery) -> bool:
    """Remove the choice's buttons; return False when an earlier press already did."""
    try:
        await query.edit_message_reply_markup(None)
    except BadRequest as exc:
        if "not modified" in exc.message.lower():
            return False
        log.warning("could not remove the choice's buttons: %s", type(exc).__name__)
    return True


def register(app: Application) -> None:
    """Register the choice's buttons (before the fallback for stale buttons)."""
    app.add_handler(CallbackQueryHandler(choice_button, pattern=rf"^{PREFIX}:"))
