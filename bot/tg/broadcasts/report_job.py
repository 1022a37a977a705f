"""The delivery-report job: edits each sending broadcast's confirmation message when its
counts changed, at most once per interval per message, until nothing is pending."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from telegram import Bot
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application

from bot.context import BotContext
from bot.i18n import gettext_for
from bot.services.broadcasts.types import Progress, counts
from bot.tg.broadcasts.texts import report_text

log = logging.getLogger(__name__)
REPORT_JOB = "broadcast-reports"


class BroadcastReporter:
    """The job callback; remembers when it last edited each confirmation message."""

    def __init__(self, interval: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._interval = interval * 0.9  # ticks are not exactly `interval` apart
        self._now = monotonic
        self._edited: dict[int, float] = {}

    async def __call__(self, context: BotContext) -> None:
        """Edit every confirmation whose counts changed (one tick of the job)."""
        reports = context.services.broadcast_reports
        for progress in await reports.progress():
            broadcast_id = progress.broadcast.id
            if not self.may_edit(broadcast_id):
                continue
            if await show_report(context.bot, progress):
                await reports.mark_reported(broadcast_id, counts(progress.report), progress.done)
                if progress.done:
                    self._edited.pop(broadcast_id, None)

    def may_edit(self, broadcast_id: int) -> bool:
        """Return whether a message may be edited now; the first sighting counts as an edit,
        since the confirmation was written just before."""
        now = self._now()
        last = self._edited.setdefault(broadcast_id, now)
        if now - last < self._interval:
            return False
        self._edited[broadcast_id] = now
        return True


async def show_report(bot: Bot, progress: Progress) -> bool:
    """Show the new counts; False when it should be tried again at the next tick."""
    broadcast = progress.broadcast
    _ = gettext_for(progress.language)
    text = report_text(broadcast, counts(progress.report), _, progress.done)
    try:
        await bot.edit_message_text(
            text, chat_id=broadcast.confirm_chat_id, message_id=broadcast.confirm_message_id
        )
    except BadRequest as exc:  # "not modified" means it already shows this; else it is gone
        if "not modified" not in exc.message.lower():
            log.warning("broadcast %s: report not shown: %s", broadcast.id, type(exc).__name__)
    except Forbidden:
        log.info("broadcast %s: the author blocked the bot", broadcast.id)
    except TelegramError as exc:  # flood control, time-outs: the next tick tries again
        log.warning("broadcast %s: report not edited yet: %s", broadcast.id, type(exc).__name__)
        return False
    return True


def schedule_reports(application: Application, seconds: float) -> None:
    """Add the delivery-report job (it edits Telegram messages, so it lives with Telegram)."""
    queue = application.job_queue
    if queue is None:
        log.warning("no job queue: broadcast delivery reports are off")
        return
    queue.run_repeating(
        BroadcastReporter(seconds),
        interval=seconds,
        first=seconds,
        name=REPORT_JOB,
        job_kwargs={"id": REPORT_JOB, "replace_existing": True},
    )
