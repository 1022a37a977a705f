"""Helpers shared by handlers: who is writing, and in which language to answer."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.i18n import Gettext, gettext_for, normalise_language
from bot.services.identity.access import Profile


async def whoami(update: Update, context: BotContext) -> tuple[Profile | None, str]:
    """Return the sender's profile (None if not enrolled) and the language to answer in."""
    user = update.effective_user
    if user is None:
        return None, context.services.default_language
    profile = await context.services.access.profile(user.id)
    if profile is not None:
        return profile, profile.person.language
    return None, normalise_language(user.language_code, context.services.default_language)


async def translator(update: Update, context: BotContext) -> tuple[Profile | None, Gettext]:
    """Return the sender's profile and a gettext function in their language."""
    profile, language = await whoami(update, context)
    return profile, gettext_for(language)


async def answer_stale(update: Update, context: BotContext) -> None:
    """Answer a button that is old, forged or from a flow that has ended: a handler whose
    pattern matched but whose fields it cannot use must still answer, or the button spins."""
    query = update.callback_query
    if query is None:
        return
    _profile, _ = await translator(update, context)
    await query.answer(_("That button is no longer valid. Please start again."), show_alert=True)
