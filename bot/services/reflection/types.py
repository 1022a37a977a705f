"""Types and ports of reflection: each student's prompt schedule, logbook entries, goals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from bot.services.identity.domain import Cohort, Person

MONDAY_TO_FRIDAY = 0b0011111
EVERY_DAY = 0b1111111


class PromptMode(StrEnum):
    """When the daily prompt comes: at a fixed time, or after the end of the shift."""

    TIME = "time"
    SHIFT = "shift"


class Shift(StrEnum):
    """The shift a student works."""

    DAY = "day"
    EVENING = "evening"
    NIGHT = "night"


class EntryStatus(StrEnum):
    """Where a reflection stands."""

    PROMPTED = "prompted"
    ANSWERING = "answering"
    SNOOZED = "snoozed"
    DONE = "done"
    SKIPPED = "skipped"
    EXPIRED = "expired"


OPEN_STATUSES = (EntryStatus.PROMPTED, EntryStatus.ANSWERING, EntryStatus.SNOOZED)


@dataclass(frozen=True, slots=True)
class Schedule:
    """A student's prompt settings and the next slot computed from them.

    Times of day are minutes after local midnight; `days` is a bit mask, Monday = bit 0.
    Quiet hours run from `quiet_start` to `quiet_end` (over midnight when start > end;
    none when they are equal). Prompts resume on `paused_until`. `next_at` (UTC) and
    `next_slot` (the local shift date) are kept in SQL so the tick can select who is due.
    """

    person_id: int
    cohort_id: int | None = None
    mode: PromptMode = PromptMode.SHIFT
    at_minutes: int = 15 * 60 + 30
    shift: Shift = Shift.DAY
    days: int = MONDAY_TO_FRIDAY
    quiet_start: int = 22 * 60
    quiet_end: int = 7 * 60
    paused_until: date | None = None
    enabled: bool = True
    next_at: datetime | None = None
    next_slot: date | None = None

    def works_on(self, day: date) -> bool:
        """Return whether the student works (and so reflects) on this weekday."""
        return bool(self.days >> day.weekday() & 1)


@dataclass(frozen=True, slots=True)
class Answer:
    """One answered step of a reflection, with the question as it was asked."""

    key: str
    question: str
    text: str


@dataclass(frozen=True, slots=True)
class Reflection:
    """A logbook entry: a prompted (or self-started) reflection and its answers.

    `slot_date` is the shift date of a scheduled prompt (None when the student started it);
    `followup_of` is the entry whose plan this one follows up, quoted in `followup_plan`.
    """

    id: int
    person_id: int
    cohort_id: int | None
    prompt_id: str
    status: EntryStatus
    entry_date: date
    created_at: datetime
    expires_at: datetime | None = None
    slot_date: date | None = None
    step: int = 0
    answers: tuple[Answer, ...] = ()
    followup_of: int | None = None
    followup_plan: str | None = None
    hard_shift: bool = False
    goal_id: int | None = None
    shared_at: datetime | None = None
    completed_at: datetime | None = None
    snoozed_until: datetime | None = None

    def is_open(self, now: datetime) -> bool:
        """Return whether the student can still answer it now."""
        if self.status not in OPEN_STATUSES:
            return False
        if self.expires_at is not None and self.expires_at <= now:
            return False
        return self.status is not EntryStatus.SNOOZED or (
            self.snoozed_until is not None and self.snoozed_until <= now
        )

    def answer(self, key: str) -> str | None:
        """Return the answer to a step, if given."""
        return next((a.text for a in self.answers if a.key == key), None)


@dataclass(frozen=True, slots=True)
class Goal:
    """A learning goal (praktikmål) the student works towards."""

    id: int
    person_id: int
    cohort_id: int | None
    text: str
    created_at: datetime
    completed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DueStudent:
    """A student whose next slot has come, with what the prompt needs."""

    schedule: Schedule
    person: Person
    cohort: Cohort | None


@dataclass(frozen=True, slots=True)
class Move:
    """A schedule moving on from the slot it points at (`expected`) to its next one."""

    person_id: int
    expected: datetime
    next_at: datetime | None
    slot: date | None


@dataclass(frozen=True, slots=True)
class NewReflection:
    """A reflection to store."""

    person_id: int
    cohort_id: int | None
    prompt_id: str
    entry_date: date
    created_at: datetime
    status: EntryStatus = EntryStatus.PROMPTED
    expires_at: datetime | None = None
    slot_date: date | None = None
    followup_of: int | None = None
    followup_plan: str | None = None
    hard_shift: bool = False


@dataclass(frozen=True, slots=True)
class Page:
    """A page of logbook entries, newest first."""

    entries: Sequence[Reflection]
    number: int
    pages: int
    total: int = 0


class ScheduleRepo(Protocol):
    """Students' prompt schedules."""

    async def get(self, person_id: int) -> Schedule | None:
        """Return a student's schedule."""
        ...

    async def save(self, schedule: Schedule) -> Schedule:
        """Insert or replace a schedule."""
        ...

    async def due(self, now: datetime, limit: int) -> Sequence[DueStudent]:
        """Return enabled schedules whose next slot is at or before now, earliest first."""
        ...

    async def advance_many(self, moves: Sequence[Move]) -> None:
        """Compare-and-set many schedules at once (each only if it still points at its
        expected slot)."""
        ...

    async def for_cohort(self, cohort_id: int) -> Sequence[Schedule]:
        """Return the schedules of a cohort's students."""
        ...

    async def quiet_hours(self, person_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
        """Return the quiet hours of those who have a schedule (start, end minutes)."""
        ...


class ReflectionRepo(Protocol):
    """Logbook entries."""

    async def add(self, entry: NewReflection) -> Reflection:
        """Store an entry."""
        ...

    async def add_slots(self, entries: Sequence[NewReflection]) -> None:
        """Store scheduled entries; an entry for a slot that already has one is skipped."""
        ...

    async def for_slots(self, slots: Sequence[tuple[int, date]]) -> Sequence[Reflection]:
        """Return the entries of (person id, slot date) pairs."""
        ...

    async def get(self, entry_id: int) -> Reflection | None:
        """Return an entry by id."""
        ...

    async def update(self, entry_id: int, **fields: object) -> Reflection:
        """Change fields of an entry."""
        ...

    async def move(
        self, entry_id: int, expected: Sequence[EntryStatus], **fields: object
    ) -> Reflection | None:
        """Change an entry only while its status is one of `expected` (None otherwise)."""
        ...

    async def open_for(self, person_id: int) -> Sequence[Reflection]:
        """Return the person's entries that are prompted, being answered or snoozed."""
        ...

    async def since(self, person_ids: Sequence[int], first: date) -> Sequence[Reflection]:
        """Return the entries of these people dated on or after `first`, oldest first."""
        ...

    async def expire(self, now: datetime) -> int:
        """Mark open entries past their expiry as expired; return how many."""
        ...

    async def page(self, person_id: int, offset: int, limit: int) -> tuple[list[Reflection], int]:
        """Return entries with answers, newest first, and how many there are."""
        ...

    async def for_person(self, person_id: int) -> Sequence[Reflection]:
        """Return all of a person's entries, oldest first."""
        ...

    async def shared_to(self, entry_id: int) -> set[int]:
        """Return the ids of the supervisors the entry is shared with."""
        ...

    async def add_shares(
        self, entry_id: int, supervisor_ids: Sequence[int], now: datetime
    ) -> None:
        """Share an entry with these supervisors (one record each)."""
        ...

    async def remove_shares(self, entry_id: int) -> None:
        """Take an entry back from every supervisor."""
        ...

    async def shared_with(
        self, supervisor_id: int, student_ids: Sequence[int]
    ) -> Sequence[Reflection]:
        """Return the entries these students shared with this supervisor, newest first."""
        ...

    async def delete_ended(self, cohort_ids: Sequence[int]) -> int:
        """Delete every entry and goal of these cohorts; return how many entries."""
        ...


class GoalRepo(Protocol):
    """Learning goals."""

    async def add(self, person_id: int, cohort_id: int | None, text: str, now: datetime) -> Goal:
        """Store a goal."""
        ...

    async def get(self, goal_id: int) -> Goal | None:
        """Return a goal by id."""
        ...

    async def update(self, goal_id: int, **fields: object) -> Goal:
        """Change a goal's text or completion."""
        ...

    async def for_person(self, person_id: int) -> Sequence[Goal]:
        """Return a person's goals, open ones first, then by creation."""
        ...
