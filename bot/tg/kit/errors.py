"""The global error handler: log without message text, reply politely, never crash."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application

from bot.context import BotContext
from bot.i18n import N_, gettext_for
from bot.services.kernel.errors import Invalid, NotAllowed, NotFound, Unavailable
from bot.tg.kit.common import whoami

log = logging.getLogger(__name__)
REPLIES = {
    NotAllowed: N_("Sorry, your role does not allow that."),
    NotFound: N_("Sorry, I could not find that any more. It may have been removed."),
    Invalid: N_("Sorry, that did not work. Please check what you entered and try again."),
    Unavailable: N_(
        "Sorry, the documents are unavailable right now, so I cannot do that. "
        "Please try again in a little while."
    ),
}
GENERIC = N_("Sorry, something went wrong on my side. Please try again in a moment.")


async def on_error(update: object, context: BotContext) -> None:
    """Handle any exception raised while processing an update."""
    error = context.error
    if not isinstance(update, Update):
        log.error("error outside an update: %s", type(error).__name__, exc_info=error)
        return
    chat = update.effective_chat
    if isinstance(error, Forbidden):  # the user blocked the bot: stop writing to them
        log.info("update %s: chat unreachable (%s)", update.update_id, type(error).__name__)
        if chat is not None:
            await context.services.enrolment.mark_unreachable(chat.id)
        return
    reply_text = next((t for kind, t in REPLIES.items() if isinstance(error, kind)), None)
    if reply_text is None:
        log.error("update %s failed: %s", update.update_id, type(error).__name__, exc_info=error)
        reply_text = GENERIC
    else:
        log.info("update %s refused: %s", update.update_id, type(error).__name__)
    if chat is None:
        return
    if update.callback_query is not None:
        with contextlib.suppress(TelegramError):  # it may have been answered already
            await update.callback_query.answer()
    try:
        _profile, language = await whoami(update, context)
        await chat.send_message(gettext_for(language)(reply_text))
    except Exception as exc:  # the error handler itself must never raise
        log.warning("could not tell the user about an error: %s", type(exc).__name__)


def register(app: Application) -> None:
    """Register the error handler."""
    app.add_error_handler(on_error)
