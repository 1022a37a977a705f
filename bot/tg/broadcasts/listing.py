"""/broadcasts: a coordinator's scheduled broadcasts, each with a Cancel button."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import N_
from bot.services.broadcasts.types import Broadcast, BroadcastStatus
from bot.services.kernel.errors import NotAllowed
from bot.tg.broadcasts.texts import ONLY_COORDINATORS, scheduled_line
from bot.tg.kit.callbacks import as_int, pack, unpack
from bot.tg.kit.common import translator
from bot.tg.kit.menu import Audience, register_commands
from bot.tg.kit.render import edit_or_send, keyboard, reply

log = logging.getLogger(__name__)


async def list_broadcasts(update: Update, context: BotContext) -> None:
    """Show the scheduled broadcasts the coordinator may cancel."""
    profile, _ = await translator(update, context)
    services = context.services
    try:
        if profile is None:
            raise NotAllowed("not enrolled")
        actor = await services.access.actor(profile.person.telegram_id)
        scheduled = await services.broadcast_reports.scheduled(actor)
        cohorts = {c.id: c for c in await services.access.coordinated_cohorts(actor)}
    except NotAllowed:
        await reply(update, _(ONLY_COORDINATORS))
        return
    if not scheduled:
        await reply(update, _("No broadcasts are scheduled. /broadcast writes a new one."))
        return
    zone = profile.person.timezone
    lines = [_("<b>Scheduled broadcasts</b> ({timezone})").format(timezone=zone), ""]
    rows = []
    for broadcast in scheduled[:20]:
        names = [cohorts[i] for i in broadcast.cohort_ids if i in cohorts]
        lines += [scheduled_line(broadcast, names, zone), ""]
        label = _("Cancel #{id}").format(id=broadcast.id)
        rows.append([(label, pack("bl", "c", broadcast.id))])
    await reply(update, "\n".join(lines), keyboard(rows))


async def cancel_button(update: Update, context: BotContext) -> None:
    """Cancel a scheduled broadcast and its waiting messages (role checked again)."""
    query = update.callback_query
    assert query is not None
    _profile, _ = await translator(update, context)
    fields = unpack(query.data, "bl", 2)
    broadcast_id = as_int(fields[1]) if fields and fields[0] == "c" else None
    if broadcast_id is None:
        await query.answer(_("That button is no longer valid. Please start again."))
        return
    actor = await context.services.access.actor(query.from_user.id)
    broadcast, cancelled = await context.services.broadcast_reports.cancel(actor, broadcast_id)
    bid = broadcast.id
    await query.answer()
    if broadcast.status is not BroadcastStatus.CANCELLED:
        await edit_or_send(update, _("Broadcast #{id} has already been sent.").format(id=bid))
        return
    text = _("Broadcast #{id} is cancelled; {count} messages will not be sent.").format(
        id=bid, count=cancelled
    )
    await edit_or_send(update, text)
    await _mark_confirmation(context, broadcast, text)


async def _mark_confirmation(context: BotContext, broadcast: Broadcast, text: str) -> None:
    """Show the cancellation on the broadcast's confirmation message too (best effort)."""
    if broadcast.confirm_chat_id is None or broadcast.confirm_message_id is None:
        return
    with contextlib.suppress(TelegramError):
        await context.bot.edit_message_text(
            text, chat_id=broadcast.confirm_chat_id, message_id=broadcast.confirm_message_id
        )


def register(app: Application) -> None:
    """Register /broadcasts and its Cancel buttons."""
    register_commands(
        app,
        Audience.COORDINATOR,
        ("broadcasts", N_("Scheduled broadcasts (cancel one)"), 50),
    )
    app.add_handler(
        CommandHandler(
            ["broadcasts", "udsendelser"], list_broadcasts, filters=filters.ChatType.PRIVATE
        )
    )
    app.add_handler(CallbackQueryHandler(cancel_button, pattern=r"^bl:"))
