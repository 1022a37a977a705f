"""Coordinators answer handed-off questions, and see the knowledge gaps with /huller."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import N_
from bot.services.identity.access import Profile
from bot.services.identity.awaiting import AwaitKind
from bot.services.kernel.errors import ContainsCpr, Invalid, NotAllowed, NotFound
from bot.services.questions.service import MAX_REPLY_LENGTH
from bot.tg.kit.awaited import register_awaited
from bot.tg.kit.callbacks import as_int, unpack
from bot.tg.kit.common import translator
from bot.tg.kit.menu import Audience, register_commands
from bot.tg.kit.render import esc, reply
from bot.tg.knowledge.texts import faq_keyboard
from bot.tg.questions.texts import NOT_YOURS, gaps_message


async def answer_button(update: Update, context: BotContext) -> None:
    """Start a coordinator's answer: their next text goes to the student."""
    query = update.callback_query
    assert query is not None
    _profile, _ = await translator(update, context)
    fields = unpack(query.data, "qa", 2)
    question_id = as_int(fields[1]) if fields else None
    try:
        if question_id is None:
            raise NotFound("question")
        question = await context.services.questions.start_reply(query.from_user.id, question_id)
    except (NotAllowed, NotFound):
        await query.answer(_(NOT_YOURS), show_alert=True)
        return
    await query.answer()
    await reply(
        update,
        _("Write your answer to: <i>{question}</i>\nOr /annuller.").format(
            question=esc(question.text)
        ),
    )


async def replied_question(update: Update, context: BotContext, profile: Profile) -> int | None:
    """Return the question whose forwarded message this text replies to, if any."""
    message = update.effective_message
    replied = message.reply_to_message if message else None
    if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
        return None
    return await context.services.questions.forwarded(
        profile.person.telegram_id, replied.message_id
    )


async def receive_reply(
    update: Update, context: BotContext, text: str, question_id: int | None = None
) -> None:
    """Store a coordinator's answer and deliver it to the student."""
    user = update.effective_user
    assert user is not None
    _profile, _ = await translator(update, context)
    try:
        delivery = await context.services.questions.reply(user.id, text, question_id)
    except ContainsCpr:
        await reply(
            update,
            _(
                "That looks like a CPR number, so I have neither stored nor sent it. "
                "Please write your answer without it, or /annuller."
            ),
        )
        return
    except Invalid:
        await reply(
            update,
            _(
                "Please write your answer as text of at most {limit} characters, or /annuller."
            ).format(limit=MAX_REPLY_LENGTH),
        )
        return
    if delivery.asker is not None:  # the service has queued the answer for them
        await reply(update, _("Thank you! I have sent your answer to the student."))
    else:
        await reply(update, _("Your answer is saved, but I could not deliver it to the student."))


async def show_gaps(update: Update, context: BotContext) -> None:
    """List the questions the documents did not answer well, for coordinators, with a
    button to answer the first ones and save the answer as a FAQ."""
    profile, _ = await translator(update, context)
    services = context.services
    try:
        if profile is None:
            raise NotAllowed("not enrolled")
        actor = await services.access.actor(profile.person.telegram_id)
        gaps = await services.questions.gaps(actor)
    except NotAllowed:
        await reply(update, _("Only coordinators can see the knowledge gaps."))
        return
    markup = faq_keyboard(gaps, _) if services.knowledge.writable else None
    await reply(update, gaps_message(gaps, _, with_faq=markup is not None), markup)


def register(app: Application) -> None:
    """Register the coordinator's answer button and /huller."""
    register_commands(
        app,
        Audience.COORDINATOR,
        ("huller", N_("Questions the documents did not answer well"), 30),
    )
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler(["huller", "gaps"], show_gaps, filters=private))
    app.add_handler(CallbackQueryHandler(answer_button, pattern=r"^qa:re:"))
    # The service reads the awaited question itself, so a stale target is cleared there.
    register_awaited(app, AwaitKind.REPLY, lambda u, c, _a, text: receive_reply(u, c, text))
