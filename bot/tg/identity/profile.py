"""Help, language and display name."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import N_, gettext_for
from bot.services.identity.awaiting import AwaitKind
from bot.services.kernel.errors import ContainsCpr, Invalid
from bot.tg.kit.awaited import register_awaited
from bot.tg.kit.callbacks import unpack
from bot.tg.kit.commands import set_personal_menu
from bot.tg.kit.common import answer_stale, translator, whoami
from bot.tg.kit.menu import Audience, register_commands
from bot.tg.kit.render import edit_or_send, esc, keyboard, reply
from bot.tg.kit.texts import help_text

PRIVATE = filters.ChatType.PRIVATE
NOT_ENROLLED = N_("You have not joined yet. Open the invite link from your coordinator to start.")


async def show_help(update: Update, context: BotContext) -> None:
    """Show what the person's roles can do."""
    profile, language = await whoami(update, context)
    await reply(update, help_text(context.bot_data.menu, profile, language))


async def choose_language(update: Update, context: BotContext) -> None:
    """Offer Danish or English."""
    profile, _ = await translator(update, context)
    if profile is None:
        await reply(update, _(NOT_ENROLLED))
        return
    buttons = [[("🇩🇰 Dansk", "lg:da"), ("🇬🇧 English", "lg:en")]]
    await reply(update, "Vælg sprog · Choose language", keyboard(buttons))


async def set_language(update: Update, context: BotContext) -> None:
    """Switch the person's language and their command menu."""
    query = update.callback_query
    fields = unpack(query.data, "lg", 1) if query else None
    if query is None or fields is None or fields[0] not in ("da", "en"):
        await answer_stale(update, context)
        return
    await query.answer()
    profile, _ = await translator(update, context)
    if profile is None:
        await edit_or_send(update, _(NOT_ENROLLED))
        return
    await context.services.enrolment.set_language(query.from_user.id, fields[0])
    _ = gettext_for(fields[0])
    await edit_or_send(update, _("I will write to you in English from now on."))
    profile = await context.services.access.profile(query.from_user.id)
    await set_personal_menu(context.bot, context.bot_data.menu, profile, query.from_user.id)


async def rename(update: Update, context: BotContext) -> None:
    """Ask for a new display name."""
    profile, _ = await translator(update, context)
    if profile is None:
        await reply(update, _(NOT_ENROLLED))
        return
    await _ask_for_name(update, context)


async def name_button(update: Update, context: BotContext) -> None:
    """Keep the suggested name, or ask for another one."""
    query = update.callback_query
    fields = unpack(query.data, "nm", 1) if query else None
    if query is None or fields is None:
        await answer_stale(update, context)
        return
    await query.answer()
    profile, _ = await translator(update, context)
    if profile is None:
        await edit_or_send(update, _(NOT_ENROLLED))
        return
    if fields[0] == "chg":
        await _ask_for_name(update, context)
        return
    await edit_or_send(update, _("Great, {name}!").format(name=esc(profile.person.display_name)))
    await reply(update, help_text(context.bot_data.menu, profile, profile.person.language))


async def _ask_for_name(update: Update, context: BotContext) -> None:
    user = update.effective_user
    assert user is not None
    person = await context.services.enrolment.ask_for_name(user.id)
    _ = gettext_for(person.language)
    await edit_or_send(
        update,
        _("Write the name you would like me to use (at most 64 characters), or /annuller."),
    )


async def receive_name(update: Update, context: BotContext, text: str) -> None:
    """Store the display name the person just wrote."""
    user = update.effective_user
    assert user is not None
    person = await context.services.enrolment.person(user.id)
    _ = gettext_for(person.language if person else context.services.default_language)
    try:
        person = await context.services.enrolment.set_display_name(user.id, text)
    except ContainsCpr:
        await reply(
            update,
            _(
                "That looks like a CPR number, so I have not stored it. "
                "Please write only the name you want to be called, or /annuller."
            ),
        )
        return
    except Invalid:
        await reply(
            update,
            _("That name does not work: please write 1 to 64 ordinary characters, or /annuller."),
        )
        return
    await reply(
        update,
        _("Thank you, {name}! That is the name I will use.").format(name=esc(person.display_name)),
    )


async def cancel(update: Update, context: BotContext) -> None:
    """Stop whatever the bot was waiting for."""
    profile, _ = await translator(update, context)
    if profile is not None and profile.person.awaiting:
        await context.services.enrolment.cancel_awaiting(profile.person.telegram_id)
        await reply(update, _("Cancelled."))
        return
    await reply(update, _("There was nothing to cancel."))


def register(app: Application) -> None:
    """Register the help, language and name handlers."""
    register_commands(
        app,
        Audience.EVERYONE,
        ("help", N_("What I can do for you"), 10),
        ("sprog", N_("Change language (Dansk/English)"), 30),
    )
    register_commands(
        app,
        Audience.MEMBER,
        ("navn", N_("Change the name I use for you"), 10),
    )
    app.add_handler(CommandHandler(["help", "hjaelp"], show_help, filters=PRIVATE))
    app.add_handler(CommandHandler(["sprog", "language"], choose_language, filters=PRIVATE))
    app.add_handler(CommandHandler(["navn", "name"], rename, filters=PRIVATE))
    app.add_handler(CommandHandler(["annuller", "cancel"], cancel, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(set_language, pattern=r"^lg:"))
    app.add_handler(CallbackQueryHandler(name_button, pattern=r"^nm:"))
    register_awaited(app, AwaitKind.NAME, lambda u, c, _a, text: receive_name(u, c, text))
