"""Who may do what with a feedback request, and the lookups the feedback services share."""

from __future__ import annotations

from datetime import datetime

from bot.services.feedback.flow import FEEDBACK_PROMPT, ask_for, logbook_answers
from bot.services.feedback.ports import FeedbackUnitOfWork
from bot.services.feedback.types import WAITING, FeedbackRequest, RequestStatus
from bot.services.identity.domain import Person, Role
from bot.services.kernel.errors import NotAllowed, NotFound, ServiceError
from bot.services.kernel.ports import Clock
from bot.services.reflection.schedules import local_today
from bot.services.reflection.types import EntryStatus, NewReflection, Reflection


class Closed(ServiceError):
    """The request was answered, declined, passed on or has expired."""


def writes_next(request: FeedbackRequest, person: Person) -> bool:
    """Return whether this person writes the request's next field."""
    ask = ask_for(request)
    if ask is None:
        return False
    if ask.by_student:
        return request.student_id == person.id
    return request.supervisor_id == person.id and request.status is RequestStatus.ANSWERING


async def person_with_role(uow: FeedbackUnitOfWork, telegram_id: int, role: Role) -> Person:
    """Return the person if they hold the role somewhere; NotAllowed otherwise."""
    person = await uow.people.by_telegram_id(telegram_id)
    if person is None:
        raise NotAllowed("not enrolled")
    roles = {m.role for m in await uow.memberships.for_person(person.id)}
    if role not in roles:
        raise NotAllowed(f"not a {role.value}")
    return person


async def own_request(
    uow: FeedbackUnitOfWork, telegram_id: int, request_id: int
) -> tuple[Person, FeedbackRequest]:
    """Return the student and their request; NotFound for anyone else's or a forged id."""
    person = await uow.people.by_telegram_id(telegram_id)
    request = await uow.feedback.get(request_id) if person else None
    if person is None or request is None or request.student_id != person.id:
        raise NotFound("request")
    return person, request


async def assigned_request(
    uow: FeedbackUnitOfWork, telegram_id: int, request_id: int
) -> tuple[Person, FeedbackRequest]:
    """Return the supervisor and a request waiting for them; Closed once it is not."""
    person = await uow.people.by_telegram_id(telegram_id)
    request = await uow.feedback.get(request_id) if person else None
    if person is None or request is None or request.verbal:
        raise NotFound("request")
    if request.supervisor_id != person.id:
        if request.passed_from_id == person.id:
            raise Closed("passed on")
        raise NotFound("request")
    if request.status not in WAITING:
        raise Closed(request.status.value)
    return person, request


async def linked_supervisors(uow: FeedbackUnitOfWork, student: Person) -> list[Person]:
    """Return the student's linked supervisors who are still active."""
    found = []
    for link in await uow.links.supervisors_of(student.id):
        supervisor = await uow.people.get(link.supervisor_id)
        if supervisor is not None and supervisor.active:
            found.append(supervisor)
    return found


async def to_logbook(
    uow: FeedbackUnitOfWork, clock: Clock, person: Person, request: FeedbackRequest, now: datetime
) -> Reflection:
    """Store a feedback loop as a finished logbook entry and remember it on the request."""
    draft = NewReflection(
        person_id=person.id,
        cohort_id=request.cohort_id,
        prompt_id=FEEDBACK_PROMPT,
        entry_date=local_today(person, clock),
        created_at=now,
        status=EntryStatus.DONE,
    )
    entry = await uow.reflections.add(draft)
    answers = logbook_answers(request, person.language)
    entry = await uow.reflections.update(
        entry.id, answers=answers, step=len(answers), completed_at=now
    )
    await uow.feedback.move(request.id, [request.status], entry_id=entry.id)
    return entry
