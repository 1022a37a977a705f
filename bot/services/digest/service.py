"""The weekly supervisor digest: one message per supervisor and week with their students,
the feedback requests waiting for them (open or being answered; their age in calendar days
where the supervisor lives), the conversations of the next 14 days and how many entries each
student shared with them in the last 7 days. Names, counts and dates only.

When: on DIGEST_WEEKDAY at DIGEST_HOUR in the supervisor's own time zone (moved out of their
quiet hours); a tick later in the same week (the bot was down) still sends it, a week missed
entirely is skipped.

Who: supervisors with at least one linked student in a cohort whose placement runs at some
point from the Monday before the digest week to the Sunday of that week. So the digest starts
in the week the placement starts and comes one last time in the week after it ends.

Once: the outbox key is "digest:<person>:<week start>", and a supervisor_digest row per
supervisor and week (inserted after the message is queued, a repeat skipped) keeps them out
of later ticks' selection; overlapping ticks and restarts send one digest.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.services.conversations.types import DigestRecipient, StudentConversation
from bot.services.delivery.outbox import OutboxStore, OutgoingMessage
from bot.services.delivery.quiet_hours import DEFAULT_QUIET, deliver_at
from bot.services.digest.config import DigestConfig
from bot.services.digest.messages import Digest, digest_payload
from bot.services.digest.ports import DigestUnitOfWork
from bot.services.kernel.ports import Clock, UnitOfWorkFactory

log = logging.getLogger(__name__)
BATCH = 200
MAX_BATCHES = 100
ORIGIN = "digest"
UPCOMING = timedelta(days=14)
SHARED = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class DigestWeek:
    """The week a digest is for, in one time zone."""

    week_start: date
    first: date  # cohorts running from this day ...
    last: date  # ... to this one count
    today: date


def digest_week(now: datetime, timezone: str, weekday: int, hour: int) -> DigestWeek | None:
    """Return this week's digest period where it is due by now in the zone, else None."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    week_start = local.date() - timedelta(days=local.weekday())
    due = datetime.combine(week_start + timedelta(days=weekday), time(hour), tzinfo=zone)
    if local < due:
        return None
    return DigestWeek(
        week_start, week_start - timedelta(days=7), week_start + timedelta(days=6), local.date()
    )


class DigestService:
    """Queues the weekly digest of every supervisor due one."""

    def __init__(
        self,
        uow: UnitOfWorkFactory[DigestUnitOfWork],
        outbox: OutboxStore,
        clock: Clock,
        config: DigestConfig,
    ) -> None:
        self._uow = uow
        self._outbox = outbox
        self._clock = clock
        self._config = config

    async def tick(self) -> int:
        """Queue what is due; return how many messages were queued."""
        now = self._clock.now()
        async with self._uow() as uow:
            zones = await uow.digests.timezones()
        queued = 0
        for zone in zones:
            try:
                week = digest_week(now, zone, self._config.weekday, self._config.hour)
            except (ZoneInfoNotFoundError, ValueError):
                log.warning("digest: unknown time zone %r skipped", zone)
                continue
            if week is not None:
                queued += await self._zone(zone, week, now)
        if queued:
            log.info("digest: %s queued", queued)
        return queued

    async def _zone(self, zone: str, week: DigestWeek, now: datetime) -> int:
        """Send the digests due in one time zone, batch by batch."""
        queued = 0
        for _ in range(MAX_BATCHES):
            async with self._uow() as uow:
                due = await uow.digests.due_supervisors(
                    zone, week.week_start, week.first, week.last, BATCH
                )
            if not due:
                break
            queued += await self._send(due, zone, week, now)
            if len(due) < BATCH:
                break
        return queued

    async def _send(
        self, due: Sequence[DigestRecipient], zone: str, week: DigestWeek, now: datetime
    ) -> int:
        """Gather a batch's figures in a few queries, queue the digests, record them."""
        ids = [r.person.id for r in due]
        async with self._uow() as uow:
            students = await uow.digests.students(ids, week.first, week.last)
            waiting = await uow.digests.waiting_requests(ids)
            student_ids = sorted({s.student_id for s in students})
            talks = await uow.digests.conversations(student_ids, week.today, week.today + UPCOMING)
            shared = await uow.digests.shared_counts(ids, now - SHARED, now)
        pairs: dict[int, dict[tuple[int, int], str]] = defaultdict(dict)
        for s in students:
            pairs[s.supervisor_id][(s.student_id, s.cohort_id)] = s.name
        requests: dict[int, list[tuple[str, int]]] = defaultdict(list)
        for r in waiting:
            days = (week.today - r.since.astimezone(ZoneInfo(zone)).date()).days
            requests[r.supervisor_id].append((r.student, days))
        messages = []
        for recipient in due:
            mine = pairs.get(recipient.person.id, {})
            names = {sid: name for (sid, _cid), name in mine.items()}
            digest = Digest(
                week_start=week.week_start,
                students=sorted(set(names.values()), key=str.casefold),
                waiting=requests.get(recipient.person.id, []),
                conversations=_theirs(talks, mine),
                shared=[
                    (names[sid], shared[(recipient.person.id, sid)])
                    for sid in sorted(names, key=lambda s: names[s].casefold())
                    if shared.get((recipient.person.id, sid))
                ],
            )
            messages.append(self._message(recipient, digest, now))
        added = await self._outbox.enqueue(messages)
        async with self._uow() as uow:
            await uow.digests.mark_sent(ids, week.week_start, now)
            await uow.commit()
        return added

    def _message(
        self, recipient: DigestRecipient, digest: Digest, now: datetime
    ) -> OutgoingMessage:
        """Return one digest for the outbox, keyed once per supervisor and week."""
        person = recipient.person
        return OutgoingMessage(
            chat_id=person.telegram_id,
            payload=digest_payload(digest, person.language),
            origin=ORIGIN,
            not_before=deliver_at(now, person.timezone, recipient.quiet or DEFAULT_QUIET),
            person_id=person.id,
            dedupe_key=f"digest:{person.id}:{digest.week_start.isoformat()}",
        )


def _theirs(
    talks: Sequence[StudentConversation], mine: dict[tuple[int, int], str]
) -> list[StudentConversation]:
    """Return the conversations of the supervisor's own students in the linked cohort."""
    return [t for t in talks if (t.student_id, t.cohort_id) in mine]
