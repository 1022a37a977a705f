"""Enrolment: /start <code>, language, consent and display name."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import N_, Gettext, gettext_for
from bot.services.identity.domain import InviteProblem
from bot.services.onboarding.enrolment import Enrolled, InviteInfo
from bot.tg.kit.callbacks import pack, unpack
from bot.tg.kit.commands import set_personal_menu
from bot.tg.kit.common import answer_stale, whoami
from bot.tg.kit.menu import Audience, register_commands
from bot.tg.kit.render import edit_or_send, esc, keyboard, reply
from bot.tg.kit.texts import INVITE_PROBLEMS, PROFESSION_NAMES, ROLE_NAMES, help_text

PRIVATE = filters.ChatType.PRIVATE


def _invitation(info: InviteInfo, _: Gettext) -> str:
    return _("You are invited to <b>{cohort}</b> ({department}, {profession}) as {role}.").format(
        cohort=esc(info.cohort.name),
        department=esc(info.department.name),
        profession=_(PROFESSION_NAMES[info.cohort.profession]),
        role=_(ROLE_NAMES[info.invite.role]),
    )


def consent_text(_: Gettext) -> str:
    """Return the consent text: what is stored, why, who sees it, export and deletion."""
    return "\n".join(
        [
            _("<b>Before we start: your data</b>"),
            "",
            _(
                "I store your Telegram id, the name you choose, your language, and your role "
                "in the cohort — so I can send you the right messages at the right time."
            ),
            _(
                "What you write in your reflections and logbook is private: only you see it, "
                "unless you choose to share an entry with your supervisor. Coordinators see "
                "only numbers, never your text."
            ),
            _(
                "Questions you ask me are stored with your cohort. When the documents cannot "
                "answer one, or you ask me to pass it on, your coordinators see its text — "
                "never your name."
            ),
            _("Never write patient names or CPR numbers. I refuse to store CPR numbers."),
            _(
                "You can get a copy of everything with /eksport and delete everything with "
                "/slet at any time."
            ),
            "",
            _("Do you agree that I store this?"),
        ]
    )


async def start(update: Update, context: BotContext) -> None:
    """Greet, or begin enrolment when the link carries an invite code."""
    user = update.effective_user
    assert user is not None
    profile, language = await whoami(update, context)
    _ = gettext_for(language)
    if not context.args:
        await reply(update, help_text(context.bot_data.menu, profile, language))
        return
    code = context.args[0]
    services = context.services
    info = await services.enrolment.check_invite(code)
    if isinstance(info, InviteProblem):
        await reply(update, _(INVITE_PROBLEMS[info]))
        return
    if profile is not None:  # consent given before: join straight away
        result = await services.enrolment.enrol(
            user.id, code, language=language, display_name=profile.person.display_name
        )
        await _joined(update, context, result, language)
        return
    text = _invitation(info, _) + "\n\n" + "Vælg dit sprog · Choose your language"
    buttons = [
        [("🇩🇰 Dansk", pack("ob", "l", "da", code)), ("🇬🇧 English", pack("ob", "l", "en", code))]
    ]
    await reply(update, text, keyboard(buttons))


async def choose_language(update: Update, context: BotContext) -> None:
    """Show the consent text in the chosen language."""
    query = update.callback_query
    fields = unpack(query.data, "ob", 3) if query else None
    if query is None or fields is None or fields[1] not in ("da", "en"):
        await answer_stale(update, context)
        return
    _step, language, code = fields
    _ = gettext_for(language)
    await query.answer()
    info = await context.services.enrolment.check_invite(code)
    if isinstance(info, InviteProblem):
        await edit_or_send(update, _(INVITE_PROBLEMS[info]))
        return
    buttons = [
        [(_("Yes, I agree"), pack("ob", "y", language, code))],
        [(_("No thanks"), pack("ob", "n", language, "-"))],
    ]
    await edit_or_send(update, consent_text(_), keyboard(buttons))


async def answer_consent(update: Update, context: BotContext) -> None:
    """Enrol on consent; store nothing when declined."""
    query = update.callback_query
    fields = unpack(query.data, "ob", 3) if query else None
    if query is None or fields is None or fields[1] not in ("da", "en"):
        await answer_stale(update, context)
        return
    answer, language, code = fields
    _ = gettext_for(language)
    await query.answer()
    if answer == "n":
        await edit_or_send(
            update,
            _(
                "No problem — nothing about you has been stored. If you change your mind, "
                "just open the invite link again."
            ),
        )
        return
    result = await context.services.enrolment.enrol(
        query.from_user.id, code, language=language, display_name=query.from_user.full_name
    )
    await _joined(update, context, result, language)


async def _joined(
    update: Update, context: BotContext, result: Enrolled | InviteProblem, language: str
) -> None:
    _ = gettext_for(language)
    if isinstance(result, InviteProblem):
        await edit_or_send(update, _(INVITE_PROBLEMS[result]))
        return
    cohort = esc(result.info.cohort.name)
    role = _(ROLE_NAMES[result.info.invite.role])
    if result.already_member:
        await edit_or_send(
            update, _("You are already in {cohort} as {role}.").format(cohort=cohort, role=role)
        )
        return
    await edit_or_send(
        update, _("Welcome! You have joined {cohort} as {role}.").format(cohort=cohort, role=role)
    )
    user_id = result.person.telegram_id
    profile = await context.services.access.profile(user_id)
    await set_personal_menu(context.bot, context.bot_data.menu, profile, user_id)
    if result.new_person:
        await ask_name_confirmation(update, result.person.display_name, _)
    else:
        await reply(update, help_text(context.bot_data.menu, profile, language))


async def ask_name_confirmation(update: Update, name: str, _: Gettext) -> None:
    """Ask whether the name taken from Telegram is the one to use."""
    buttons = [[(_("Yes, use it"), "nm:ok"), (_("Change name"), "nm:chg")]]
    await reply(
        update,
        _(
            "Shall I call you <b>{name}</b>? Your supervisor and coordinator will see this name."
        ).format(name=esc(name)),
        keyboard(buttons),
    )


def register(app: Application) -> None:
    """Register the enrolment handlers."""
    register_commands(
        app,
        Audience.NEWCOMER,
        ("start", N_("Join with your invite link"), 10),
    )
    app.add_handler(CommandHandler("start", start, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(choose_language, pattern=r"^ob:l:"))
    app.add_handler(CallbackQueryHandler(answer_consent, pattern=r"^ob:[yn]:"))
