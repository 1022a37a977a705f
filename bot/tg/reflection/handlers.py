"""The reflection conversation: the prompt's buttons, /refleksion, and the answers."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from babel.dates import format_time
from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import N_, Gettext, gettext_for
from bot.services.identity.domain import Role
from bot.services.kernel.errors import ContainsCpr, Invalid, NotAllowed, NotFound
from bot.services.reflection.answering import MAX_ANSWER_LENGTH, Closed, Finished
from bot.tg.kit.callbacks import as_int, unpack
from bot.tg.kit.common import whoami
from bot.tg.kit.menu import Audience, register_commands
from bot.tg.kit.render import edit_or_send, keyboard, reply
from bot.tg.reflection.texts import (
    CPR_IN_ANSWER,
    entry_keyboard,
    entry_message,
    finished_keyboard,
    finished_message,
    step_message,
)

PRIVATE = filters.ChatType.PRIVATE
ACTIONS = ("go", "snz", "skip", "hard", "short")
NO_LONGER = N_("That reflection is closed. /refleksion starts a new one.")


async def reflect_command(update: Update, context: BotContext) -> None:
    """Start a reflection now, or show the open one's next question."""
    profile, language = await whoami(update, context)
    user = update.effective_user
    assert user is not None
    _ = gettext_for(language)
    if profile is None or not profile.has_role(Role.STUDENT):
        await reply(update, _("Reflection prompts and the logbook are for students."))
        return
    step = await context.services.reflections.start(user.id)
    await reply(update, step_message(step, language))


async def prompt_button(update: Update, context: BotContext) -> None:
    """Handle the prompt's buttons; only the student it was sent to may press them."""
    query = update.callback_query
    assert query is not None
    profile, language = await whoami(update, context)
    _ = gettext_for(language)
    fields = unpack(query.data, "rf", 2)
    entry_id = as_int(fields[1]) if fields else None
    if fields is None or entry_id is None or fields[0] not in ACTIONS or profile is None:
        await query.answer(_("That button is no longer valid. Please start again."))
        return
    reflections = context.services.reflections
    try:
        if fields[0] == "snz":
            until = await reflections.snooze(query.from_user.id, entry_id)
            local = until.astimezone(ZoneInfo(profile.person.timezone))
            await query.answer()
            await edit_or_send(
                update,
                _("Fine, I will ask again at {time}.").format(
                    time=format_time(local, "HH:mm", locale=language)
                ),
            )
        elif fields[0] == "skip":
            await reflections.skip(query.from_user.id, entry_id)
            await query.answer()
            await edit_or_send(update, _("No reflection today, that is fine. See you next time."))
        else:
            await _open_step(update, context, entry_id, fields[0], language, _)
    except (Closed, NotFound):
        await query.answer(_(NO_LONGER), show_alert=True)
    except Invalid:
        await query.answer(
            _("You have started answering already; finish this reflection first."),
            show_alert=True,
        )


async def _open_step(
    update: Update, context: BotContext, entry_id: int, action: str, language: str, _: Gettext
) -> None:
    """Show the question to answer next, after "answer now", "hard shift" or "short"."""
    query = update.callback_query
    assert query is not None
    reflections = context.services.reflections
    if action == "go":
        step = await reflections.begin(query.from_user.id, entry_id)
    else:
        step = await reflections.switch(query.from_user.id, entry_id, hard_shift=action == "hard")
    await query.answer()
    if action == "hard":
        await reply(
            update,
            _(
                "I am sorry you had a hard shift. Take the time you need, and write only "
                "what you want to. It can help to talk with your supervisor or a colleague too."
            ),
        )
    await reply(update, step_message(step, language))


async def receive_answer(update: Update, context: BotContext, text: str) -> None:
    """Store an answer and ask the next question, or thank the student at the end."""
    user = update.effective_user
    assert user is not None
    _profile, language = await whoami(update, context)
    _ = gettext_for(language)
    try:
        result = await context.services.reflections.answer(user.id, text)
    except ContainsCpr:
        await reply(update, _(CPR_IN_ANSWER))
        return
    except Invalid:
        await reply(
            update,
            _(
                "Please write your answer as text of at most {limit} characters; "
                "you can split it over several reflections."
            ).format(limit=MAX_ANSWER_LENGTH),
        )
        return
    except Closed:
        await reply(update, _(NO_LONGER))
        return
    if isinstance(result, Finished):
        await reply(update, finished_message(result, _), keyboard(finished_keyboard(result, _)))
    else:
        await reply(update, step_message(result, language))


async def entry_button(update: Update, context: BotContext) -> None:
    """Tie an entry to a goal (rg:entry:goal) or share it (rs:entry:1|0)."""
    query = update.callback_query
    assert query is not None
    _profile, language = await whoami(update, context)
    _ = gettext_for(language)
    prefix = (query.data or "")[:2]
    fields = unpack(query.data, prefix, 2)
    numbers = [as_int(f) for f in fields] if fields else []
    entry_id, value = numbers if len(numbers) == 2 else (None, None)
    if entry_id is None or value is None:
        await query.answer(_("That button is no longer valid. Please start again."))
        return
    logbook = context.services.logbook
    try:
        if prefix == "rg":
            view = await logbook.tag(query.from_user.id, entry_id, value or None)
            note = _("Saved with the learning goal.") if value else _("Learning goal removed.")
        else:
            view = await logbook.share(query.from_user.id, entry_id, bool(value))
            note = _("Shared with your supervisor.") if value else _("No longer shared.")
    except (NotFound, NotAllowed):
        await query.answer(_("That button is no longer valid. Please start again."))
        return
    await query.answer(note)
    goals = await logbook.goals(query.from_user.id)
    await edit_or_send(
        update, entry_message(view, language, _), keyboard(entry_keyboard(view, goals, _))
    )


def register(app: Application) -> None:
    """Register /refleksion and the reflection buttons."""
    register_commands(
        app,
        Audience.STUDENT,
        ("refleksion", N_("Reflect now (or go on with today's prompt)"), 10),
    )
    app.add_handler(CommandHandler(["refleksion", "reflect"], reflect_command, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(prompt_button, pattern=r"^rf:"))
    app.add_handler(CallbackQueryHandler(entry_button, pattern=r"^r[gs]:"))
