"""Command menus per role and language (Telegram's set_my_commands)."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import TelegramError

from bot.i18n import LANGUAGES, gettext_for
from bot.services.identity.access import Profile
from bot.tg.kit.menu import CommandMenu, commands_for

log = logging.getLogger(__name__)


def menu(commands: CommandMenu, profile: Profile | None, language: str) -> list[BotCommand]:
    """Return the command menu for a profile in a language."""
    _ = gettext_for(language)
    return [BotCommand(cmd, _(desc)) for cmd, desc in commands_for(commands, profile)]


async def set_default_menus(bot: Bot, commands: CommandMenu, default_language: str) -> None:
    """Set the menu newcomers see: per Telegram client language, default language otherwise."""
    scope = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands(menu(commands, None, default_language), scope=scope)
    for language in LANGUAGES:
        await bot.set_my_commands(
            menu(commands, None, language), scope=scope, language_code=language
        )


async def set_personal_menu(
    bot: Bot, commands: CommandMenu, profile: Profile | None, chat_id: int
) -> None:
    """Give one chat the menu for its person's roles and chosen language (best effort)."""
    try:
        if profile is None:
            await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id))
            return
        personal = menu(commands, profile, profile.person.language)
        await bot.set_my_commands(personal, scope=BotCommandScopeChat(chat_id))
    except TelegramError as exc:
        log.warning("could not set the command menu for a chat: %s", type(exc).__name__)
