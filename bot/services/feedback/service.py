"""Structured feedback (Ask-Tell-Ask): the student's self-assessment, the supervisor's
feedback in SBI form, and the student's action for the next shift, which lands in the
logbook. Without a supervisor the student records verbal feedback in the same structure.

Text goes to whichever request the person is writing (`Person.awaiting` = "fb:<id>");
every change is a compare-and-set on the request's status, so double taps act once.
Messages to the other party go through the outbox, out of the reader's quiet hours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.services.delivery.outbox import OutboxStore, OutgoingMessage
from bot.services.feedback.access import (
    Closed,
    linked_supervisors,
    own_request,
    person_with_role,
    to_logbook,
    writes_next,
)
from bot.services.feedback.config import FeedbackConfig
from bot.services.feedback.flow import (
    Ask,
    ask_for,
    clean,
)
from bot.services.feedback.messages import feedback_payload, request_payload
from bot.services.feedback.ports import FeedbackUnitOfWork
from bot.services.feedback.supervisor import SupervisorFeedback
from bot.services.feedback.tick import FeedbackTicker, message_for
from bot.services.feedback.types import FeedbackRequest, RequestStatus
from bot.services.identity.awaiting import AwaitKind, awaiting
from bot.services.identity.domain import Person, Role
from bot.services.kernel.errors import Invalid, NotFound
from bot.services.kernel.ports import Clock, UnitOfWorkFactory
from bot.services.reflection.types import Reflection


@dataclass(frozen=True, slots=True)
class Ready:
    """A written self-assessment; the student chooses a supervisor, verbal, or keeping it."""

    request: FeedbackRequest
    supervisors: Sequence[Person]


@dataclass(frozen=True, slots=True)
class Given:
    """The supervisor's feedback is complete and on its way to the student."""

    request: FeedbackRequest
    student: Person


@dataclass(frozen=True, slots=True)
class Saved:
    """The loop is in the logbook (with the action, or the self-assessment kept)."""

    request: FeedbackRequest
    entry: Reflection


