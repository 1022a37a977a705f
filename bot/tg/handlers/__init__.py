"""Handler modules, each with a `register(app)`; the order decides who wins."""

from __future__ import annotations

from telegram.ext import Application

from bot.tg.handlers import (
    errors,
    fallback,
    invitation,
    link,
    privacy,
    profile,
    questions,
    replies,
    start,
)


def register_all(app: Application) -> None:
    """Register every handler: specific ones first, fallbacks last."""
    for module in (
        start,
        profile,
        link,
        invitation,
        privacy,
        questions,
        replies,
        fallback,
        errors,
    ):
        module.register(app)
