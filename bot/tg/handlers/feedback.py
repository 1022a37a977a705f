"""(In progress for #6.)"""

from __future__ import annotations

from telegram.ext import Application


def register(app: Application) -> None:
    """Register the handlers (none yet)."""
    del app
