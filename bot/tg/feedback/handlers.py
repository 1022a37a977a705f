"""/feedback and its buttons: the student's self-assessment and action, the supervisor's
answer, decline and pass-on, and the text written for whichever step is open."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import N_, Gettext, gettext_for
from bot.services.feedback.flow import MAX_FIELD_LENGTH, Ask
from bot.services.feedback.messages import request_payload
from bot.services.feedback.service import Closed, Given, Ready, Saved
from bot.services.identity.awaiting import AwaitKind
from bot.services.identity.domain import Role
from bot.services.kernel.errors import ContainsCpr, Invalid, NotAllowed, NotFound
from bot.tg.delivery.choices import choice_rows
from bot.tg.feedback.texts import (
    CLOSED,
    NOT_VALID,
    ask_keyboard,
    ask_message,
    ready_keyboard,
    ready_message,
    saved_message,
    waiting_keyboard,
    waiting_message,
)
from bot.tg.kit.awaited import register_awaited
from bot.tg.kit.callbacks import as_int, unpack
from bot.tg.kit.common import whoami
from bot.tg.kit.menu import Audience, register_commands
from bot.tg.kit.render import edit_or_send, esc, keyboard, reply
from bot.tg.reflection.texts import CPR_IN_ANSWER

PRIVATE = filters.ChatType.PRIVATE
Result = Ask | Ready | Given | Saved


async def feedback_command(update: Update, context: BotContext) -> None:
    """Students start a self-assessment; supervisors see what waits for them."""
    profile, language = await whoami(update, context)
    _ = gettext_for(language)
    user = update.effective_user
    assert user is not None
    if profile is not None and profile.has_role(Role.STUDENT):
        await _show(update, await context.services.feedback.start(user.id), _)
    elif profile is not None and profile.has_role(Role.SUPERVISOR):
        waiting = await context.services.feedback.supervisor.waiting(user.id)
        await reply(update, waiting_message(waiting, _), keyboard(waiting_keyboard(waiting, _)))
    else:
        await reply(update, _("Feedback requests are for students and their supervisors."))


async def _show(update: Update, result: Result, _: Gettext) -> None:
    """Reply with what follows a step: the next question, the choice, or the thanks."""
    if isinstance(result, Ask):
        await reply(update, ask_message(result, _), keyboard(ask_keyboard(result, _)))
    elif isinstance(result, Ready):
        await reply(update, ready_message(result, _), keyboard(ready_keyboard(result, _)))
    elif isinstance(result, Given):
        await reply(
            update,
            _("Thank you! Your feedback is on its way to {name}. ⏱").format(
                name=esc(result.student.display_name)
            ),
        )
    else:
        await reply(update, saved_message(result, _))


async def receive_feedback(
    update: Update, context: BotContext, request_id: int, text: str
) -> None:
    """Store the text for the step being written."""
    user = update.effective_user
    assert user is not None
    _profile, language = await whoami(update, context)
    _ = gettext_for(language)
    try:
        result = await context.services.feedback.write(user.id, request_id, text)
    except ContainsCpr:
        await reply(update, _(CPR_IN_ANSWER))
        return
    except Invalid:
        await reply(
            update,
            _("Please write it as text of at most {limit} characters.").format(
                limit=MAX_FIELD_LENGTH
            ),
        )
        return
    except Closed:
        await reply(update, _(CLOSED))
        return
    await _show(update, result, _)


async def student_button(update: Update, context: BotContext) -> None:
    """fb:new|later|verbal|keep|act:<id> and fs:<id>:<supervisor> (send)."""
    query = update.callback_query
    assert query is not None
    _profile, language = await whoami(update, context)
    _ = gettext_for(language)
    prefix = (query.data or "")[:2]
    fields = unpack(query.data, prefix, 2)
    feedback = context.services.feedback
    tid = query.from_user.id
    try:
        if prefix == "fs":
            request_id, supervisor_id = (as_int(f) for f in fields or ("", ""))
            if request_id is None or supervisor_id is None:
                raise NotFound("button")
            supervisor = await feedback.send(tid, request_id, supervisor_id)
            await query.answer()
            await edit_or_send(
                update,
                _("Sent to {name}. I will tell you when the feedback comes. 📨").format(
                    name=esc(supervisor.display_name)
                ),
            )
            return
        action, number = (fields[0], as_int(fields[1])) if fields else ("", None)
        if number is None or action not in ("new", "later", "verbal", "keep", "act"):
            raise NotFound("button")
        if action == "later":
            await query.answer()
            await edit_or_send(update, _("Fine. Maybe next time. 🌿"))
            return
        result: Result
        if action == "new":
            result = await feedback.start(tid)
        elif action == "verbal":
            result = await feedback.verbal(tid, number)
        elif action == "act":
            result = await feedback.act(tid, number)
        else:
            result = await feedback.keep(tid, number)
        await query.answer()
        await _show(update, result, _)
    except NotAllowed:
        await query.answer(_("Feedback requests are for students."), show_alert=True)
    except NotFound:
        await query.answer(_(NOT_VALID), show_alert=True)
    except Closed:
        await query.answer(_(CLOSED), show_alert=True)


async def supervisor_button(update: Update, context: BotContext) -> None:
    """fq:show|go|pass|no:<id>, fp:<id>:<colleague> (pass on) and fk:<id>:<field> (quick)."""
    query = update.callback_query
    assert query is not None
    _profile, language = await whoami(update, context)
    _ = gettext_for(language)
    prefix = (query.data or "")[:2]
    fields = unpack(query.data, prefix, 2)
    try:
        if fields is None:
            raise NotFound("button")
        if prefix == "fk":
            await _quick(update, context, fields, _)
        elif prefix == "fp":
            await _pass_to(update, context, fields, _)
        else:
            await _request_action(update, context, fields, _, language)
    except NotFound:
        await query.answer(_(NOT_VALID), show_alert=True)
    except Invalid:
        await query.answer(_("Already saved."))
    except Closed:
        await query.answer(_(CLOSED), show_alert=True)


async def _quick(update: Update, context: BotContext, fields: list[str], _: Gettext) -> None:
    """Use the student's own words for this step."""
    query = update.callback_query
    assert query is not None
    request_id = as_int(fields[0])
    if request_id is None:
        raise NotFound("button")
    result = await context.services.feedback.quick(query.from_user.id, request_id, fields[1])
    await query.answer()
    await query.edit_message_reply_markup(None)
    await _show(update, result, _)


