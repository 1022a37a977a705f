"""The admins' alert channel: a direct message through the application's bot (not the
outbox, which may be what is stuck), plain text so no error name can break the markup."""

from __future__ import annotations

from telegram import Bot


class BotAlertChannel:
    """Implements the AlertChannel port with a PTB bot."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, telegram_id: int, text: str) -> None:
        """Send the alert as plain text."""
        await self._bot.send_message(telegram_id, text, parse_mode=None)
