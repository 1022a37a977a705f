"""A coordinator answers a knowledge gap from /huller ("Answer and save as FAQ"): their next
text becomes a FAQ entry of the department, answers the same question from then on, and
reaches the students who asked (through the outbox)."""

from __future__ import annotations

import contextlib

from telegram import Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler

from bot.context import BotContext
from bot.services.identity.awaiting import Awaiting, AwaitKind
from bot.services.kernel.errors import ContainsCpr, Invalid, NotAllowed, NotFound
from bot.services.knowledge.service import MAX_FAQ_LENGTH, KnowledgeUnavailable
from bot.services.knowledge.types import NoText
from bot.tg.kit.awaited import register_awaited
from bot.tg.kit.callbacks import as_int, unpack
from bot.tg.kit.common import translator
from bot.tg.kit.render import esc, reply
from bot.tg.knowledge.texts import NOT_HERE, NOT_VALID, PREFIX


async def faq_button(update: Update, context: BotContext) -> None:
    """Start answering a gap: the coordinator's next text is the FAQ answer."""
    query = update.callback_query
    assert query is not None
    _profile, _ = await translator(update, context)
    fields = unpack(query.data, PREFIX, 2)
    question_id = as_int(fields[1]) if fields else None
    try:
        if question_id is None:
            raise NotFound("question")
        draft = await context.services.knowledge.start_faq(query.from_user.id, question_id)
    except (NotAllowed, NotFound, KnowledgeUnavailable):
        await query.answer(_(NOT_VALID), show_alert=True)
        return
    await query.answer()
    await reply(
        update,
        _(
            "Write the answer to: <i>{question}</i>\n"
            "I save it as a FAQ for {department}: it answers this question from now on, and "
            "the students who asked get it too. Or /annuller."
        ).format(question=esc(draft.question), department=esc(draft.department.name)),
    )


async def receive_faq(update: Update, context: BotContext, _awaited: Awaiting, text: str) -> None:
    """Save the FAQ answer, index it and tell the coordinator who gets it."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None
    _profile, _ = await translator(update, context)
    if chat is not None:
        with contextlib.suppress(TelegramError):  # indexing takes a moment
            await chat.send_chat_action(ChatAction.TYPING)
    try:
        saved = await context.services.knowledge.save_faq(user.id, text)
    except ContainsCpr:
        await reply(
            update,
            _(
                "That looks like a CPR number, so I have neither stored nor sent it. "
                "Please write your answer without it, or /annuller."
            ),
        )
        return
    except (NoText, KnowledgeUnavailable):
        await reply(update, _(NOT_HERE))
        return
    except Invalid:
        await reply(
            update,
            _(
                "Please write your answer as text of at most {limit} characters, or /annuller."
            ).format(limit=MAX_FAQ_LENGTH),
        )
        return
    except (NotAllowed, NotFound):
        await reply(update, _(NOT_VALID))
        return
    lines = [
        _(
            "Saved as a FAQ for {department}: I answer this question from it now "
            "(/dokumenter lists it)."
        ).format(department=esc(saved.department.name))
    ]
    if saved.delivered:
        lines.append(
            _("I am sending the answer to the students who asked: {count}.").format(
                count=saved.delivered
            )
        )
    await reply(update, "\n".join(lines))


def register(app: Application) -> None:
    """Register the FAQ button of /huller and the receiver of the FAQ answer."""
    app.add_handler(CallbackQueryHandler(faq_button, pattern=rf"^{PREFIX}:faq:"))
    register_awaited(app, AwaitKind.FAQ, receive_faq)