class FeedbackService:
    """Runs feedback loops for students and supervisors; `tick` does the timed part."""

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
        self._ticker = FeedbackTicker(uow, outbox, clock, config)
        self.supervisor = SupervisorFeedback(uow, outbox, clock, config.reminder)
        self._config = config

    async def tick(self) -> int:
        """Queue due nudges, reminders and expiry notes; return how many."""
        return await self._ticker.tick()

    # The student's side.

    async def start(self, telegram_id: int) -> Ask | Ready:
        """Start a self-assessment, or go on with the one being written."""
        now = self._clock.now()
        async with self._uow() as uow:
            person = await person_with_role(uow, telegram_id, Role.STUDENT)
            current = await uow.feedback.current_for(person.id)
            if current is None or current.status is RequestStatus.ANSWERED:
                schedule = await uow.schedules.get(person.id)
                current = await uow.feedback.add(
                    person.id, schedule.cohort_id if schedule else None, now
                )
            if current.status is RequestStatus.READY:
                return Ready(current, await linked_supervisors(uow, person))
            await uow.people.update(person.id, awaiting=awaiting(AwaitKind.FEEDBACK, current.id))
            await uow.commit()
        ask = ask_for(current)
        assert ask is not None
        return ask

    async def write(
        self, telegram_id: int, request_id: int, text: str
    ) -> Ask | Ready | Given | Saved:
        """Store the next field the person writes; return what comes after it."""
        value = clean(text)
        now = self._clock.now()
        async with self._uow() as uow:
            person = await uow.people.by_telegram_id(telegram_id)
            request = await uow.feedback.get(request_id) if person else None
            if person is None or request is None or not writes_next(request, person):
                if person is not None:
                    await uow.people.update(person.id, awaiting=None)
                    await uow.commit()
                raise Closed("not writing this request")
            ask = ask_for(request)
            assert ask is not None
            fields: dict[str, object] = {ask.field: value, "step": request.step + 1}
            last = ask.number == ask.total
            if last:
                fields |= self._after_last(request, now)
            moved = await uow.feedback.move(request.id, [request.status], **fields)
            if moved is None:
                raise Closed("changed meanwhile")
            result = await self._next(uow, person, moved, now) if last else ask_for(moved)
            given = await self._feedback_for(uow, result, person, now)
            await uow.commit()
        if given is not None:
            await self._outbox.enqueue([given])
        assert result is not None
        return result

    async def quick(
        self, telegram_id: int, request_id: int, field: str
    ) -> Ask | Ready | Given | Saved:
        """Take over the student's own words for the step `field` (a button); a stale or
        repeated press for a step already written raises Invalid."""
        async with self._uow() as uow:
            person = await uow.people.by_telegram_id(telegram_id)
            request = await uow.feedback.get(request_id) if person else None
        ask = ask_for(request) if request else None
        if person is None or request is None or ask is None or not writes_next(request, person):
            raise Closed("not writing")
        if ask.field != field or ask.quick is None:
            raise Invalid("another step")
        return await self.write(telegram_id, request_id, ask.quick)

    def _after_last(self, request: FeedbackRequest, now: datetime) -> dict[str, object]:
        """Return the change of status after the last field of a phase."""
        if request.status is RequestStatus.DRAFT:
            return {"status": RequestStatus.READY, "step": 0}
        if request.status is RequestStatus.ANSWERING:
            return {"status": RequestStatus.ANSWERED, "step": 0, "answered_at": now}
        return {"status": RequestStatus.DONE, "closed_at": now}

    async def _next(
        self, uow: FeedbackUnitOfWork, person: Person, request: FeedbackRequest, now: datetime
    ) -> Ask | Ready | Given | Saved:
        """Return what follows a finished phase, and clear or move the awaited text."""
        if request.status is RequestStatus.READY:
            await uow.people.update(person.id, awaiting=None)
            return Ready(request, await linked_supervisors(uow, person))
        if request.status is RequestStatus.ANSWERED and request.verbal:
            ask = ask_for(request)
            assert ask is not None
            return ask
        if request.status is RequestStatus.ANSWERED:
            await uow.people.update(person.id, awaiting=None)
            student = await uow.people.get(request.student_id)
            if student is None:
                raise Closed("student left")
            return Given(request, student)
        await uow.people.update(person.id, awaiting=None)
        entry = await to_logbook(uow, self._clock, person, request, now)
        return Saved(request, entry)

    async def send(self, telegram_id: int, request_id: int, supervisor_id: int) -> Person:
        """Send a written self-assessment to one of the student's supervisors."""
        now = self._clock.now()
        async with self._uow() as uow:
            person, request = await own_request(uow, telegram_id, request_id)
            supervisors = {p.id: p for p in await linked_supervisors(uow, person)}
            supervisor = supervisors.get(supervisor_id)
            if supervisor is None:
                raise NotFound("supervisor")
            if request.status is RequestStatus.OPEN and request.supervisor_id == supervisor_id:
                return supervisor  # a double tap
            moved = await uow.feedback.move(
                request.id,
                [RequestStatus.READY],
                status=RequestStatus.OPEN,
                supervisor_id=supervisor_id,
                sent_at=now,
                remind_at=now + self._config.reminder,
                expires_at=now + self._config.expiry,
            )
            if moved is None:
                raise Closed("already sent")
            payload = request_payload(moved, person.display_name, supervisor.language)
            key = f"fb:{moved.id}:to:{supervisor_id}"
            message = await message_for(uow, supervisor, payload, now, key, about=person.id)
            await uow.commit()
        await self._outbox.enqueue([message])
        return supervisor

    async def verbal(self, telegram_id: int, request_id: int) -> Ask:
        """Record feedback given in person, in the same structure (the student writes it)."""
        return await self._student_step(
            telegram_id,
            request_id,
            (RequestStatus.READY, RequestStatus.DECLINED, RequestStatus.EXPIRED),
            status=RequestStatus.ANSWERING,
            verbal=True,
            step=0,
        )

    async def act(self, telegram_id: int, request_id: int) -> Ask:
        """Write the action for the next shift (after the feedback came)."""
        return await self._student_step(telegram_id, request_id, (RequestStatus.ANSWERED,))

    async def keep(self, telegram_id: int, request_id: int) -> Saved:
        """Keep the self-assessment in the logbook without asking anyone."""
        now = self._clock.now()
        async with self._uow() as uow:
            person, request = await own_request(uow, telegram_id, request_id)
            moved = await uow.feedback.move(
                request.id, [RequestStatus.READY], status=RequestStatus.KEPT, closed_at=now
            )
            if moved is None:
                raise Closed("not ready")
            entry = await to_logbook(uow, self._clock, person, moved, now)
            await uow.commit()
        return Saved(moved, entry)

    async def _student_step(
        self,
        telegram_id: int,
        request_id: int,
        expected: Sequence[RequestStatus],
        **fields: object,
    ) -> Ask:
        """Let the student write the request's next field (a double tap shows it again)."""
        async with self._uow() as uow:
            person, request = await own_request(uow, telegram_id, request_id)
            current: FeedbackRequest | None = request
            if fields and not (request.verbal and request.status is RequestStatus.ANSWERING):
                current = await uow.feedback.move(request.id, expected, **fields)
            elif not fields and request.status not in expected:
                current = None
            ask = ask_for(current) if current else None
            if current is None or ask is None or not ask.by_student:
                raise Closed("nothing to write")
            await uow.people.update(person.id, awaiting=awaiting(AwaitKind.FEEDBACK, current.id))
            await uow.commit()
        return ask

    async def _feedback_for(
        self, uow: FeedbackUnitOfWork, result: object, supervisor: Person, now: datetime
    ) -> OutgoingMessage | None:
        """Return the feedback message for the student when the supervisor just finished."""
        if not isinstance(result, Given):
            return None
        request, student = result.request, result.student
        payload = feedback_payload(request, supervisor.display_name, student.language)
        key = f"fb:{request.id}:given"
        return await message_for(uow, student, payload, now, key, about=supervisor.id)


__all__ = ["Ask", "Closed", "FeedbackService", "Given", "Ready", "Saved"]
