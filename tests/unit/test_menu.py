"""The command menu each tg domain registers: every role gets its commands in a stable order,
and every command in a menu has a handler."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from telegram.ext import ApplicationBuilder, CommandHandler

from bot.context import CONTEXT_TYPES, BotApplication, CommandMenu
from bot.services.identity.access import Profile
from bot.services.identity.domain import Membership, Person, Role
from bot.tg.kit.menu import commands_for
from bot.tg.kit.texts import help_text
from bot.tg.routing import register_all


@pytest.fixture(scope="module")
def app() -> BotApplication:
    """An application with every handler registered (never started: no network)."""
    application: BotApplication = (
        ApplicationBuilder().token("1:test").context_types(CONTEXT_TYPES).build()
    )
    register_all(application)
    return application


def _profile(*roles: Role) -> Profile:
    person = Person(1, 101, "Anna", "da", "Europe/Copenhagen", datetime(2027, 2, 1, tzinfo=UTC))
    memberships = tuple(Membership(1, 1, role) for role in roles)
    return Profile(person, memberships, ())


def _names(menu: CommandMenu, profile: Profile | None) -> list[str]:
    return [name for name, _description in commands_for(menu, profile)]


def test_newcomers_see_how_to_join_and_what_anyone_can_do(app: BotApplication) -> None:
    assert _names(app.bot_data.menu, None) == ["start", "help", "spoerg", "sprog"]


def test_each_role_gets_its_commands_after_the_common_ones(app: BotApplication) -> None:
    menu = app.bot_data.menu
    common = ["help", "spoerg", "sprog", "navn", "eksport", "slet"]
    student = ["refleksion", "logbog", "maal", "samtaler", "feedback"]
    student += ["indstillinger", "pause", "genoptag"]
    coordinator = ["invitation", "link", "huller", "dokumenter", "broadcast", "broadcasts"]
    coordinator += ["status", "velkomst"]
    assert _names(menu, _profile(Role.STUDENT)) == common + student
    assert _names(menu, _profile(Role.SUPERVISOR)) == [*common, "delt", "samtaler", "feedback"]
    assert _names(menu, _profile(Role.COORDINATOR)) == common + coordinator


def test_a_command_of_two_roles_comes_once_with_the_first_description(
    app: BotApplication,
) -> None:
    both = commands_for(app.bot_data.menu, _profile(Role.SUPERVISOR, Role.STUDENT))
    names = [name for name, _description in both]
    assert names.count("feedback") == 1
    assert dict(both)["feedback"] == "Ask for feedback (a short self-assessment first)"
    assert names.index("delt") > names.index("genoptag")  # supervisor commands after


def test_every_command_in_a_menu_has_a_handler(app: BotApplication) -> None:
    handled = {
        command
        for group in app.handlers.values()
        for handler in group
        if isinstance(handler, CommandHandler)
        for command in handler.commands
    }
    everyone = _profile(Role.STUDENT, Role.SUPERVISOR, Role.COORDINATOR)
    listed = set(_names(app.bot_data.menu, everyone)) | set(_names(app.bot_data.menu, None))
    assert listed - handled == set()


def test_help_lists_the_menu_in_the_persons_language(app: BotApplication) -> None:
    text = help_text(app.bot_data.menu, _profile(Role.COORDINATOR), "da")
    assert "/velkomst" in text
    assert "/refleksion" not in text
