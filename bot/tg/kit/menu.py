"""The command menu: each tg domain adds the commands it handles in its own `register(app)`,
so a new command touches only its domain's folder; menus and /help read them from here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.context import Audience, CommandMenu, MenuEntry
from bot.services.identity.access import Profile
from bot.services.identity.domain import Role

if TYPE_CHECKING:
    from bot.context import BotApplication

__all__ = ["Audience", "CommandMenu", "commands_for", "register_commands"]

ROLE_AUDIENCES = {
    Role.STUDENT: Audience.STUDENT,
    Role.SUPERVISOR: Audience.SUPERVISOR,
    Role.COORDINATOR: Audience.COORDINATOR,
}


def register_commands(
    app: BotApplication, audience: Audience, *commands: tuple[str, str, int]
) -> None:
    """Add (command, description message id, rank) entries for an audience to the menu."""
    for command, description, rank in commands:
        app.bot_data.menu.add(MenuEntry(command, description, audience, rank))


def commands_for(menu: CommandMenu, profile: Profile | None) -> list[tuple[str, str]]:
    """Return the (command, untranslated description) pairs a person may use."""
    if profile is None:
        return menu.commands([Audience.NEWCOMER, Audience.EVERYONE])
    audiences = [Audience.EVERYONE, Audience.MEMBER]
    audiences += [audience for role, audience in ROLE_AUDIENCES.items() if profile.has_role(role)]
    return menu.commands(audiences)
