"""The digital logbook: browsing entries, learning goals, and sharing one entry at a time
with the supervisor. Everything here is private to the student unless they share it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.services.delivery.outbox import OutboxStore, OutgoingMessage
from bot.services.delivery.quiet_hours import wake_times
from bot.services.identity.awaiting import AwaitKind, awaiting
from bot.services.identity.domain import Person, Role
from bot.services.kernel.cpr import contains_cpr
from bot.services.kernel.errors import ContainsCpr, Invalid, NotAllowed, NotFound
from bot.services.kernel.ports import Clock, UnitOfWorkFactory
from bot.services.reflection.answering import clean_answer
from bot.services.reflection.messages import free_heading, shared_payload
from bot.services.reflection.ports import ReflectionUnitOfWork
from bot.services.reflection.schedules import local_today
from bot.services.reflection.types import (
    Answer,
    EntryStatus,
    Goal,
    NewReflection,
    Page,
    Reflection,
)

PAGE_SIZE = 5
MAX_GOAL_LENGTH = 300
MAX_GOALS = 30
FREE_PROMPT = "free"


def free_prompt_id(message_id: int) -> str:
    """Return the prompt id of an entry written freely in one Telegram message: the message
    is its source, so the same message lands in the logbook once."""
    return f"{FREE_PROMPT}:{message_id}"


@dataclass(frozen=True, slots=True)
class EntryView:
    """One entry with the goal it is tagged to, the supervisors who see it, and whether it
    can be shared with a supervisor who does not see it yet."""

    entry: Reflection
    goal: Goal | None
    can_share: bool
    shared_with: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SharedEntry:
    """An entry a student shared with this supervisor."""

    student: str
    entry: Reflection


@dataclass(frozen=True, slots=True)
class Written:
    """A text the student chose to keep, as a finished entry, with what they may do next
    (`new` is False when that message was in the logbook already)."""

    entry: Reflection
    goals: Sequence[Goal]
    has_supervisor: bool
    new: bool


class LogbookService:
    """Entries, goals and sharing."""

    def __init__(
        self, uow: UnitOfWorkFactory[ReflectionUnitOfWork], outbox: OutboxStore, clock: Clock
    ) -> None:
        self._uow = uow
        self._outbox = outbox
        self._clock = clock

    async def page(self, telegram_id: int, number: int) -> Page:
        """Return a page of written entries, newest first (page numbers start at 0)."""
        async with self._uow() as uow:
            person = await _person(uow, telegram_id)
            number = max(number, 0)
            entries, total = await uow.reflections.page(person.id, number * PAGE_SIZE, PAGE_SIZE)
        pages = max(1, -(-total // PAGE_SIZE))
        return Page(entries, number, pages, total)

    async def entry(self, telegram_id: int, entry_id: int) -> EntryView:
        """Return one of the student's entries with its goal."""
        async with self._uow() as uow:
            person = await _person(uow, telegram_id)
            entry = await _own_entry(uow, person, entry_id)
            return await _view(uow, person, entry)

    async def write(self, telegram_id: int, text: str, message_id: int) -> Written:
        """Keep a text the student wrote freely (in the Telegram message `message_id`) as a
        finished entry; the CPR guard and the length limit of reflection answers apply
        (ContainsCpr, Invalid: nothing is stored), and the same message is stored once."""
        cleaned = clean_answer(text)
        prompt_id = free_prompt_id(message_id)
        now = self._clock.now()
        async with self._uow() as uow:
            person = await _student(uow, telegram_id)
            entries = await uow.reflections.for_person(person.id)
            entry = next((e for e in entries if e.prompt_id == prompt_id), None)
            new = entry is None
            if entry is None:
                entry = await self._add_free(uow, person, prompt_id, cleaned, now)
            goals = [g for g in await uow.goals.for_person(person.id) if g.completed_at is None]
            has_supervisor = bool(await uow.links.supervisors_of(person.id))
            await uow.commit()
        return Written(entry, goals, has_supervisor, new)

    async def _add_free(
        self, uow: ReflectionUnitOfWork, person: Person, prompt_id: str, text: str, now: datetime
    ) -> Reflection:
        """Store a free entry, finished at once, in the cohort of the student's schedule."""
        schedule = await uow.schedules.get(person.id)
        draft = NewReflection(
            person_id=person.id,
            cohort_id=schedule.cohort_id if schedule else None,
            prompt_id=prompt_id,
            entry_date=local_today(person, self._clock),
            created_at=now,
            status=EntryStatus.DONE,
        )
        entry = await uow.reflections.add(draft)
        answer = Answer(FREE_PROMPT, free_heading(person.language), text)
        return await uow.reflections.update(entry.id, answers=(answer,), step=1, completed_at=now)

    async def goals(self, telegram_id: int) -> Sequence[Goal]:
        """Return the student's goals, open ones first."""
        async with self._uow() as uow:
            person = await _student(uow, telegram_id)
            return await uow.goals.for_person(person.id)

    async def ask_goal(self, telegram_id: int, goal_id: int | None) -> Goal | None:
        """Remember that the student's next text is a new goal, or a goal's new wording."""
        async with self._uow() as uow:
            person = await _student(uow, telegram_id)
            goal = await _own_goal(uow, person, goal_id) if goal_id else None
            await uow.people.update(person.id, awaiting=awaiting(AwaitKind.GOAL, goal_id or 0))
            await uow.commit()
        return goal

    async def save_goal(self, telegram_id: int, text: str, goal_id: int | None) -> Goal:
        """Add a goal or reword one; raise Invalid or ContainsCpr (nothing is stored)."""
        cleaned = " ".join(text.split())
        if not cleaned or len(cleaned) > MAX_GOAL_LENGTH:
            raise Invalid("goal length")
        if contains_cpr(cleaned):
            raise ContainsCpr("holds a CPR number")
        async with self._uow() as uow:
            person = await _student(uow, telegram_id)
            if goal_id:
                goal = await _own_goal(uow, person, goal_id)
                goal = await uow.goals.update(goal.id, text=cleaned)
            else:
                if len(await uow.goals.for_person(person.id)) >= MAX_GOALS:
                    raise Invalid("too many goals")
                schedule = await uow.schedules.get(person.id)
                cohort = schedule.cohort_id if schedule else None
                goal = await uow.goals.add(person.id, cohort, cleaned, self._clock.now())
            await uow.people.update(person.id, awaiting=None)
            await uow.commit()
        return goal

    async def complete_goal(self, telegram_id: int, goal_id: int, done: bool = True) -> Goal:
        """Mark a goal as reached (or open it again)."""
        async with self._uow() as uow:
            person = await _student(uow, telegram_id)
            goal = await _own_goal(uow, person, goal_id)
            if (goal.completed_at is not None) != done:
                goal = await uow.goals.update(
                    goal.id, completed_at=self._clock.now() if done else None
                )
                await uow.commit()
        return goal

    async def tag(self, telegram_id: int, entry_id: int, goal_id: int | None) -> EntryView:
        """Tie an entry to one of the student's goals (None: to no goal)."""
        async with self._uow() as uow:
            person = await _person(uow, telegram_id)
            entry = await _own_entry(uow, person, entry_id)
            goal = await _own_goal(uow, person, goal_id) if goal_id else None
            entry = await uow.reflections.update(entry.id, goal_id=goal.id if goal else None)
            view = await _view(uow, person, entry)
            await uow.commit()
        return view

    async def share(self, telegram_id: int, entry_id: int, shared: bool) -> EntryView:
        """Share one entry with each of the student's current supervisors who does not see
        it yet (each is told), or take it back from all of them. A supervisor linked later
        sees nothing shared before, until the student shares again."""
        now = self._clock.now()
        notices: list[OutgoingMessage] = []
        async with self._uow() as uow:
            person = await _person(uow, telegram_id)
            entry = await _own_entry(uow, person, entry_id)
            supervisors = await _supervisors(uow, person)
            if shared and not supervisors:
                raise NotAllowed("no supervisor")
            seen_by = await uow.reflections.shared_to(entry.id)
            if shared:
                new = [s for s in supervisors if s.id not in seen_by]
                if new:
                    await uow.reflections.add_shares(entry.id, [s.id for s in new], now)
                    entry = await uow.reflections.update(entry.id, shared_at=now)
                    notices = await _notices(uow, new, person, entry, now)
            elif seen_by:
                await uow.reflections.remove_shares(entry.id)
                entry = await uow.reflections.update(entry.id, shared_at=None)
            view = await _view(uow, person, entry)
            await uow.commit()
        if notices:
            await self._outbox.enqueue(notices)
        return view

    async def shared_for(self, telegram_id: int) -> Sequence[SharedEntry]:
        """Return what the supervisor's students have shared with them, newest first."""
        async with self._uow() as uow:
            person = await _person(uow, telegram_id)
            links = await uow.links.students_of(person.id)
            if not links:
                raise NotAllowed("not a supervisor")
            names = {}
            for link in links:
                student = await uow.people.get(link.student_id)
                if student is not None:
                    names[student.id] = student.display_name
            entries = await uow.reflections.shared_with(person.id, list(names))
        return [SharedEntry(names[e.person_id], e) for e in entries]


