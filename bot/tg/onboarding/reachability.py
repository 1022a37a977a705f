"""my_chat_member: a person blocks the bot (kicked) or unblocks it (member again)."""

from __future__ import annotations

import logging

from telegram import ChatMember, Update
from telegram.constants import ChatType
from telegram.ext import Application, ChatMemberHandler

from bot.context import BotContext
from bot.i18n import N_, gettext_for

log = logging.getLogger(__name__)
WELCOME_BACK = N_(
    "Welcome back! I can write to you again, so your reflection prompts, feedback and "
    "messages from your cohort reach you here. /help shows what you can do."
)


async def membership_changed(update: Update, context: BotContext) -> None:
    """Mark a person who blocks the bot unreachable; welcome one who unblocks it back."""
    change = update.my_chat_member
    if change is None or change.chat.type != ChatType.PRIVATE:
        return  # groups and channels the bot is added to are not people
    status = change.new_chat_member.status
    reachability = context.services.reachability
    if status == ChatMember.BANNED:
        await reachability.blocked(change.chat.id)
    elif status == ChatMember.MEMBER:
        person = await reachability.unblocked(change.chat.id)
        if person is not None:
            _ = gettext_for(person.language)
            await context.bot.send_message(change.chat.id, _(WELCOME_BACK))


def register(app: Application) -> None:
    """Register the my_chat_member handler."""
    app.add_handler(ChatMemberHandler(membership_changed, ChatMemberHandler.MY_CHAT_MEMBER))
