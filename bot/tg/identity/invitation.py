"""/invitation: a coordinator creates an invite link and QR code in the chat."""

from __future__ import annotations

from telegram import InputFile, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import N_, Gettext
from bot.qr import invite_link, qr_png
from bot.services.identity.domain import Role
from bot.tg.kit.callbacks import as_int, pack, unpack
from bot.tg.kit.common import translator
from bot.tg.kit.menu import Audience, register_commands
from bot.tg.kit.render import edit_or_send, esc, keyboard, reply
from bot.tg.kit.texts import ROLE_NAMES


async def start_invitation(update: Update, context: BotContext) -> None:
    """Choose the cohort (skipped when there is one) for a new invite."""
    profile, _ = await translator(update, context)
    if profile is None:
        await reply(update, _("Only coordinators can create invites."))
        return
    services = context.services
    actor = await services.access.actor(profile.person.telegram_id)
    cohorts = await services.access.coordinated_cohorts(actor)
    if not cohorts:
        await reply(update, _("Only coordinators can create invites."))
        return
    if len(cohorts) == 1:
        await _choose_role(update, cohorts[0].id, cohorts[0].name, _)
        return
    rows = [[(c.name, pack("iv", "c", c.id, "-"))] for c in cohorts[:40]]
    await reply(update, _("Which cohort is the invite for?"), keyboard(rows))


async def _choose_role(update: Update, cohort_id: int, cohort_name: str, _: Gettext) -> None:
    rows = [
        [(_(ROLE_NAMES[role]).capitalize(), pack("iv", "r", cohort_id, role.value))]
        for role in Role
    ]
    await edit_or_send(
        update,
        _("{cohort}: who is the invite for?").format(cohort=esc(cohort_name)),
        keyboard(rows),
    )


async def invitation_button(update: Update, context: BotContext) -> None:
    """Handle the cohort and role buttons; the role is checked again on every press."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    profile, _ = await translator(update, context)
    fields = unpack(query.data, "iv", 3)
    cohort_id = as_int(fields[1]) if fields else None
    if profile is None or fields is None or cohort_id is None:
        await edit_or_send(update, _("That button is no longer valid. Please start again."))
        return
    services = context.services
    actor = await services.access.actor(profile.person.telegram_id)
    if fields[0] == "c":
        cohort = next(
            (c for c in await services.access.coordinated_cohorts(actor) if c.id == cohort_id),
            None,
        )
        if cohort is None:
            await edit_or_send(update, _("Only coordinators can create invites."))
            return
        await _choose_role(update, cohort.id, cohort.name, _)
        return
    if fields[2] not in {r.value for r in Role}:
        await edit_or_send(update, _("That button is no longer valid. Please start again."))
        return
    invite = await services.coordination.create_invite(actor, cohort_id, Role(fields[2]))
    link = invite_link(context.bot.username, invite.code)
    await edit_or_send(
        update,
        _("Invite created ({role}). Share this link or print the QR code:\n{link}").format(
            role=_(ROLE_NAMES[invite.role]), link=esc(link)
        ),
    )
    await context.bot.send_photo(
        query.from_user.id,
        InputFile(qr_png(link), filename=f"invite-{invite.code}.png"),
        caption=link,
    )


def register(app: Application) -> None:
    """Register the invitation handlers."""
    register_commands(
        app,
        Audience.COORDINATOR,
        ("invitation", N_("Create an invite link and QR code"), 10),
    )
    app.add_handler(
        CommandHandler(
            ["invitation", "invite"], start_invitation, filters=filters.ChatType.PRIVATE
        )
    )
    app.add_handler(CallbackQueryHandler(invitation_button, pattern=r"^iv:"))