async def _view(uow: ReflectionUnitOfWork, person: Person, entry: Reflection) -> EntryView:
    """Return the entry with its goal and who sees it."""
    goal = await uow.goals.get(entry.goal_id) if entry.goal_id else None
    supervisors = await _supervisors(uow, person)
    seen_by = await uow.reflections.shared_to(entry.id)
    names = tuple(s.display_name for s in supervisors if s.id in seen_by)
    can_share = any(s.id not in seen_by for s in supervisors)
    return EntryView(entry, goal, can_share, names)


async def _notices(
    uow: ReflectionUnitOfWork,
    supervisors: Sequence[Person],
    student: Person,
    entry: Reflection,
    now: datetime,
) -> list[OutgoingMessage]:
    """Return the notices that an entry was shared (the content stays in the bot), each out
    of its supervisor's quiet hours and keyed per sharing, so a double tap queues one."""
    wake = await wake_times(uow.schedules, supervisors, now)
    return [
        OutgoingMessage(
            chat_id=supervisor.telegram_id,
            payload=shared_payload(student.display_name, supervisor.language),
            origin="share",
            not_before=wake[supervisor.id],
            person_id=supervisor.id,
            dedupe_key=f"share:{entry.id}:{supervisor.id}:{int(now.timestamp())}",
            about_id=student.id,
        )
        for supervisor in supervisors
    ]


