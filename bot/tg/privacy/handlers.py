"""/eksport and /slet: a person's own data, on their request."""

from __future__ import annotations

import asyncio

from telegram import InputFile, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import N_, gettext_for
from bot.services.privacy.export_json import export_json
from bot.tg.kit.callbacks import unpack
from bot.tg.kit.commands import set_personal_menu
from bot.tg.kit.common import answer_stale, translator
from bot.tg.kit.menu import Audience, register_commands
from bot.tg.kit.render import edit_or_send, keyboard, reply
from bot.tg.privacy.export_pdf import export_pdf


async def export(update: Update, context: BotContext) -> None:
    """Send the person everything stored about them: a PDF to read and a JSON file."""
    profile, _ = await translator(update, context)
    if profile is None:
        await reply(update, _("Nothing is stored about you."))
        return
    chat = profile.person.telegram_id
    data = await context.services.privacy.export(chat)
    day = f"{data.exported_at:%Y-%m-%d}"
    pdf = await asyncio.to_thread(export_pdf, data, _)
    await context.bot.send_document(
        chat,
        InputFile(pdf, filename=f"praktikbot-{day}.pdf"),
        caption=_("Everything I store about you, to read or keep in your portfolio."),
    )
    await context.bot.send_document(
        chat,
        InputFile(export_json(data), filename=f"praktikbot-{day}.json"),
        caption=_("The same data, machine-readable (JSON)."),
    )


async def ask_delete(update: Update, context: BotContext) -> None:
    """Ask for confirmation before deleting everything."""
    profile, _ = await translator(update, context)
    if profile is None:
        await reply(update, _("Nothing is stored about you."))
        return
    buttons = [[(_("Yes, delete everything"), "del:yes")], [(_("No, keep it"), "del:no")]]
    await reply(
        update,
        _(
            "This deletes everything I store about you and removes you from your cohorts. "
            "It cannot be undone. Tip: /eksport first if you want a copy."
        ),
        keyboard(buttons),
    )


async def confirm_delete(update: Update, context: BotContext) -> None:
    """Delete on confirmation; a second tap finds nothing left and says so."""
    query = update.callback_query
    fields = unpack(query.data, "del", 1) if query else None
    if query is None or fields is None:
        await answer_stale(update, context)
        return
    await query.answer()
    profile, _ = await translator(update, context)
    if fields[0] != "yes":
        await edit_or_send(update, _("Nothing was deleted."))
        return
    deleted = await context.services.privacy.delete(query.from_user.id)
    language = profile.person.language if profile else context.services.default_language
    _ = gettext_for(language)
    if not deleted:
        await edit_or_send(update, _("Nothing is stored about you."))
        return
    await edit_or_send(
        update, _("Everything about you has been deleted. Thank you for using Praktikbot.")
    )
    await set_personal_menu(context.bot, context.bot_data.menu, None, query.from_user.id)


def register(app: Application) -> None:
    """Register the export and deletion handlers."""
    register_commands(
        app,
        Audience.MEMBER,
        ("eksport", N_("Get a copy of everything stored about you"), 20),
        ("slet", N_("Delete everything stored about you"), 30),
    )
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler(["eksport", "export"], export, filters=private))
    app.add_handler(CommandHandler(["slet", "delete"], ask_delete, filters=private))
    app.add_handler(CallbackQueryHandler(confirm_delete, pattern=r"^del:"))
