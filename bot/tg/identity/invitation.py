"""/invitation: a coordinator creates an invite link and QR code in the chat, and lists and
revokes the cohort's invites that still work. Invites made here expire (INVITE_DAYS);
supervisor and coordinator invites serve one person; coordinator invites only for operators
and coordinators an operator granted it (the service decides)."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from babel.dates import format_date
from telegram import InputFile, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import N_, Gettext, gettext_for
from bot.qr import invite_link, qr_png
from bot.services.identity.access import Actor
from bot.services.identity.domain import Invite, Role
from bot.services.kernel.errors import NotFound
from bot.tg.kit.callbacks import as_int, pack, unpack
from bot.tg.kit.common import translator, whoami
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
        await _choose_role(update, context, actor, cohorts[0].id, cohorts[0].name, _)
        return
    rows = [[(c.name, pack("iv", "c", c.id, "-"))] for c in cohorts[:40]]
    await reply(update, _("Which cohort is the invite for?"), keyboard(rows))


async def _choose_role(
    update: Update, context: BotContext, actor: Actor, cohort_id: int, name: str, _: Gettext
) -> None:
    roles = await context.services.coordination.invite_roles(actor, cohort_id)
    rows = [
        [(_(ROLE_NAMES[role]).capitalize(), pack("iv", "r", cohort_id, role.value))]
        for role in roles
    ]
    rows.append([(_("📋 Invites that still work"), pack("iv", "l", cohort_id, "-"))])
    await edit_or_send(
        update,
        _("{cohort}: who is the invite for?").format(cohort=esc(name)),
        keyboard(rows),
    )


def _expiry(invite: Invite, language: str, timezone: str) -> str:
    if invite.expires_at is None:
        return "–"
    day = invite.expires_at.astimezone(ZoneInfo(timezone)).date()
    return format_date(day, "d. MMM y" if language == "da" else "d MMM y", locale=language)


def _describe(invite: Invite, language: str, timezone: str, _: Gettext) -> str:
    """One line for an invite: role, until when, uses."""
    role = _(ROLE_NAMES[invite.role]).capitalize()
    if invite.max_uses == 1:
        uses = _("for one person")
    elif invite.max_uses is None:
        uses = _("used {uses} times").format(uses=invite.uses)
    else:
        uses = _("used {uses} of {max} times").format(uses=invite.uses, max=invite.max_uses)
    if invite.expires_at is None:
        return _("{role}, no expiry, {uses}").format(role=role, uses=uses)
    until = _expiry(invite, language, timezone)
    return _("{role}, works until {date}, {uses}").format(role=role, date=until, uses=uses)


async def _list(
    update: Update,
    context: BotContext,
    actor: Actor,
    cohort_id: int,
    language: str,
    _: Gettext,
    note: str = "",
) -> None:
    """Show the cohort's invites that still work, each with a revoke button."""
    invites: Sequence[Invite] = await context.services.coordination.usable_invites(
        actor, cohort_id
    )
    timezone = context.services.timezone
    lines = [note, ""] if note else []
    if not invites:
        lines.append(_("No invite of this cohort works any more."))
    else:
        lines.append(_("Invites that still work:"))
        lines += [
            f"{n}. {esc(_describe(i, language, timezone, _))} (…{esc(i.code[-4:])})"
            for n, i in enumerate(invites[:20], start=1)
        ]
        lines += ["", _("Revoke one that was shared too widely; nobody can use it afterwards.")]
    rows = [
        [(_("🚫 Revoke {number}").format(number=n), pack("iv", "x", cohort_id, i.code))]
        for n, i in enumerate(invites[:20], start=1)
    ]
    await edit_or_send(update, "\n".join(lines), keyboard(rows) if rows else None)


async def invitation_button(update: Update, context: BotContext) -> None:
    """Handle the cohort, role, list and revoke buttons; the role is checked again on every
    press (by the service)."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    profile, language = await whoami(update, context)
    _ = gettext_for(language)
    fields = unpack(query.data, "iv", 3)
    cohort_id = as_int(fields[1]) if fields else None
    if profile is None or fields is None or cohort_id is None:
        await edit_or_send(update, _("That button is no longer valid. Please start again."))
        return
    services = context.services
    actor = await services.access.actor(profile.person.telegram_id)
    action = fields[0]
    if action == "c":
        cohort = next(
            (c for c in await services.access.coordinated_cohorts(actor) if c.id == cohort_id),
            None,
        )
        if cohort is None:
            await edit_or_send(update, _("Only coordinators can create invites."))
            return
        await _choose_role(update, context, actor, cohort.id, cohort.name, _)
        return
    if action == "l":
        await _list(update, context, actor, cohort_id, language, _)
        return
    if action == "x":
        try:
            invite = await services.coordination.revoke_invite(actor, fields[2])
        except NotFound:
            await _list(update, context, actor, cohort_id, language, _)
            return
        note = _("Revoked: {invite}. The link no longer works.").format(
            invite=esc(_describe(invite, language, services.timezone, _))
        )
        await _list(update, context, actor, cohort_id, language, _, note)
        return
    if action != "r" or fields[2] not in {r.value for r in Role}:
        await edit_or_send(update, _("That button is no longer valid. Please start again."))
        return
    invite = await services.coordination.chat_invite(actor, cohort_id, Role(fields[2]))
    link = invite_link(context.bot.username, invite.code)
    await edit_or_send(
        update,
        _(
            "Invite created: {invite}. Share this link or print the QR code:\n{link}\n\n"
            "Revoke it under /invitation if it is shared too widely."
        ).format(invite=esc(_describe(invite, language, services.timezone, _)), link=esc(link)),
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
        ("invitation", N_("Create, list and revoke invite links"), 10),
    )
    app.add_handler(
        CommandHandler(
            ["invitation", "invite"], start_invitation, filters=filters.ChatType.PRIVATE
        )
    )
    app.add_handler(CallbackQueryHandler(invitation_button, pattern=r"^iv:"))
