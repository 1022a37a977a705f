"""The supervisor's side of a feedback request: what waits, start answering, decline, or
pass the request to a colleague who supervises in the same cohort."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.services.delivery.outbox import OutboxStore, OutgoingMessage
from bot.services.feedback.access import (
    Closed,
    assigned_request,
    person_with_role,
)
from bot.services.feedback.flow import Ask, ask_for
from bot.services.feedback.messages import declined_payload, passed_payload, request_payload
from bot.services.feedback.ports import FeedbackUnitOfWork
from bot.services.feedback.tick import message_for
from bot.services.feedback.types import WAITING, FeedbackRequest, RequestStatus
from bot.services.identity.awaiting import AwaitKind, awaiting
from bot.services.identity.domain import Person, Role
from bot.services.kernel.errors import NotFound
from bot.services.kernel.ports import Clock, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class Waiting:
    """A request waiting for a supervisor, with the student's name."""

    request: FeedbackRequest
    student: str


class SupervisorFeedback:
    """What a supervisor does with the requests sent to them."""

    def __init__(
        self,
        uow: UnitOfWorkFactory[FeedbackUnitOfWork],
        outbox: OutboxStore,
        clock: Clock,
        reminder: timedelta,
    ) -> None:
        self._uow = uow
        self._outbox = outbox
        self._clock = clock
        self._reminder = reminder

    async def waiting(self, telegram_id: int) -> Sequence[Waiting]:
        """Return the requests waiting for this supervisor, oldest first."""
        async with self._uow() as uow:
            person = await person_with_role(uow, telegram_id, Role.SUPERVISOR)
            found = []
            for request in await uow.feedback.waiting_for(person.id):
                student = await uow.people.get(request.student_id)
                found.append(Waiting(request, student.display_name if student else "?"))
        return found

    async def request(self, telegram_id: int, request_id: int) -> Waiting:
        """Return one request waiting for this supervisor (to show it again)."""
        async with self._uow() as uow:
            _person, request = await assigned_request(uow, telegram_id, request_id)
            student = await uow.people.get(request.student_id)
        return Waiting(request, student.display_name if student else "?")

    async def answer(self, telegram_id: int, request_id: int) -> Ask:
        """Start writing feedback on a request (a double tap shows the same step)."""
        async with self._uow() as uow:
            person, request = await assigned_request(uow, telegram_id, request_id)
            moved = await uow.feedback.move(
                request.id, [RequestStatus.OPEN], status=RequestStatus.ANSWERING, step=0
            )
            current = moved or request
            await uow.people.update(person.id, awaiting=awaiting(AwaitKind.FEEDBACK, current.id))
            await uow.commit()
        ask = ask_for(current)
        assert ask is not None
        return ask

    async def decline(self, telegram_id: int, request_id: int) -> str:
        """Decline a request; the student is told kindly. Return the student's name."""
        now = self._clock.now()
        async with self._uow() as uow:
            person, request = await assigned_request(uow, telegram_id, request_id)
            moved = await uow.feedback.move(
                request.id, WAITING, status=RequestStatus.DECLINED, closed_at=now
            )
            if moved is None:
                raise Closed("changed meanwhile")
            await _release(uow, person, request.id)
            student = await uow.people.get(request.student_id)
            messages = []
            if student is not None:
                payload = declined_payload(moved, person.display_name, student.language)
                key = f"fb:{request.id}:declined"
                messages.append(
                    await message_for(uow, student, payload, now, key, about=person.id)
                )
            await uow.commit()
        await self._outbox.enqueue(messages)
        return student.display_name if student else "?"

    async def colleagues(self, telegram_id: int, request_id: int) -> Sequence[Person]:
        """Return the other supervisors of the request's cohort, who can take it over."""
        async with self._uow() as uow:
            person, request = await assigned_request(uow, telegram_id, request_id)
            return await _colleagues(uow, person, request)

    async def pass_to(self, telegram_id: int, request_id: int, colleague_id: int) -> Person:
        """Pass a request to a colleague supervising in the same cohort; return them."""
        now = self._clock.now()
        async with self._uow() as uow:
            person, request = await assigned_request(uow, telegram_id, request_id)
            colleague = next(
                (c for c in await _colleagues(uow, person, request) if c.id == colleague_id),
                None,
            )
            if colleague is None:
                raise NotFound("colleague")
            moved = await uow.feedback.move(
                request.id,
                WAITING,
                status=RequestStatus.OPEN,
                supervisor_id=colleague.id,
                passed_from_id=person.id,
                step=0,
                # sent_at stays: the request's age is how long the student has waited, and
                # expiry counts from it; the colleague gets the request now and a reminder later
                remind_at=now + self._reminder,
            )
            if moved is None:
                raise Closed("changed meanwhile")
            await _release(uow, person, request.id)
            messages = await self._tell_both(uow, person, colleague, moved, now)
            await uow.commit()
        await self._outbox.enqueue(messages)
        return colleague

    async def _tell_both(
        self,
        uow: FeedbackUnitOfWork,
        person: Person,
        colleague: Person,
        request: FeedbackRequest,
        now: datetime,
    ) -> list[OutgoingMessage]:
        """Return the request for the colleague and the note to the student."""
        student = await uow.people.get(request.student_id)
        if student is None:
            return []
        key = f"fb:{request.id}:to:{colleague.id}:{int(now.timestamp())}"
        payload = request_payload(
            request, student.display_name, colleague.language, passed_by=person.display_name
        )
        note = passed_payload(person.display_name, colleague.display_name, student.language)
        return [
            await message_for(uow, colleague, payload, now, key, about=student.id),
            await message_for(uow, student, note, now, f"{key}:student", about=colleague.id),
        ]


async def _colleagues(
    uow: FeedbackUnitOfWork, person: Person, request: FeedbackRequest
) -> list[Person]:
    """Return the cohort's other active supervisors."""
    if request.cohort_id is None:
        return []
    people = await uow.memberships.people_in(request.cohort_id, Role.SUPERVISOR)
    return [p for p in people if p.id != person.id and p.active]


async def _release(uow: FeedbackUnitOfWork, person: Person, request_id: int) -> None:
    """Clear the supervisor's awaited text if it was this request."""
    if person.awaiting == awaiting(AwaitKind.FEEDBACK, request_id):
        await uow.people.update(person.id, awaiting=None)
