"""/velkomst: a cohort's coordinators see its welcome text and replace it."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import N_, Gettext
from bot.services.broadcasts.introductions import (
    MAX_WELCOME_LENGTH,
    PLACEHOLDERS,
    UnknownPlaceholder,
)
from bot.services.identity.access import Actor
from bot.services.identity.awaiting import AwaitKind
from bot.services.kernel.errors import ContainsCpr, Invalid, NotAllowed, NotFound
from bot.tg.kit.awaited import register_awaited
from bot.tg.kit.callbacks import as_int, pack, unpack
from bot.tg.kit.common import translator
from bot.tg.kit.menu import Audience, register_commands
from bot.tg.kit.render import edit_or_send, esc, keyboard, reply

ONLY_COORDINATORS = N_("Only coordinators can change the welcome text.")


def _placeholders(_: Gettext) -> str:
    """Return the line that lists the placeholders."""
    return _("Placeholders:") + " " + ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)


async def start_welcome(update: Update, context: BotContext) -> None:
    """Show the welcome text of the coordinator's cohort (choose one when there are several)."""
    profile, _ = await translator(update, context)
    services = context.services
    cohorts = []
    if profile is not None:
        actor = await services.access.actor(profile.person.telegram_id)
        cohorts = list(await services.access.coordinated_cohorts(actor))
    if profile is None or not cohorts:
        await reply(update, _(ONLY_COORDINATORS))
        return
    if len(cohorts) == 1:
        await _show(update, context, actor, cohorts[0].id, _)
        return
    rows = [[(c.name, pack("wc", "s", c.id))] for c in cohorts[:40]]
    await reply(update, _("Which cohort's welcome text?"), keyboard(rows))


async def welcome_button(update: Update, context: BotContext) -> None:
    """Show, replace or reset a cohort's welcome text; the role is checked on every press."""
    query = update.callback_query
    assert query is not None
    _profile, _ = await translator(update, context)
    fields = unpack(query.data, "wc", 2)
    cohort_id = as_int(fields[1]) if fields else None
    if fields is None or cohort_id is None or fields[0] not in ("s", "e", "d"):
        await query.answer(_("That button is no longer valid. Please start again."))
        return
    actor = await context.services.access.actor(query.from_user.id)
    introductions = context.services.introductions
    if fields[0] == "s":
        await query.answer()
        await _show(update, context, actor, cohort_id, _)
    elif fields[0] == "e":
        cohort = await introductions.ask_for_welcome(actor, cohort_id)
        await query.answer()
        await edit_or_send(update, _ask_text(cohort.name, _))
    else:
        welcome = await introductions.set_welcome(actor, cohort_id, None)
        await query.answer()
        await edit_or_send(
            update,
            _("{cohort} uses the default welcome text again.").format(
                cohort=esc(welcome.cohort.name)
            ),
        )


def _ask_text(cohort_name: str, _: Gettext) -> str:
    """Return the request for a new welcome text."""
    text = _("Write the new welcome text for {cohort}, or /annuller.")
    return text.format(cohort=esc(cohort_name)) + "\n" + _placeholders(_)


async def _show(
    update: Update, context: BotContext, actor: Actor, cohort_id: int, _: Gettext
) -> None:
    """Show the welcome text in use, with what it is for and how to change it."""
    profile, _ = await translator(update, context)
    assert profile is not None
    introductions = context.services.introductions
    welcome = await introductions.welcome(actor, cohort_id, profile.person.language)
    header = _(
        "<b>Welcome text for {cohort}</b> ({kind}). Each student gets it when they join, and "
        "again {days} days before the placement starts."
    ).format(
        cohort=esc(welcome.cohort.name),
        kind=_("your own") if welcome.custom else _("the default"),
        days=introductions.preboarding_days,
    )
    rows = [[(_("Replace the text"), pack("wc", "e", cohort_id))]]
    if welcome.custom:
        rows.append([(_("Use the default"), pack("wc", "d", cohort_id))])
    await edit_or_send(
        update, f"{header}\n{_placeholders(_)}\n\n{welcome.template}", keyboard(rows)
    )


async def receive_welcome(update: Update, context: BotContext, cohort_id: int) -> None:
    """Store the welcome text the coordinator just wrote, and show how students will see it."""
    profile, _ = await translator(update, context)
    assert profile is not None
    assert update.effective_message is not None
    markup = update.effective_message.text_html
    try:
        actor = await context.services.access.actor(profile.person.telegram_id)
        welcome = await context.services.introductions.set_welcome(actor, cohort_id, markup)
    except (NotAllowed, NotFound):
        await context.services.enrolment.cancel_awaiting(profile.person.telegram_id)
        raise
    except UnknownPlaceholder as exc:
        names = ", ".join(f"{{{esc(name)}}}" for name in exc.names)
        text = _("I do not know the placeholder {names}.").format(names=names)
        await reply(update, text + "\n" + _placeholders(_))
        return
    except ContainsCpr:
        await reply(update, _("That looks like a CPR number, so I have not stored it."))
        return
    except Invalid:
        text = _("Please write the welcome text in at most {limit} characters, or /annuller.")
        await reply(update, text.format(limit=MAX_WELCOME_LENGTH))
        return
    await reply(
        update, _("Saved. A new student sees it like this:") + "\n\n" + (welcome.sample or "")
    )


def register(app: Application) -> None:
    """Register /velkomst and its buttons."""
    register_commands(
        app,
        Audience.COORDINATOR,
        ("velkomst", N_("The welcome text new students get"), 70),
    )
    app.add_handler(
        CommandHandler(["velkomst", "welcome"], start_welcome, filters=filters.ChatType.PRIVATE)
    )
    app.add_handler(CallbackQueryHandler(welcome_button, pattern=r"^wc:"))
    register_awaited(
        app, AwaitKind.WELCOME, lambda u, c, awaited, _t: receive_welcome(u, c, awaited.target_id)
    )
