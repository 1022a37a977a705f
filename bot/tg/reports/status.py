"""/status: a coordinator's aggregated figures for one of their cohorts, with a button that
switches the cohort's weekly pulse on or off."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import N_, Gettext
from bot.services.identity.access import Profile
from bot.services.kernel.errors import NotAllowed, NotFound
from bot.services.reports.types import CohortReport
from bot.tg.kit.callbacks import as_int, pack, unpack
from bot.tg.kit.common import translator
from bot.tg.kit.menu import Audience, register_commands
from bot.tg.kit.render import edit_or_send, keyboard, reply
from bot.tg.reports.texts import (
    ONLY_COORDINATORS,
    PULSE_NOW_OFF,
    PULSE_NOW_ON,
    PULSE_OFF_BUTTON,
    PULSE_ON_BUTTON,
    report_text,
)

PREFIX = "cs"
PULSE_PREFIX = "pt"  # "pt:<cohort id>:<1 on | 0 off>"
INVALID = N_("That button is no longer valid. Please start again.")


async def status(update: Update, context: BotContext) -> None:
    """Show a cohort's figures; choose the cohort first when the coordinator has several."""
    profile, _ = await translator(update, context)
    if profile is None:
        await reply(update, _(ONLY_COORDINATORS))
        return
    access = context.services.access
    cohorts = await access.coordinated_cohorts(await access.actor(profile.person.telegram_id))
    if not cohorts:
        await reply(update, _(ONLY_COORDINATORS))
        return
    if len(cohorts) == 1:
        await _show(update, context, profile, cohorts[0].id, _)
        return
    rows = [[(c.name, pack(PREFIX, c.id))] for c in cohorts[:40]]
    await reply(update, _("Which cohort?"), keyboard(rows))


async def status_button(update: Update, context: BotContext) -> None:
    """Show the chosen cohort's figures (the role is checked again on the press)."""
    query = update.callback_query
    assert query is not None
    profile, _ = await translator(update, context)
    fields = unpack(query.data, PREFIX, 1)
    cohort_id = as_int(fields[0]) if fields else None
    if profile is None or cohort_id is None:
        await query.answer(_(INVALID))
        return
    await query.answer()
    await _show(update, context, profile, cohort_id, _)


async def pulse_button(update: Update, context: BotContext) -> None:
    """Switch the cohort's weekly pulse on or off (coordinators of that cohort only)."""
    query = update.callback_query
    assert query is not None
    profile, _ = await translator(update, context)
    fields = unpack(query.data, PULSE_PREFIX, 2)
    cohort_id = as_int(fields[0]) if fields else None
    if profile is None or fields is None or cohort_id is None or fields[1] not in ("0", "1"):
        await query.answer(_(INVALID))
        return
    on = fields[1] == "1"
    services = context.services
    try:
        actor = await services.access.actor(profile.person.telegram_id)
        await services.pulse.set_enabled(actor, cohort_id, on)
    except (NotAllowed, NotFound):
        await query.answer(_(ONLY_COORDINATORS), show_alert=True)
        return
    await query.answer(_(PULSE_NOW_ON if on else PULSE_NOW_OFF))
    await _show(update, context, profile, cohort_id, _)


async def _show(
    update: Update, context: BotContext, profile: Profile, cohort_id: int, _: Gettext
) -> None:
    services = context.services
    try:
        actor = await services.access.actor(profile.person.telegram_id)
        report = await services.reports.cohort_report(actor, cohort_id)
    except (NotAllowed, NotFound):
        await edit_or_send(update, _(ONLY_COORDINATORS))
        return
    person = profile.person
    text = report_text(report, _, person.language, person.timezone)
    await edit_or_send(update, text, _pulse_keyboard(report, _))


def _pulse_keyboard(report: CohortReport, _: Gettext) -> InlineKeyboardMarkup:
    """Return the button that switches the pulse the other way."""
    on = report.pulse_enabled
    label = _(PULSE_OFF_BUTTON if on else PULSE_ON_BUTTON)
    return keyboard([[(label, pack(PULSE_PREFIX, report.cohort.id, 0 if on else 1))]])


def register(app: Application) -> None:
    """Register /status, its cohort buttons and the pulse switch."""
    register_commands(
        app,
        Audience.COORDINATOR,
        ("status", N_("Totals for your cohorts (no names, no texts)"), 60),
    )
    app.add_handler(CommandHandler(["status"], status, filters=filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(status_button, pattern=rf"^{PREFIX}:"))
    app.add_handler(CallbackQueryHandler(pulse_button, pattern=rf"^{PULSE_PREFIX}:"))
