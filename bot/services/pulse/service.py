"""The anonymous weekly pulse: one question on psychological safety, answered 1-5.

Off by default; a cohort's coordinators switch it on. Each week, from the pulse day and
hour in the student's own time zone (moved out of their quiet hours), every student of a
pulse-enabled cohort whose placement is running gets the question once through the outbox
(dedupe key `pulse:<person>:<week start>`). A week runs Monday to Sunday, local time; the
question can be answered until the week is over.

One answer per person and week: the ask is flipped to answered with a compare-and-set and
the score dropped, without the person, as a ballot in the same transaction. Every tick counts
a cohort-week's ballots into its tallies in one transaction of its own once at least
`MIX_BATCH` wait (or the week has closed), so a counted score cannot be joined to a person by
transaction, time or id order; ballots still waiting are shown to no one (figures about
fewer than five people are withheld anyway). Scores are never logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.services.delivery.outbox import OutboxStore, OutgoingMessage
from bot.services.delivery.quiet_hours import DEFAULT_QUIET, deliver_at
from bot.services.identity.access import Actor, require_coordinator
from bot.services.identity.domain import AuditEntry
from bot.services.kernel.errors import NotFound
from bot.services.kernel.figures import MIN_GROUP, monday_of
from bot.services.kernel.ports import Clock, UnitOfWorkFactory
from bot.services.pulse.config import PulseConfig
from bot.services.pulse.messages import pulse_payload
from bot.services.pulse.ports import PulseUnitOfWork
from bot.services.pulse.types import SCORES, PulseAsk, PulseOutcome, PulseRecipient

log = logging.getLogger(__name__)
BATCH = 500
# Ballots are counted into the tallies this many at a time (the figures' own threshold).
MIX_BATCH = 5
MAX_BATCHES = 100
WEEK = timedelta(days=7)
DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class PulseWeek:
    """This week's pulse in one time zone: when it opens and closes (UTC)."""

    timezone: str
    week_start: date
    today: date
    opens: datetime
    closes: datetime


def week_end(week_start: date, timezone: str) -> datetime:
    """Return the (UTC) moment a week is over: the next Monday, 00:00 local time."""
    end = datetime.combine(week_start + WEEK, time(0), ZoneInfo(timezone))
    return end.astimezone(UTC)


def pulse_week(now: datetime, timezone: str, weekday: int, hour: int) -> PulseWeek:
    """Return the current week's pulse in a time zone (raises for an unknown zone)."""
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    start = monday_of(today)
    opens = datetime.combine(start + timedelta(days=weekday), time(hour), zone)
    return PulseWeek(timezone, start, today, opens.astimezone(UTC), week_end(start, timezone))


class PulseService:
    """Asks the weekly pulse, counts the anonymous answers, and switches it per cohort."""

    def __init__(
        self,
        uow: UnitOfWorkFactory[PulseUnitOfWork],
        outbox: OutboxStore,
        clock: Clock,
        config: PulseConfig,
    ) -> None:
        self._uow = uow
        self._outbox = outbox
        self._clock = clock
        self._config = config

    async def tick(self) -> int:
        """Count waiting ballots, then queue this week's question for every due student;
        return how many were queued."""
        now = self._clock.now()
        await self._mix(now)
        async with self._uow() as uow:
            zones = await uow.pulse.timezones()
        queued = 0
        for zone in zones:
            try:
                week = pulse_week(now, zone, self._config.weekday, self._config.hour)
            except (ZoneInfoNotFoundError, ValueError):
                log.warning("pulse: unknown time zone %r skipped", zone)
                continue
            if week.opens <= now < week.closes:
                queued += await self._ask_zone(week, now)
        if queued:
            log.info("pulse: %s questions queued", queued)
        return queued

    async def _ask_zone(self, week: PulseWeek, now: datetime) -> int:
        """Ask the due students of one time zone, a batch at a time."""
        queued = 0
        for _batch in range(MAX_BATCHES):
            async with self._uow() as uow:
                due = await uow.pulse.due(week.timezone, week.week_start, week.today, BATCH)
                quiet = await uow.schedules.quiet_hours([d.person_id for d in due])
            if not due:
                break
            moments = {
                d.person_id: deliver_at(now, week.timezone, quiet.get(d.person_id, DEFAULT_QUIET))
                for d in due
            }
            # Queue first, then note the asks: a crash in between asks again next tick, and
            # the dedupe key keeps it to one message.
            queued += await self._outbox.enqueue([self._message(d, week, moments) for d in due])
            async with self._uow() as uow:
                await uow.pulse.add_asks(
                    [
                        PulseAsk(d.person_id, week.week_start, d.cohort_id, moments[d.person_id])
                        for d in due
                    ]
                )
                await uow.commit()
            if len(due) < BATCH:
                break
        return queued

    def _message(
        self, recipient: PulseRecipient, week: PulseWeek, moments: dict[int, datetime]
    ) -> OutgoingMessage:
        """Return the question for one student, keyed once per student and week."""
        return OutgoingMessage(
            chat_id=recipient.telegram_id,
            payload=pulse_payload(week.week_start, recipient.language, MIN_GROUP),
            origin="pulse",
            not_before=moments[recipient.person_id],
            person_id=recipient.person_id,
            dedupe_key=f"pulse:{recipient.person_id}:{week.week_start}",
        )

    async def answer(self, telegram_id: int, week_start: date, score: int) -> PulseOutcome:
        """Count a student's answer to a week's question, once; refuse forged or late ones."""
        if score not in SCORES:
            return PulseOutcome.INVALID
        now = self._clock.now()
        async with self._uow() as uow:
            person = await uow.people.by_telegram_id(telegram_id)
            ask = await uow.pulse.ask(person.id, week_start) if person else None
            if person is None or ask is None:
                return PulseOutcome.INVALID
            if ask.answered:
                return PulseOutcome.ALREADY
            if now >= week_end(week_start, person.timezone):
                return PulseOutcome.CLOSED
            if not await uow.pulse.record(person.id, week_start, score):
                return PulseOutcome.ALREADY
            await uow.commit()
        await self._mix(now)  # its own transaction: the fifth answer shows the figures
        return PulseOutcome.COUNTED

    async def _mix(self, now: datetime) -> int:
        """Count waiting ballots into the tallies, in a transaction of its own."""
        # A week (Monday to Sunday in any time zone) is over 8 UTC days after it began.
        async with self._uow() as uow:
            moved = await uow.pulse.mix(MIX_BATCH, now.astimezone(UTC).date() - WEEK - DAY)
            await uow.commit()
        return moved

    async def set_enabled(self, actor: Actor, cohort_id: int, enabled: bool) -> bool:
        """Switch a cohort's pulse on or off (its coordinators or an operator); audited.

        Return whether it changed.
        """
        async with self._uow() as uow:
            await require_coordinator(uow, actor, cohort_id)
            current = await uow.pulse.enabled(cohort_id)
            if current is None:
                raise NotFound(f"cohort {cohort_id}")
            if current == enabled:
                return False
            await uow.pulse.set_enabled(cohort_id, enabled)
            action = "cohort.pulse_on" if enabled else "cohort.pulse_off"
            await uow.audit.record(AuditEntry(self._clock.now(), actor.label, action, cohort_id))
            await uow.commit()
        return True
