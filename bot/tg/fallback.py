"""What no other handler took: awaited text, questions, media, unknown commands, edits."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot.context import BotContext
from bot.services.broadcasts.introductions import awaited_welcome
from bot.services.broadcasts.types import Step, awaited_step
from bot.services.conversations.service import awaited_plan
from bot.services.feedback.access import awaited_request
from bot.services.onboarding.enrolment import AWAITING_NAME
from bot.services.questions.service import reply_target
from bot.services.reflection.logbook import awaited_goal
from bot.tg.broadcasts.compose import receive_attachment, receive_broadcast_text
from bot.tg.broadcasts.welcome import receive_welcome
from bot.tg.conversations.handlers import receive_plan
from bot.tg.feedback.handlers import receive_feedback
from bot.tg.identity.profile import receive_name
from bot.tg.kit.common import translator, whoami
from bot.tg.kit.render import reply
from bot.tg.questions.handlers import answer_question
from bot.tg.questions.replies import receive_reply, replied_question
from bot.tg.reflection.handlers import receive_answer
from bot.tg.reflection.logbook import receive_goal

PRIVATE = filters.ChatType.PRIVATE


async def text_message(update: Update, context: BotContext) -> None:
    """Route free text to whatever the bot is waiting for (a name, a broadcast, a welcome
    text, a reply, feedback, a goal, the answer to an open reflection); anything else is a question."""
    message = update.effective_message
    assert message is not None
    profile, _language = await whoami(update, context)
    text = message.text or ""
    awaiting = profile.person.awaiting if profile else None
    if awaiting == AWAITING_NAME:
        await receive_name(update, context, text)
    elif step := awaited_step(awaiting):
        await receive_broadcast_text(update, context, *step, text)
    elif (cohort_id := awaited_welcome(awaiting)) is not None:
        await receive_welcome(update, context, cohort_id)
    elif reply_target(awaiting) is not None:
        await receive_reply(update, context, text)
    elif profile and (question_id := await replied_question(update, context, profile)):
        await receive_reply(update, context, text, question_id)
    elif (request_id := awaited_request(awaiting)) is not None:
        await receive_feedback(update, context, request_id, text)
    elif (conversation_id := awaited_plan(awaiting)) is not None:
        await receive_plan(update, context, conversation_id, text)
    elif (goal_id := awaited_goal(awaiting)) is not None:
        await receive_goal(update, context, goal_id, text)
    elif profile and await context.services.reflections.open_entry(profile.person.telegram_id):
        await receive_answer(update, context, text)
    else:
        await answer_question(update, context, text)


async def unsupported_message(update: Update, context: BotContext) -> None:
    """Take a broadcast's attachment; otherwise explain kindly that only text is read."""
    profile, _ = await translator(update, context)
    step = awaited_step(profile.person.awaiting) if profile else None
    if step is not None and step[0] is Step.FILE:
        await receive_attachment(update, context, step[1])
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
