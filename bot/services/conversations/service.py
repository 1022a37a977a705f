"""Placement conversations: the expectation conversation, the midway and the final evaluation.

The bot computes them from each cohort's dates (see conversation_rules), reminds the student
and their supervisors beforehand with R2C2 preparation questions, and afterwards asks the
student for the agreed plan, which goes into their private logbook as a finished entry. Only
the student of a conversation may write its plan; supervisors see names and dates, never
plans.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.services.conversations.config import ConversationConfig
from bot.services.conversations.messages import plan_heading
from bot.services.conversations.ports import ConversationsUnitOfWork
from bot.services.conversations.rules import local_date, postponed
from bot.services.conversations.tick import ConversationTick
from bot.services.conversations.types import Conversation, StudentConversation
from bot.services.delivery.outbox import OutboxStore
from bot.services.identity.awaiting import AwaitKind, awaiting
from bot.services.identity.domain import Person, Role
from bot.services.kernel.cpr import contains_cpr
from bot.services.kernel.errors import ContainsCpr, Invalid, NotAllowed, NotFound
from bot.services.kernel.ports import Clock, UnitOfWorkFactory
from bot.services.reflection.schedules import local_today
from bot.services.reflection.types import Answer, EntryStatus, NewReflection

MAX_PLAN_LENGTH = 1500
SUPERVISOR_HORIZON = timedelta(days=366)


class NotYet(Invalid):
    """The conversation has not taken place yet, so there is no plan to write."""


class PlanRecorded(Invalid):
    """The plan is already written, so there is nothing to ask about later."""


@dataclass(frozen=True, slots=True)
class Overview:
    """What /samtaler shows: a student's own conversations and, for a supervisor, the
    upcoming conversations of their linked students (names and dates only)."""

    today: date
    own: Sequence[Conversation]
    supervised: Sequence[StudentConversation]
    is_student: bool
    is_supervisor: bool


class ConversationService:
    """Placement conversations: the tick, /samtaler and writing the agreed plan."""

    def __init__(
        self,
        uow: UnitOfWorkFactory[ConversationsUnitOfWork],
        outbox: OutboxStore,
        clock: Clock,
        config: ConversationConfig,
    ) -> None:
        self._uow = uow
        self._outbox = outbox
        self._clock = clock
        self._config = config
        self._tick = ConversationTick(uow, outbox, clock, config)

    async def tick(self) -> int:
        """Queue what is due; return how many messages were queued."""
        return await self._tick.run()

    async def overview(self, telegram_id: int) -> Overview:
        """Return a student's conversations and a supervisor's students' upcoming ones."""
        async with self._uow() as uow:
            person = await _person(uow, telegram_id)
            roles = {m.role for m in await uow.memberships.for_person(person.id)}
        is_student, is_supervisor = Role.STUDENT in roles, Role.SUPERVISOR in roles
        if not (is_student or is_supervisor):
            raise NotAllowed("neither student nor supervisor")
        if is_student:  # a student who joined a moment ago gets their dates at once
            await self._tick.plan(self._clock.now(), person.id)
        today = local_today(person, self._clock)
        async with self._uow() as uow:
            own = await uow.conversations.for_student(person.id) if is_student else []
            supervised = (
                await uow.conversations.for_supervisor(
                    person.id, today, today + SUPERVISOR_HORIZON
                )
                if is_supervisor
                else []
            )
        return Overview(today, own, supervised, is_student, is_supervisor)

    async def ask_plan(self, telegram_id: int, conversation_id: int) -> Conversation:
        """Remember that the student's next text is the plan of this conversation."""
        async with self._uow() as uow:
            person = await _person(uow, telegram_id)
            conversation = await _own(uow, person, conversation_id)
            if local_today(person, self._clock) < conversation.due_on:
                raise NotYet("not held yet")
            await uow.people.update(person.id, awaiting=awaiting(AwaitKind.PLAN, conversation.id))
            await uow.commit()
        return conversation

    async def save_plan(self, telegram_id: int, conversation_id: int, text: str) -> Conversation:
        """Store the agreed plan and put it in the logbook (a second plan replaces the first);
        raise Invalid or ContainsCpr, and nothing is stored."""
        cleaned = "\n".join(" ".join(line.split()) for line in text.strip().splitlines())
        if not cleaned or len(cleaned) > MAX_PLAN_LENGTH:
            raise Invalid("plan length")
        if contains_cpr(cleaned):
            raise ContainsCpr("holds a CPR number")
        now = self._clock.now()
        async with self._uow() as uow:
            person = await _person(uow, telegram_id)
            conversation = await _own(uow, person, conversation_id)
            entry_id = await self._to_logbook(uow, person, conversation, cleaned, now)
            conversation = await uow.conversations.update(
                conversation.id, plan=cleaned, plan_at=now, entry_id=entry_id, followup_at=None
            )
            await uow.people.update(person.id, awaiting=None)
            await uow.commit()
        return conversation

    async def postpone(self, telegram_id: int, conversation_id: int) -> date:
        """Ask about the plan again in three days (the conversation was not held yet);
        return the local date of the question. Raise PlanRecorded when the plan is written."""
        now = self._clock.now()
        async with self._uow() as uow:
            person = await _person(uow, telegram_id)
            conversation = await _own(uow, person, conversation_id)
            if conversation.plan_at is not None:
                raise PlanRecorded("plan recorded")
            quiet = (await uow.schedules.quiet_hours([person.id])).get(person.id)
            when = postponed(now, person.timezone, quiet)
            await uow.conversations.update(conversation.id, followup_at=when)
            await uow.commit()
        return local_date(when, person.timezone)

    async def _to_logbook(
        self,
        uow: ConversationsUnitOfWork,
        person: Person,
        conversation: Conversation,
        plan: str,
        now: datetime,
    ) -> int:
        """Write the plan into the student's logbook entry for it (made on the first plan)."""
        entry = await uow.reflections.get(conversation.entry_id) if conversation.entry_id else None
        if entry is None or entry.person_id != person.id:
            entry = await uow.reflections.add(
                NewReflection(
                    person_id=person.id,
                    cohort_id=conversation.cohort_id,
                    prompt_id=f"conversation:{conversation.kind.value}",
                    entry_date=local_today(person, self._clock),
                    created_at=now,
                    status=EntryStatus.DONE,
                )
            )
        heading = plan_heading(conversation.kind, conversation.due_on, person.language)
        await uow.reflections.update(
            entry.id, answers=(Answer("plan", heading, plan),), step=1, completed_at=now
        )
        return entry.id


async def _person(uow: ConversationsUnitOfWork, telegram_id: int) -> Person:
    """Return the enrolled person; NotAllowed otherwise."""
    person = await uow.people.by_telegram_id(telegram_id)
    if person is None:
        raise NotAllowed("not enrolled")
    return person


async def _own(uow: ConversationsUnitOfWork, person: Person, conversation_id: int) -> Conversation:
    """Return the person's own conversation; NotFound for anyone else's."""
    conversation = await uow.conversations.get(conversation_id)
    if conversation is None or conversation.student_id != person.id:
        raise NotFound("conversation")
    return conversation
