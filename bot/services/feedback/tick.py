"""The timed part of feedback: nudges to ask for feedback, a gentle reminder to the
supervisor after a few days, and closing unanswered requests (with a note to the student).

One tick for everyone, selecting due rows in SQL; every message has a dedupe key, and every
change is a compare-and-set, so overlapping ticks or a restart never send twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from babel.dates import format_date

from bot.services.delivery.outbox import OutboxStore, OutgoingMessage
from bot.services.delivery.quiet_hours import wake_times
from bot.services.feedback.config import FeedbackConfig
from bot.services.feedback.messages import expired_payload, nudge_payload, reminder_payload
from bot.services.feedback.ports import FeedbackUnitOfWork
from bot.services.feedback.rules import next_nudge
from bot.services.feedback.types import (
    WAITING,
    DueNudge,
    FeedbackRequest,
    NudgeMove,
    RequestStatus,
)
from bot.services.identity.awaiting import AwaitKind, awaiting
from bot.services.identity.domain import Person
from bot.services.kernel.ports import Clock, UnitOfWorkFactory

log = logging.getLogger(__name__)
BATCH = 500
MAX_BATCHES = 100
GRACE = timedelta(hours=2)
RECHECK = timedelta(days=1)
NUDGE_USEFUL = timedelta(hours=12)  # a nudge for today's shift, not tomorrow's


async def message_for(
    uow: FeedbackUnitOfWork,
    person: Person,
    payload: dict[str, Any],
    now: datetime,
    key: str,
    *,
    about: int | None = None,
    useful_until: datetime | None = None,
) -> OutgoingMessage:
    """Return a message for one person, to be sent out of their quiet hours (and not after
    `useful_until`); `about` is the person whose name or words it carries."""
    wake = await wake_times(uow.schedules, [person], now)
    return OutgoingMessage(
        chat_id=person.telegram_id,
        payload=payload,
        origin="feedback",
        not_before=wake[person.id],
        person_id=person.id,
        dedupe_key=key,
        about_id=about,
        useful_until=useful_until,
    )


class FeedbackTicker:
    """Queues what is due for feedback: nudges, reminders, expiry notes."""

    def __init__(
        self,
        uow: UnitOfWorkFactory[FeedbackUnitOfWork],
        outbox: OutboxStore,
        clock: Clock,
        config: FeedbackConfig,
    ) -> None:
        self._uow = uow
        self._outbox = outbox
        self._clock = clock
        self._config = config

    async def tick(self) -> int:
        """Run every part; return how many messages were queued."""
        now = self._clock.now()
        queued = await self._nudges(now)
        queued += await self._expiry(now)  # first: a request past both is not reminded
        queued += await self._reminders(now)
        if queued:
            log.info("feedback: %s messages queued", queued)
        return queued

    async def _nudges(self, now: datetime) -> int:
        """Queue the nudges that are due and move each to its next moment."""
        queued = 0
        async with self._uow() as uow:
            await uow.feedback.ensure_nudges()
            await uow.commit()
        for _batch in range(MAX_BATCHES):
            async with self._uow() as uow:
                due = await uow.feedback.due_nudges(now, BATCH)
            if not due:
                break
            sending = [d for d in due if self._should_nudge(d, now)]
            if sending:
                queued += await self._outbox.enqueue([self._nudge(d) for d in sending])
            async with self._uow() as uow:
                await uow.feedback.advance_nudges([self._move(d, now) for d in due])
                await uow.commit()
            if len(due) < BATCH:
                break
        return queued

    def _next(self, item: DueNudge, after: datetime) -> tuple[datetime, Any] | None:
        """Return the student's next nudge after a moment, by their current schedule."""
        cohort = item.cohort
        period = (cohort.starts_on, cohort.ends_on) if cohort else None
        return next_nudge(
            item.schedule, item.person.timezone, period, after, self._config.nudges_per_week
        )

    def _should_nudge(self, item: DueNudge, now: datetime) -> bool:
        """Return whether a due nudge is sent: still what the schedule says, not too late."""
        if item.next_at is None or item.next_date is None or now - item.next_at > GRACE:
            return False
        if not item.person.active or item.cohort is None:
            return False
        still = self._next(item, item.next_at - timedelta(microseconds=1))
        return still is not None and still[0] == item.next_at

    def _move(self, item: DueNudge, now: datetime) -> NudgeMove:
        """Return the move to the next nudge, or to a recheck tomorrow when there is none
        within a day: nothing tells the nudge row that the schedule changed (a pause ended,
        other shifts), so it never plans further ahead than the next recheck."""
        after = now if item.next_at is None else max(item.next_at, now - GRACE)
        found = self._next(item, after)
        if found is None or found[0] > now + RECHECK:
            return NudgeMove(item.person.id, item.next_at, now + RECHECK, None)
        return NudgeMove(item.person.id, item.next_at, *found)

    def _nudge(self, item: DueNudge) -> OutgoingMessage:
        """Return a nudge message, keyed once per student and day."""
        assert item.next_at is not None
        return OutgoingMessage(
            chat_id=item.person.telegram_id,
            payload=nudge_payload(item.person.language),
            origin="feedback:nudge",
            not_before=item.next_at,
            person_id=item.person.id,
            dedupe_key=f"nudge:{item.person.id}:{item.next_date}",
            useful_until=item.next_at + NUDGE_USEFUL,
        )

    async def _reminders(self, now: datetime) -> int:
        """Remind supervisors once of requests open for a while.

        The message is queued before the request is marked reminded, so a crash in between
        reminds again next tick (the dedupe key keeps it to one message), never not at all.
        """
        queued = 0
        for _batch in range(MAX_BATCHES):
            messages, ids = [], []
            async with self._uow() as uow:
                due = await uow.feedback.due_reminders(now, BATCH)
                for request in due:
                    supervisor = await _get(uow, request.supervisor_id)
                    student = await _get(uow, request.student_id)
                    ids.append(request.id)
                    if supervisor is None or student is None:
                        continue
                    days = max(1, (now - (request.sent_at or now)).days)
                    payload = reminder_payload(
                        request, student.display_name, days, supervisor.language
                    )
                    key = f"fb:{request.id}:remind:{supervisor.id}"
                    # A reminder of a request that has closed meanwhile would mislead.
                    message = await message_for(
                        uow,
                        supervisor,
                        payload,
                        now,
                        key,
                        about=student.id,
                        useful_until=request.expires_at,
                    )
                    messages.append(message)
            if messages:
                queued += await self._outbox.enqueue(messages)
            async with self._uow() as uow:
                for request_id in ids:
                    await uow.feedback.move(request_id, [RequestStatus.OPEN], remind_at=None)
                await uow.commit()
            if len(due) < BATCH:
                break
        return queued

    async def _expiry(self, now: datetime) -> int:
        """Close requests nobody answered in time, with a kind note to the student (queued
        first, as reminders are, so a crash never loses it)."""
        queued = 0
        for _batch in range(MAX_BATCHES):
            messages = []
            async with self._uow() as uow:
                due = await uow.feedback.due_expiry(now, BATCH)
                for request in due:
                    student = await _get(uow, request.student_id)
                    if student is not None:
                        messages.append(await self._expired_note(uow, student, request, now))
            if messages:
                queued += await self._outbox.enqueue(messages)
            async with self._uow() as uow:
                for request in due:
                    moved = await uow.feedback.move(
                        request.id, WAITING, status=RequestStatus.EXPIRED, closed_at=now
                    )
                    if moved is not None:
                        await self._release(uow, request)
                await uow.commit()
            if len(due) < BATCH:
                break
        return queued

    async def _expired_note(
        self, uow: FeedbackUnitOfWork, student: Person, request: FeedbackRequest, now: datetime
    ) -> OutgoingMessage:
        """Return the note to the student that their request was closed."""
        sent = request.sent_at or request.created_at
        day = format_date(sent.date(), "d. MMMM", locale=student.language)
        days = self._config.expiry.days
        payload = expired_payload(request, day, days, student.language)
        return await message_for(uow, student, payload, now, f"fb:{request.id}:expired")

    async def _release(self, uow: FeedbackUnitOfWork, request: FeedbackRequest) -> None:
        """Stop a supervisor's half-written feedback from catching their next text."""
        supervisor = await _get(uow, request.supervisor_id)
        if supervisor is not None and supervisor.awaiting == awaiting(
            AwaitKind.FEEDBACK, request.id
        ):
            await uow.people.update(supervisor.id, awaiting=None)


async def _get(uow: FeedbackUnitOfWork, person_id: int | None) -> Person | None:
    """Return a person by id (None for None)."""
    return await uow.people.get(person_id) if person_id is not None else None
