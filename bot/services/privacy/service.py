"""Privacy: everything stored about a person can be exported and deleted by them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.services.conversations.types import Conversation
from bot.services.feedback.types import FeedbackRequest
from bot.services.identity.domain import AuditEntry, Cohort, Person, Question, Role
from bot.services.kernel.errors import NotFound
from bot.services.kernel.ports import Clock, UnitOfWorkFactory
from bot.services.privacy.ports import PrivacyUnitOfWork
from bot.services.privacy.types import PersonalRecords
from bot.services.reflection.types import Goal, Reflection, Schedule


@dataclass(frozen=True, slots=True)
class CohortRole:
    """One of the person's memberships, with the cohort spelled out."""

    cohort: Cohort
    role: Role


@dataclass(frozen=True, slots=True)
class PersonalData:
    """Everything the bot stores about one person.

    `feedback` is every request the person made as a student (what they wrote and the
    feedback written about them); `records` holds what other features keep about them (the
    feedback they wrote as supervisor, replies, links, pulse participation, what they made).
    """

    person: Person
    exported_at: datetime
    records: PersonalRecords = field(default_factory=PersonalRecords)
    schedule: Schedule | None = None
    memberships: list[CohortRole] = field(default_factory=list)
    supervisors: list[str] = field(default_factory=list)
    students: list[str] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    reflections: list[Reflection] = field(default_factory=list)
    shared_with: dict[int, list[str]] = field(default_factory=dict)  # entry id -> supervisors
    feedback: list[FeedbackRequest] = field(default_factory=list)
    conversations: list[Conversation] = field(default_factory=list)


class PrivacyService:
    """Export and erasure on the person's own request."""

    def __init__(self, uow: UnitOfWorkFactory[PrivacyUnitOfWork], clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def export(self, telegram_id: int) -> PersonalData:
        """Collect everything stored about the person."""
        async with self._uow() as uow:
            person = await uow.people.by_telegram_id(telegram_id)
            if person is None:
                raise NotFound("person")
            data = PersonalData(
                person,
                self._clock.now(),
                records=await uow.records.read(person.id),
                schedule=await uow.schedules.get(person.id),
            )
            for m in await uow.memberships.for_person(person.id):
                cohort = await uow.cohorts.get(m.cohort_id)
                if cohort is not None:
                    data.memberships.append(CohortRole(cohort, m.role))
            for link in await uow.links.supervisors_of(person.id):
                if (other := await uow.people.get(link.supervisor_id)) is not None:
                    data.supervisors.append(other.display_name)
            for link in await uow.links.students_of(person.id):
                if (other := await uow.people.get(link.student_id)) is not None:
                    data.students.append(other.display_name)
            data.questions.extend(await uow.questions.for_person(person.id))
            data.goals.extend(await uow.goals.for_person(person.id))
            data.reflections.extend(await uow.reflections.for_person(person.id))
            for entry in data.reflections:
                if entry.shared_at is not None:
                    ids = sorted(await uow.reflections.shared_to(entry.id))
                    people = [await uow.people.get(i) for i in ids]
                    data.shared_with[entry.id] = [p.display_name for p in people if p]
            requests = await uow.feedback.for_student(person.id, limit=100_000)
            data.feedback.extend(sorted(requests, key=lambda r: (r.created_at, r.id)))
            data.conversations.extend(await uow.conversations.for_student(person.id))
        return data

    async def delete(self, telegram_id: int) -> bool:
        """Delete the person and everything tied to them; False when nothing was stored."""
        async with self._uow() as uow:
            person = await uow.people.by_telegram_id(telegram_id)
            if person is None:
                return False
            await uow.retention.scrub_about(person.id)  # their name in others' chats
            await uow.people.delete(person.id)
            await uow.audit.record(
                AuditEntry(at=self._clock.now(), actor="self", action="person.delete")
            )
            await uow.commit()
        return True
