"""/samtaler: placement conversations, and writing the plan agreed at one (buttons cv:w:ID to
write, cv:l:ID for "not held yet"; the plan itself arrives as the student's next text)."""

from __future__ import annotations

from contextlib import suppress

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import N_, gettext_for
from bot.services.conversations.messages import kind_name, long_date
from bot.services.conversations.service import MAX_PLAN_LENGTH, NotYet, PlanRecorded
from bot.services.identity.awaiting import AwaitKind
from bot.services.kernel.errors import ContainsCpr, Invalid, NotAllowed, NotFound
from bot.tg.conversations.texts import (
    ALREADY_WRITTEN,
    ASK_AGAIN,
    GONE,
    LOGBOOK,
    NOT_FOR_YOU,
    NOT_YET,
    SAVED,
    TOO_LONG,
    overview_keyboard,
    overview_message,
    write_prompt,
)
from bot.tg.kit.awaited import register_awaited
from bot.tg.kit.callbacks import as_int, unpack
from bot.tg.kit.common import whoami
from bot.tg.kit.menu import Audience, register_commands
from bot.tg.kit.render import keyboard, reply
from bot.tg.reflection.texts import CPR_IN_ANSWER

PRIVATE = filters.ChatType.PRIVATE
STALE = "That button is no longer valid."


async def conversations_command(update: Update, context: BotContext) -> None:
    """Show a student's conversations, or a supervisor's students' upcoming ones."""
    user = update.effective_user
    assert user is not None
    profile, language = await whoami(update, context)
    _ = gettext_for(language)
    try:
        overview = await context.services.conversations.overview(user.id)
    except NotAllowed:
        if profile is None:
            await reply(update, _("Please join with your invite link first."))
        else:
            await reply(update, _(NOT_FOR_YOU))
        return
    rows = overview_keyboard(overview, _)
    await reply(update, overview_message(overview, language, _), keyboard(rows) if rows else None)


async def conversation_button(update: Update, context: BotContext) -> None:
    """Start writing a plan (cv:w:ID) or postpone the question (cv:l:ID); only the
    conversation's own student may, anyone else is told the button is no longer valid."""
    query = update.callback_query
    assert query is not None
    _profile, language = await whoami(update, context)
    _ = gettext_for(language)
    fields = unpack(query.data, "cv", 2)
    conversation_id = as_int(fields[1]) if fields else None
    if fields is None or conversation_id is None or fields[0] not in ("w", "l"):
        await query.answer(_(STALE), show_alert=True)
        return
    service = context.services.conversations
    try:
        if fields[0] == "w":
            conversation = await service.ask_plan(query.from_user.id, conversation_id)
            await query.answer()
            await reply(update, write_prompt(conversation, language, _))
            return
        day = await service.postpone(query.from_user.id, conversation_id)
    except (NotAllowed, NotFound):
        await query.answer(_(STALE), show_alert=True)
        return
    except NotYet:
        await query.answer(_(NOT_YET), show_alert=True)
        return
    except PlanRecorded:
        await query.answer(_(ALREADY_WRITTEN), show_alert=True)
        return
    await query.answer()
    with suppress(BadRequest):  # take the question's buttons away (gone after a double tap)
        await query.edit_message_reply_markup(None)
    await reply(update, _(ASK_AGAIN).format(date=long_date(day, language)))


async def receive_plan(
    update: Update, context: BotContext, conversation_id: int, text: str
) -> None:
    """Save the text the student wrote as the plan of the conversation."""
    user = update.effective_user
    assert user is not None
    _profile, language = await whoami(update, context)
    _ = gettext_for(language)
    try:
        conversation = await context.services.conversations.save_plan(
            user.id, conversation_id, text
        )
    except ContainsCpr:
        await reply(update, _(CPR_IN_ANSWER))
        return
    except Invalid:
        await reply(update, _(TOO_LONG).format(limit=MAX_PLAN_LENGTH))
        return
    except (NotAllowed, NotFound):
        await context.services.enrolment.cancel_awaiting(user.id)
        await reply(update, _(GONE))
        return
    saved = _(SAVED).format(kind=kind_name(conversation.kind, _))
    await reply(update, saved, keyboard([[(_(LOGBOOK), "lb:p:0")]]))


def register(app: Application) -> None:
    """Register /samtaler (alias /conversations) and its buttons."""
    register_commands(
        app,
        Audience.STUDENT,
        ("samtaler", N_("Your placement conversations and their plans"), 40),
    )
    register_commands(
        app,
        Audience.SUPERVISOR,
        ("samtaler", N_("Your students' upcoming placement conversations"), 20),
    )
    app.add_handler(
        CommandHandler(["samtaler", "conversations"], conversations_command, filters=PRIVATE)
    )
    app.add_handler(CallbackQueryHandler(conversation_button, pattern=r"^cv:"))
    register_awaited(
        app,
        AwaitKind.PLAN,
        lambda u, c, awaited, text: receive_plan(u, c, awaited.target_id, text),
        after_replies=True,
    )
