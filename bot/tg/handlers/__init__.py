"""Handler modules, each with a `register(app)`; the order decides who wins."""

from __future__ import annotations

from telegram.ext import Application

from bot.tg.handlers import (
    broadcast,
    broadcast_list,
    conversations,
    errors,
    fallback,
    feedback,
    invitation,
    link,
    logbook,
    privacy,
    profile,
    pulse,
    questions,
    reflection,
    replies,
    settings,
    start,
    status,
    welcome,
)


def register_all(app: Application) -> None:
    """Register every handler: specific ones first, fallbacks last."""
    for module in (
        start,
        profile,
        link,
        invitation,
        broadcast,
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
        fallback,
        errors,
    ):
        module.register(app)