async def _person(uow: ReflectionUnitOfWork, telegram_id: int) -> Person:
    """Return the enrolled person; NotAllowed otherwise."""
    person = await uow.people.by_telegram_id(telegram_id)
    if person is None:
        raise NotAllowed("not enrolled")
    return person


async def _student(uow: ReflectionUnitOfWork, telegram_id: int) -> Person:
    """Return the person when they are a student in some cohort; NotAllowed otherwise."""
    person = await _person(uow, telegram_id)
    if not any(m.role is Role.STUDENT for m in await uow.memberships.for_person(person.id)):
        raise NotAllowed("not a student")
    return person


async def _own_entry(uow: ReflectionUnitOfWork, person: Person, entry_id: int) -> Reflection:
    """Return the person's own entry; NotFound for anyone else's."""
    entry = await uow.reflections.get(entry_id)
    if entry is None or entry.person_id != person.id:
        raise NotFound("entry")
    return entry


async def _own_goal(uow: ReflectionUnitOfWork, person: Person, goal_id: int) -> Goal:
    """Return the person's own goal; NotFound for anyone else's."""
    goal = await uow.goals.get(goal_id)
    if goal is None or goal.person_id != person.id:
        raise NotFound("goal")
    return goal


async def _supervisors(uow: ReflectionUnitOfWork, person: Person) -> list[Person]:
    """Return the student's linked supervisors who can still be reached."""
    found = []
    for link in await uow.links.supervisors_of(person.id):
        supervisor = await uow.people.get(link.supervisor_id)
        if supervisor is not None and supervisor.active:
            found.append(supervisor)
    return found