async def _pass_to(update: Update, context: BotContext, fields: list[str], _: Gettext) -> None:
    """Pass the request to the chosen colleague."""
    query = update.callback_query
    assert query is not None
    request_id, colleague_id = as_int(fields[0]), as_int(fields[1])
    if request_id is None or colleague_id is None:
        raise NotFound("button")
    supervisors = context.services.feedback.supervisor
    colleague = await supervisors.pass_to(query.from_user.id, request_id, colleague_id)
    await query.answer()
    await edit_or_send(
        update,
        _("Passed on to {name}. The student has been told. Thank you!").format(
            name=esc(colleague.display_name)
        ),
    )


async def _request_action(
    update: Update, context: BotContext, fields: list[str], _: Gettext, language: str
) -> None:
    """Show a request again, start answering, offer colleagues, or decline."""
    query = update.callback_query
    assert query is not None
    action, request_id = fields[0], as_int(fields[1])
    if request_id is None or action not in ("show", "go", "pass", "no"):
        raise NotFound("button")
    supervisors, tid = context.services.feedback.supervisor, query.from_user.id
    if action == "show":
        waiting = await supervisors.request(tid, request_id)
        payload = request_payload(waiting.request, waiting.student, language)
        await query.answer()
        await reply(update, payload["text"], _markup(payload))
    elif action == "go":
        ask = await supervisors.answer(tid, request_id)
        await query.answer()
        await _show(update, ask, _)
    elif action == "pass":
        colleagues = await supervisors.colleagues(tid, request_id)
        await query.answer()
        if not colleagues:
            await reply(update, _("There is no other supervisor in this cohort to pass it to."))
            return
        rows = [[(c.display_name, f"fp:{request_id}:{c.id}")] for c in colleagues[:20]]
        await reply(update, _("Who should take over this request?"), keyboard(rows))
    else:
        name = await supervisors.decline(tid, request_id)
        await query.answer()
        await edit_or_send(
            update, _("Declined. I have told {name} kindly.").format(name=esc(name))
        )


def _markup(payload: dict) -> InlineKeyboardMarkup:
    """Turn an outbox message's choices into PTB's markup, as the sender would."""
    return keyboard(choice_rows(payload))


def register(app: Application) -> None:
    """Register /feedback and the feedback buttons."""
    register_commands(
        app,
        Audience.STUDENT,
        ("feedback", N_("Ask for feedback (a short self-assessment first)"), 50),
    )
    register_commands(
        app,
        Audience.SUPERVISOR,
        ("feedback", N_("Feedback requests waiting for you"), 30),
    )
    app.add_handler(CommandHandler("feedback", feedback_command, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(student_button, pattern=r"^f[bs]:"))
    app.add_handler(CallbackQueryHandler(supervisor_button, pattern=r"^f[qpk]:"))
    register_awaited(
        app,
        AwaitKind.FEEDBACK,
        lambda u, c, awaited, text: receive_feedback(u, c, awaited.target_id, text),
        after_replies=True,
    )
