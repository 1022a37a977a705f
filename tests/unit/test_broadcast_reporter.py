"""The delivery-report job: at most one edit per interval per message, Telegram's answers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from telegram.error import BadRequest, Forbidden, TimedOut

from bot.services.broadcasts.types import Broadcast, BroadcastStatus, Progress
from bot.services.delivery.outbox import DeliveryReport, OutboxStatus
from bot.tg.broadcasts.report_job import BroadcastReporter, show_report


class Ticker:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        """Return the current reading."""
        return self.now


class EditingBot:
    """Records edits, or answers them with an error."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.edits: list[dict[str, Any]] = []

    async def edit_message_text(self, text: str, **where: Any) -> None:
        """Record the edit or raise the configured error."""
        if self.error is not None:
            raise self.error
        self.edits.append({"text": text, **where})


def _progress(done: bool = False) -> Progress:
    broadcast = Broadcast(
        7,
        BroadcastStatus.SENDING,
        (1,),
        1,
        datetime(2027, 2, 3, tzinfo=UTC),
        recipients=3,
        confirm_chat_id=42,
        confirm_message_id=9,
    )
    counts = {OutboxStatus.SENT: 2, OutboxStatus.PENDING: 0 if done else 1}
    return Progress(broadcast, DeliveryReport("broadcast:7", counts), "da", done)


def test_each_message_is_edited_at_most_once_per_interval() -> None:
    ticker = Ticker()
    reporter = BroadcastReporter(5.0, monotonic=ticker)
    allowed = []
    for step in (0.0, 1.0, 3.0, 1.0, 2.0, 0.1, 5.0):  # seconds between ticks
        ticker.now += step
        allowed.append(reporter.may_edit(7))
    # the first sighting counts as the confirmation's own edit
    assert allowed == [False, False, False, True, False, False, True]


async def test_the_report_shows_the_counts_in_the_authors_language() -> None:
    bot = EditingBot()
    assert await show_report(bot, _progress(done=True))
    [edit] = bot.edits
    assert (edit["chat_id"], edit["message_id"]) == (42, 9)
    assert "Sendt: 2" in edit["text"]
    assert "Færdig." in edit["text"]


@pytest.mark.parametrize(
    ("error", "settled"),
    [
        (BadRequest("Message is not modified: specified new message content..."), True),
        (BadRequest("Message to edit not found"), True),
        (Forbidden("bot was blocked by the user"), True),
        (TimedOut(), False),
    ],
)
async def test_telegram_answers_decide_whether_to_try_again(
    error: Exception, settled: bool
) -> None:
    assert await show_report(EditingBot(error), _progress()) is settled
