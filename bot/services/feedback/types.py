"""Types and ports of structured feedback: Ask-Tell-Ask requests and feedback nudges."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from bot.services.identity.domain import Cohort, Person
from bot.services.reflection.types import Schedule


class RequestStatus(StrEnum):
    """Where a feedback request stands."""

    DRAFT = "draft"  # the student is writing the self-assessment
    READY = "ready"  # self-assessment written; the student chooses what to do with it
    OPEN = "open"  # waiting for the supervisor
    ANSWERING = "answering"  # the supervisor (or, for verbal feedback, the student) writes
    ANSWERED = "answered"  # feedback given; waiting for the student's action
    DONE = "done"  # the action is in the logbook
    DECLINED = "declined"
    EXPIRED = "expired"
    KEPT = "kept"  # the student kept the self-assessment without asking anyone


# The self-assessment (Ask) and the feedback (Tell: SBI, one thing that went well, one to
# adjust), in the order they are written.
SELF_FIELDS = ("situation", "went_well", "improve")
FEEDBACK_FIELDS = ("fb_situation", "fb_behaviour", "fb_impact", "fb_well", "fb_adjust")
WAITING = (RequestStatus.OPEN, RequestStatus.ANSWERING)


@dataclass(frozen=True, slots=True)
class FeedbackRequest:
    """One feedback loop between a student and a supervisor (None: verbal feedback)."""

    id: int
    student_id: int
    cohort_id: int | None
    supervisor_id: int | None
    status: RequestStatus
    created_at: datetime
    verbal: bool = False
    step: int = 0
    situation: str | None = None
    went_well: str | None = None
    improve: str | None = None
    fb_situation: str | None = None
    fb_behaviour: str | None = None
    fb_impact: str | None = None
    fb_well: str | None = None
    fb_adjust: str | None = None
    action: str | None = None
    sent_at: datetime | None = None
    remind_at: datetime | None = None
    expires_at: datetime | None = None
    answered_at: datetime | None = None
    closed_at: datetime | None = None
    passed_from_id: int | None = None
    entry_id: int | None = None

    def field(self, name: str) -> str | None:
        """Return a written field by name."""
        value = getattr(self, name)
        return value if isinstance(value, str) else None


@dataclass(frozen=True, slots=True)
class DueNudge:
    """A student whose feedback nudge has come, with what it needs."""

    person: Person
    schedule: Schedule
    cohort: Cohort | None
    next_at: datetime | None
    next_date: date | None


@dataclass(frozen=True, slots=True)
class NudgeMove:
    """Move a nudge from the expected moment to the next one (compare-and-set)."""

    person_id: int
    expected: datetime | None
    next_at: datetime | None
    next_date: date | None


class FeedbackRepo(Protocol):
    """Feedback requests and nudges."""

    async def add(self, student_id: int, cohort_id: int | None, now: datetime) -> FeedbackRequest:
        """Start a request in draft."""
        ...

    async def get(self, request_id: int) -> FeedbackRequest | None:
        """Return a request by id."""
        ...

    async def move(
        self, request_id: int, expected: Sequence[RequestStatus], **fields: object
    ) -> FeedbackRequest | None:
        """Change fields if the status is still one of `expected`; None when it was not."""
        ...

    async def current_for(self, student_id: int) -> FeedbackRequest | None:
        """Return the student's request being written (draft, ready, verbal, or waiting for
        the action), newest first."""
        ...

    async def for_student(self, student_id: int, limit: int = 20) -> Sequence[FeedbackRequest]:
        """Return the student's requests, newest first."""
        ...

    async def waiting_for(self, supervisor_id: int) -> Sequence[FeedbackRequest]:
        """Return the requests waiting for this supervisor, oldest first."""
        ...

    async def due_reminders(self, now: datetime, limit: int) -> Sequence[FeedbackRequest]:
        """Return open requests whose reminder time has come."""
        ...

    async def due_expiry(self, now: datetime, limit: int) -> Sequence[FeedbackRequest]:
        """Return requests still waiting (or being written) after their expiry time."""
        ...

    async def ensure_nudges(self) -> int:
        """Give every student with a schedule a nudge row (next moment unknown); return how
        many were added."""
        ...

    async def due_nudges(self, now: datetime, limit: int) -> Sequence[DueNudge]:
        """Return nudges whose moment has come or is not yet computed."""
        ...

    async def advance_nudges(self, moves: Sequence[NudgeMove]) -> None:
        """Move each nudge on, if it is still at the expected moment."""
        ...
