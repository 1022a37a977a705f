"""Types and ports of placement conversations and the weekly supervisor digest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from bot.services.identity.domain import Person

Quiet = tuple[int, int]


class Kind(StrEnum):
    """Which of a placement's three conversations."""

    EXPECTATION = "expectation"
    MIDWAY = "midway"
    FINAL = "final"


@dataclass(frozen=True, slots=True)
class Conversation:
    """One of a student's placement conversations and where it stands.

    `remind_at` and `followup_at` are the UTC moments of the next reminder and the next
    question about the plan (None: nothing more to send); `reminded_at` is also the token of
    the tick that claimed the reminder. `plan` is private to the student.
    """

    id: int
    student_id: int
    cohort_id: int
    kind: Kind
    due_on: date
    remind_at: datetime | None = None
    reminded_at: datetime | None = None
    followup_at: datetime | None = None
    asked_at: datetime | None = None
    plan: str | None = None
    plan_at: datetime | None = None
    entry_id: int | None = None


@dataclass(frozen=True, slots=True)
class NewConversation:
    """A conversation row to insert (skipped when the student already has that kind)."""

    student_id: int
    cohort_id: int
    kind: Kind
    due_on: date
    remind_at: datetime | None
    followup_at: datetime | None


@dataclass(frozen=True, slots=True)
class Unplanned:
    """A student in a cohort whose conversations are not computed yet."""

    student_id: int
    cohort_id: int
    timezone: str
    quiet: Quiet | None
    starts_on: date
    ends_on: date


@dataclass(frozen=True, slots=True)
class DueConversation:
    """A conversation whose reminder or follow-up is due, with its student."""

    conversation: Conversation
    student: Person
    quiet: Quiet | None


@dataclass(frozen=True, slots=True)
class LinkedSupervisor:
    """A supervisor linked to a student in a cohort."""

    student_id: int
    cohort_id: int
    person: Person
    quiet: Quiet | None


@dataclass(frozen=True, slots=True)
class StudentConversation:
    """A conversation of a supervisor's student, with the student's name (no plan)."""

    student_id: int
    student: str
    cohort_id: int
    kind: Kind
    due_on: date


class ConversationRepo(Protocol):
    """Placement conversations (expectations, midway, final)."""

    async def unplanned(
        self, today: date, limit: int, student_id: int | None = None
    ) -> Sequence[Unplanned]:
        """Return students of cohorts not ended by `today` that have no conversations yet."""
        ...

    async def add_many(self, rows: Sequence[NewConversation]) -> None:
        """Insert conversations; one a student already has is skipped."""
        ...

    async def claim_reminders(self, now: datetime, token: datetime, limit: int) -> int:
        """Mark the due, unclaimed reminders of the cohort due first (at most `limit`) with
        the claim token; return how many."""
        ...

    async def claimed_reminders(self, now: datetime) -> Sequence[DueConversation]:
        """Return the reminders of the oldest claim not finished yet (one token)."""
        ...

    async def finish_reminders(self, ids: Sequence[int], token: datetime) -> None:
        """Clear `remind_at` of these claimed conversations (only under this token)."""
        ...

    async def due_followups(self, now: datetime, limit: int) -> Sequence[DueConversation]:
        """Return conversations whose question about the plan is due, earliest first."""
        ...

    async def mark_asked(self, asked: Sequence[tuple[int, datetime]], now: datetime) -> None:
        """Clear `followup_at` of (id, expected followup_at) pairs that still hold it."""
        ...

    async def supervisors(self, pairs: Sequence[tuple[int, int]]) -> Sequence[LinkedSupervisor]:
        """Return the active supervisors linked to these (student id, cohort id) pairs."""
        ...

    async def get(self, conversation_id: int) -> Conversation | None:
        """Return a conversation by id."""
        ...

    async def for_student(self, student_id: int) -> Sequence[Conversation]:
        """Return a student's conversations by date."""
        ...

    async def for_supervisor(
        self, supervisor_id: int, first: date, last: date
    ) -> Sequence[StudentConversation]:
        """Return the conversations of the supervisor's linked students dated in a period."""
        ...

    async def update(self, conversation_id: int, **fields: object) -> Conversation:
        """Change fields of a conversation."""
        ...

    async def forget_orphan_plans(self) -> int:
        """Clear plans whose logbook entry was deleted (retention); return how many."""
        ...


@dataclass(frozen=True, slots=True)
class DigestRecipient:
    """A supervisor due a weekly digest."""

    person: Person
    quiet: Quiet | None


@dataclass(frozen=True, slots=True)
class SupervisedStudent:
    """A student linked to a supervisor in a running cohort."""

    supervisor_id: int
    student_id: int
    cohort_id: int
    name: str


@dataclass(frozen=True, slots=True)
class WaitingRequest:
    """A feedback request waiting for a supervisor (no content, only who and since when)."""

    supervisor_id: int
    student: str
    since: datetime


class DigestRepo(Protocol):
    """What the weekly supervisor digest needs: names, counts and dates, never text."""

    async def timezones(self) -> Sequence[str]:
        """Return the time zones of active supervisors with linked students."""
        ...

    async def due_supervisors(
        self, timezone: str, week_start: date, first: date, last: date, limit: int
    ) -> Sequence[DigestRecipient]:
        """Return supervisors in a time zone with a student in a cohort running in the period
        from `first` to `last` and no digest for `week_start` yet."""
        ...

    async def students(
        self, supervisor_ids: Sequence[int], first: date, last: date
    ) -> Sequence[SupervisedStudent]:
        """Return the supervisors' students in cohorts running in the period, by name."""
        ...

    async def waiting_requests(self, supervisor_ids: Sequence[int]) -> Sequence[WaitingRequest]:
        """Return the feedback requests open for (or being answered by) these supervisors."""
        ...

    async def conversations(
        self, student_ids: Sequence[int], first: date, last: date
    ) -> Sequence[StudentConversation]:
        """Return these students' conversations dated in a period, by date."""
        ...

    async def shared_counts(
        self, supervisor_ids: Sequence[int], since: datetime, until: datetime
    ) -> dict[tuple[int, int], int]:
        """Return how many entries each student shared with each of these supervisors in a
        period, by (supervisor id, student id); pairs with none are left out."""
        ...

    async def mark_sent(self, person_ids: Sequence[int], week_start: date, now: datetime) -> None:
        """Record the week's digest of these supervisors (a repeat is skipped)."""
        ...
