"""/logbog (browse entries), /maal (learning goals) and /delt (what students shared)."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import N_, Gettext, gettext_for
from bot.services.identity.awaiting import AwaitKind
from bot.services.kernel.errors import ContainsCpr, Invalid, NotAllowed, NotFound
from bot.services.reflection.logbook import MAX_GOAL_LENGTH
from bot.services.reflection.types import Goal
from bot.tg.kit.awaited import register_awaited
from bot.tg.kit.callbacks import as_int, unpack
from bot.tg.kit.common import whoami
from bot.tg.kit.menu import Audience, register_commands
from bot.tg.kit.render import edit_or_send, esc, keyboard, reply
from bot.tg.reflection.texts import (
    entry_keyboard,
    entry_message,
    page_keyboard,
    page_message,
    shared_message,
)

PRIVATE = filters.ChatType.PRIVATE
NOT_STUDENT = N_("Reflection prompts and the logbook are for students.")


async def logbook_command(update: Update, context: BotContext) -> None:
    """Show the newest page of the student's logbook."""
    await _show_page(update, context, 0)


async def logbook_button(update: Update, context: BotContext) -> None:
    """Page through the logbook (lb:p:N) or open one entry (lb:e:ID)."""
    query = update.callback_query
    assert query is not None
    fields = unpack(query.data, "lb", 2)
    number = as_int(fields[1]) if fields else None
    if fields is None or number is None or fields[0] not in ("p", "e"):
        _profile, language = await whoami(update, context)
        await query.answer(gettext_for(language)("That button is no longer valid."))
        return
    await query.answer()
    if fields[0] == "p":
        await _show_page(update, context, number)
    else:
        await _show_entry(update, context, number)


async def _show_page(update: Update, context: BotContext, number: int) -> None:
    """Render a page of the logbook, replacing the pressed message when there is one."""
    user = update.effective_user
    assert user is not None
    _profile, language = await whoami(update, context)
    _ = gettext_for(language)
    try:
        page = await context.services.logbook.page(user.id, number)
    except NotAllowed:
        await reply(update, _("Please join with your invite link first."))
        return
    rows = page_keyboard(page, language, _)
    await edit_or_send(update, page_message(page, language, _), keyboard(rows) if rows else None)


async def _show_entry(update: Update, context: BotContext, entry_id: int) -> None:
    """Render one entry with its buttons."""
    user = update.effective_user
    assert user is not None
    _profile, language = await whoami(update, context)
    _ = gettext_for(language)
    try:
        view = await context.services.logbook.entry(user.id, entry_id)
        goals = await context.services.logbook.goals(user.id)
    except (NotAllowed, NotFound):
        await reply(update, _("I could not find that entry."))
        return
    markup = keyboard(entry_keyboard(view, goals, _))
    await edit_or_send(update, entry_message(view, language, _), markup)


async def goals_command(update: Update, context: BotContext) -> None:
    """List the student's learning goals with buttons to add, edit and complete them."""
    await _show_goals(update, context)


async def _show_goals(update: Update, context: BotContext, note: str | None = None) -> None:
    """Render the goals (after an optional note), editing the pressed message if any."""
    user = update.effective_user
    assert user is not None
    _profile, language = await whoami(update, context)
    _ = gettext_for(language)
    try:
        goals = await context.services.logbook.goals(user.id)
    except NotAllowed:
        await reply(update, _(NOT_STUDENT))
        return
    text = goals_message(goals, _)
    await edit_or_send(update, f"{note}\n\n{text}" if note else text, goals_keyboard(goals, _))


def goals_message(goals: Sequence[Goal], _: Gettext) -> str:
    """Return the goals as a list, open ones first."""
    lines = ["<b>" + _("Your learning goals") + "</b>", ""]
    if not goals:
        lines.append(
            _(
                "You have no learning goals yet. Write down what you want to learn on this "
                "placement, and tie your reflections to it."
            )
        )
    for goal in goals:
        mark = "✅" if goal.completed_at else "🎯"
        lines.append(f"{mark} {esc(goal.text)}")
    return "\n".join(lines)


