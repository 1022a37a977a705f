"""/status: a coordinator's aggregated figures for one of their cohorts."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.i18n import Gettext
from bot.services.access import Profile
from bot.services.errors import NotAllowed, NotFound
from bot.tg.callbacks import as_int, pack, unpack
from bot.tg.context import BotContext
from bot.tg.handlers.common import translator
from bot.tg.render import edit_or_send, keyboard, reply
from bot.tg.report_texts import ONLY_COORDINATORS, report_text

PREFIX = "cs"


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
        await query.answer(_("That button is no longer valid. Please start again."))
        return
    await query.answer()
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
    await edit_or_send(update, report_text(report, _, person.language, person.timezone))


def register(app: Application) -> None:
    """Register /status and its cohort buttons."""
    app.add_handler(CommandHandler(["status"], status, filters=filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(status_button, pattern=rf"^{PREFIX}:"))
