"""The global error handler: log without message text, reply politely, never crash."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application

from bot.context import BotContext
from bot.i18n import N_, gettext_for
from bot.services.kernel import telemetry as codes
from bot.services.kernel.errors import Invalid, NotAllowed, NotFound, Unavailable
from bot.tg.kit.common import whoami
from bot.tg.kit.measured import update_kind

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
        alerts = context.services.operations.alerts
        context.application.create_task(alerts.tick_failed("background", type(error).__name__))
        return
    _count_telegram_error(context, error)
    chat = update.effective_chat
    if isinstance(error, Forbidden):  # the user blocked the bot: stop writing to them
        log.info("update %s: chat unreachable (%s)", update.update_id, type(error).__name__)
        if chat is not None:
            await context.services.enrolment.mark_unreachable(chat.id)
        return
    reply_text = next((t for kind, t in REPLIES.items() if isinstance(error, kind)), None)
    if reply_text is None:
        log.error("update %s failed: %s", update.update_id, type(error).__name__, exc_info=error)
        _report(update, context, error)
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


def _report(update: Update, context: BotContext, error: BaseException | None) -> None:
    """Count the failed update and alert the admins (error type, kind and id only)."""
    operations, kind = context.services.operations, update_kind(update)
    operations.telemetry.handler_failed(kind)
    alert = operations.alerts.handler_error(kind, type(error).__name__, update.update_id)
    context.application.create_task(alert)


def telegram_error_code(error: BaseException | None) -> str | None:
    """Return the code of a Telegram error as counted in the metrics (None: not one)."""
    if isinstance(error, RetryAfter):
        return codes.TOO_MANY_REQUESTS
    if isinstance(error, Forbidden):
        return codes.FORBIDDEN
    if isinstance(error, BadRequest):
        return codes.BAD_REQUEST
    if isinstance(error, TimedOut):
        return codes.NETWORK
    if isinstance(error, NetworkError):  # PTB's error for 5xx answers and for no answer
        return (
            codes.NETWORK
            if "aiohttp" in error.message or "httpx" in error.message
            else (codes.SERVER_ERROR)
        )
    return None


def _count_telegram_error(context: BotContext, error: BaseException | None) -> None:
    code = telegram_error_code(error)
    if code is not None:
        context.services.operations.telemetry.telegram_error(code)


def register(app: Application) -> None:
    """Register the error handler."""
    app.add_error_handler(on_error)
