"""Operational alerts to the admins in the chat: errors, failing ticks, a stuck outbox.

Rate-limited per kind (one alert per kind per period; repeats are counted and reported with
the next alert, or by `flush` once the period is over). An alert never holds personal text:
only the error's type, the handler kind, the update id, a job's name or counts.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.i18n import N_, Gettext, gettext_for
from bot.services.kernel.ports import Clock

log = logging.getLogger(__name__)
HANDLER_ERROR = N_("An update failed: {error} in a {kind} update (update {update_id}).")
TICK_FAILED = N_("The periodic job {job} failed: {error}.")
OUTBOX_STUCK = N_(
    "The outbox is behind: the oldest due message has waited {minutes} minutes "
    "({waiting} messages waiting)."
)
REPEATS = N_("It happened {count} more times in the last {minutes} minutes.")
REPEATS_ONLY = N_("Repeated {count} more times in the last {minutes} minutes: {alert}")
Render = Callable[[Gettext], str]


class AlertChannel(Protocol):
    """Delivers an alert to one admin straight away (not through the outbox, which may be
    what is stuck)."""

    async def send(self, telegram_id: int, text: str) -> None:
        """Send the text; raise when it could not be sent."""
        ...


@dataclass(slots=True)
class _Track:
    """One kind of alert: when it was last sent, and what happened since."""

    sent: datetime
    render: Render
    repeats: int = 0


class AdminAlerts:
    """Tells the admins about operational trouble, at most once per kind per period."""

    def __init__(
        self,
        channel: AlertChannel | None,
        clock: Clock,
        admin_telegram_ids: Iterable[int],
        *,
        every: timedelta = timedelta(minutes=15),
        language: str = "da",
    ) -> None:
        self._channel, self._clock, self._every = channel, clock, every
        self._admins = tuple(sorted(set(admin_telegram_ids)))
        self._language = language
        self._tracks: dict[tuple[str, ...], _Track] = {}

    def attach(self, channel: AlertChannel) -> None:
        """Set the channel once the bot that sends exists."""
        self._channel = channel

    async def handler_error(self, kind: str, error: str, update_id: int) -> bool:
        """Report an update whose handler raised; return whether an alert was sent."""
        return await self._report(
            ("handler", kind, error),
            lambda _: _(HANDLER_ERROR).format(error=error, kind=kind, update_id=update_id),
        )

    async def tick_failed(self, job: str, error: str) -> bool:
        """Report a periodic job that failed; return whether an alert was sent."""
        return await self._report(
            ("tick", job, error), lambda _: _(TICK_FAILED).format(job=job, error=error)
        )

    async def outbox_stuck(self, lag: timedelta, waiting: int) -> bool:
        """Report an outbox whose oldest due message waits too long."""
        minutes = int(lag.total_seconds() // 60)
        return await self._report(
            ("outbox",),
            lambda _: _(OUTBOX_STUCK).format(minutes=minutes, waiting=waiting),
        )

    async def flush(self) -> int:
        """Report the repeats of each kind whose period is over; return how many were sent."""
        now, sent = self._clock.now(), 0
        for track in self._tracks.values():
            if track.repeats and now - track.sent >= self._every:
                count, render = track.repeats, track.render
                track.sent, track.repeats = now, 0
                await self._deliver(functools.partial(self._repeated, count, render))
                sent += 1
        return sent

    def _repeated(self, count: int, render: Render, _: Gettext) -> str:
        return _(REPEATS_ONLY).format(count=count, minutes=self._minutes, alert=render(_))

    @property
    def _minutes(self) -> int:
        return int(self._every.total_seconds() // 60)

    async def _report(self, key: tuple[str, ...], render: Render) -> bool:
        """Send the alert unless one of its kind went out within the period."""
        now = self._clock.now()
        track = self._tracks.get(key)
        if track is not None and now - track.sent < self._every:
            track.repeats, track.render = track.repeats + 1, render
            return False
        repeats = track.repeats if track else 0
        self._tracks[key] = _Track(now, render)
        if len(self._tracks) > 1000:  # many kinds of error: forget the oldest
            oldest = min(self._tracks, key=lambda k: self._tracks[k].sent)
            del self._tracks[oldest]

        def text(_: Gettext) -> str:
            extra = _(REPEATS).format(count=repeats, minutes=self._minutes) if repeats else ""
            return f"{render(_)} {extra}".strip()

        await self._deliver(text)
        return True

    async def _deliver(self, render: Render) -> None:
        """Send to every admin; a failure is logged (by type), never raised."""
        if self._channel is None or not self._admins:
            return
        text = "⚠️ " + render(gettext_for(self._language))
        for admin in self._admins:
            try:
                await self._channel.send(admin, text)
            except Exception as exc:  # an alert must never break what it reports on
                log.warning("could not alert an admin: %s", type(exc).__name__)
