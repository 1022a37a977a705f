"""Every handler module, each with a `register(app)`; the order decides who wins."""

from __future__ import annotations

from telegram.ext import Application

from bot.tg import fallback
from bot.tg.broadcasts import handlers as broadcasts
from bot.tg.broadcasts import listing as broadcast_list
from bot.tg.broadcasts import welcome
from bot.tg.conversations import handlers as conversations
from bot.tg.feedback import handlers as feedback
from bot.tg.identity import invitation, link, profile
from bot.tg.kit import errors
from bot.tg.knowledge import faq
from bot.tg.knowledge import handlers as knowledge
from bot.tg.onboarding import reachability, start
from bot.tg.privacy import handlers as privacy
from bot.tg.pulse import handlers as pulse
from bot.tg.questions import handlers as questions
from bot.tg.questions import replies
from bot.tg.reflection import handlers as reflection
from bot.tg.reflection import logbook, settings
from bot.tg.reports import status


def register_all(app: Application) -> None:
    """Register every handler: specific ones first, fallbacks last (and before them all,
    the one for buttons without data, which PTB would give to any callback handler)."""
    fallback.register_early(app)
    for module in (
        start,
        reachability,
        profile,
        link,
        invitation,
        broadcasts,
        broadcast_list,
        status,
        welcome,
        reflection,
        logbook,
        feedback,
        conversations,
        pulse,
        settings,
        privacy,
        questions,
        replies,
        knowledge,
        faq,
        fallback,
        errors,
    ):
        module.register(app)