def goals_keyboard(goals: Sequence[Goal], _: Gettext) -> InlineKeyboardMarkup:
    """Return a row per goal (edit, reached / open again) and an "add" button."""
    rows = []
    for number, goal in enumerate(goals[:10], start=1):
        toggle = (
            (_("↩️ {n}: open again").format(n=number), f"gl:re:{goal.id}")
            if goal.completed_at
            else (_("✅ {n}: reached").format(n=number), f"gl:ok:{goal.id}")
        )
        rows.append([(_("✏️ {n}: edit").format(n=number), f"gl:ed:{goal.id}"), toggle])
    rows.append([(_("➕ Add a learning goal"), "gl:add:0")])
    return keyboard(rows)


async def goal_button(update: Update, context: BotContext) -> None:
    """Add (gl:add:0), edit (gl:ed:ID), complete (gl:ok:ID) or reopen (gl:re:ID) a goal."""
    query = update.callback_query
    assert query is not None
    _profile, language = await whoami(update, context)
    _ = gettext_for(language)
    fields = unpack(query.data, "gl", 2)
    goal_id = as_int(fields[1]) if fields else None
    if fields is None or goal_id is None or fields[0] not in ("add", "ed", "ok", "re"):
        await query.answer(_("That button is no longer valid."))
        return
    logbook = context.services.logbook
    try:
        if fields[0] in ("add", "ed"):
            goal = await logbook.ask_goal(query.from_user.id, goal_id or None)
            await query.answer()
            ask = _("Write your learning goal in one or two sentences, or /annuller.")
            if goal is not None:
                ask = _("Write the new wording of: <i>{goal}</i>\nOr /annuller.").format(
                    goal=esc(goal.text)
                )
            await reply(update, ask)
            return
        await logbook.complete_goal(query.from_user.id, goal_id, fields[0] == "ok")
    except (NotAllowed, NotFound):
        await query.answer(_("That button is no longer valid."))
        return
    await query.answer(_("Well done! 🎉") if fields[0] == "ok" else None)
    await _show_goals(update, context)


async def receive_goal(update: Update, context: BotContext, goal_id: int, text: str) -> None:
    """Save the text the student wrote as a new goal or a goal's new wording."""
    user = update.effective_user
    assert user is not None
    _profile, language = await whoami(update, context)
    _ = gettext_for(language)
    try:
        await context.services.logbook.save_goal(user.id, text, goal_id or None)
    except ContainsCpr:
        await reply(update, _("I did not save that: it looks like it holds a CPR number."))
        return
    except Invalid:
        await reply(
            update,
            _(
                "Please keep a learning goal to at most {limit} characters (and at most 30 goals)."
            ).format(limit=MAX_GOAL_LENGTH),
        )
        return
    except (NotAllowed, NotFound):
        await reply(update, _("I could not find that learning goal."))
        return
    await _show_goals(update, context, _("Saved."))


async def shared_command(update: Update, context: BotContext) -> None:
    """Show a supervisor what their students have shared with them."""
    user = update.effective_user
    assert user is not None
    _profile, language = await whoami(update, context)
    _ = gettext_for(language)
    try:
        shared = await context.services.logbook.shared_for(user.id)
    except NotAllowed:
        await reply(update, _("This is for supervisors with linked students."))
        return
    await reply(update, shared_message(shared, language, _))


def register(app: Application) -> None:
    """Register /logbog, /maal, /delt and their buttons."""
    register_commands(
        app,
        Audience.STUDENT,
        ("logbog", N_("Your logbook of reflections"), 20),
        ("maal", N_("Your learning goals"), 30),
    )
    register_commands(
        app,
        Audience.SUPERVISOR,
        ("delt", N_("Reflections your students shared with you"), 10),
    )
    app.add_handler(CommandHandler(["logbog", "logbook"], logbook_command, filters=PRIVATE))
    app.add_handler(CommandHandler(["maal", "goals"], goals_command, filters=PRIVATE))
    app.add_handler(CommandHandler(["delt", "shared"], shared_command, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(logbook_button, pattern=r"^lb:"))
    app.add_handler(CallbackQueryHandler(goal_button, pattern=r"^gl:"))
    register_awaited(
        app,
        AwaitKind.GOAL,
        lambda u, c, awaited, text: receive_goal(u, c, awaited.target_id, text),
        after_replies=True,
    )
