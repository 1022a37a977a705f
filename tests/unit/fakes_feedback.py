"""Feedback requests and nudges in memory, with the semantics of the SQL repository
(bot/storage/feedback/repository.py): compare-and-set moves on the status, the same filters
and orderings, nudges joined to schedules, people and cohorts.

The rows live in the store's `feedback_requests` (id -> FeedbackRequest; the report fake
reads the same table) and `feedback_nudges` (person id -> (next_at, next_date)).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from bot.services.feedback.types import (
    WAITING,
    DueNudge,
    FeedbackRequest,
    NudgeMove,
    RequestStatus,
)

# As in the SQL repository: what the student is writing or must finish.
CURRENT = (
    RequestStatus.DRAFT,
    RequestStatus.READY,
    RequestStatus.ANSWERING,
    RequestStatus.ANSWERED,
)


class FakeFeedback:
    """Feedback requests and nudges over the fake store."""

    def __init__(self, store: Any) -> None:
        self.s = store
        # Created here, before the unit of work snapshots the store, so rollback covers them.
        store.__dict__.setdefault("feedback_requests", {})
        store.__dict__.setdefault("feedback_nudges", {})

    @property
    def _requests(self) -> dict[int, FeedbackRequest]:
        return self.s.feedback_requests

    @property
    def _nudges(self) -> dict[int, tuple[datetime | None, date | None]]:
        return self.s.feedback_nudges

    async def add(self, student_id: int, cohort_id: int | None, now: datetime) -> FeedbackRequest:
        """Start a request in draft."""
        if student_id not in self.s.people:
            raise ValueError("no such person")  # the foreign key
        request = FeedbackRequest(
            id=self.s.next_id(self._requests),
            student_id=student_id,
            cohort_id=cohort_id,
            supervisor_id=None,
            status=RequestStatus.DRAFT,
            created_at=now,
        )
        self._requests[request.id] = request
        return request

    async def get(self, request_id: int) -> FeedbackRequest | None:
        """Return a request by id."""
        return self._requests.get(request_id)

    async def move(
        self, request_id: int, expected: Sequence[RequestStatus], **fields: Any
    ) -> FeedbackRequest | None:
        """Change fields if the status is still one of `expected` (one conditional UPDATE)."""
        current = self._requests.get(request_id)
        if current is None or current.status not in expected:
            return None
        if "status" in fields:
            fields["status"] = RequestStatus(str(fields["status"]))  # a column holds the value
        moved = dataclasses.replace(current, **fields)
        self._requests[request_id] = moved
        return moved

    async def current_for(self, student_id: int) -> FeedbackRequest | None:
        """Return the request the student is writing or must finish, newest first (the
        supervisor's half-written feedback is not the student's to write)."""
        mine = [
            r
            for r in self._requests.values()
            if r.student_id == student_id
            and r.status in CURRENT
            and (r.status is not RequestStatus.ANSWERING or r.verbal)
        ]
        return max(mine, key=lambda r: r.id, default=None)

    async def for_student(self, student_id: int, limit: int = 20) -> Sequence[FeedbackRequest]:
        """Return the student's requests, newest first."""
        mine = [r for r in self._requests.values() if r.student_id == student_id]
        return sorted(mine, key=lambda r: r.id, reverse=True)[:limit]

    async def waiting_for(self, supervisor_id: int) -> Sequence[FeedbackRequest]:
        """Return the requests waiting for this supervisor, oldest first."""
        found = [
            r
            for r in self._requests.values()
            if r.supervisor_id == supervisor_id and r.status in WAITING and not r.verbal
        ]
        return sorted(found, key=lambda r: r.id)

    async def due_reminders(self, now: datetime, limit: int) -> Sequence[FeedbackRequest]:
        """Return open requests whose reminder time has come, earliest first."""
        due = [
            r
            for r in self._requests.values()
            if r.status is RequestStatus.OPEN and r.remind_at is not None and r.remind_at <= now
        ]
        return sorted(due, key=lambda r: (r.remind_at, r.id))[:limit]

    async def due_expiry(self, now: datetime, limit: int) -> Sequence[FeedbackRequest]:
        """Return requests still waiting for the supervisor after their expiry time."""
        due = [
            r
            for r in self._requests.values()
            if r.status in WAITING
            and not r.verbal
            and r.expires_at is not None
            and r.expires_at <= now
        ]
        return sorted(due, key=lambda r: (r.expires_at, r.id))[:limit]

    async def ensure_nudges(self) -> int:
        """Give every person with a schedule a nudge row; return how many were added."""
        missing = [pid for pid in self.s.schedules if pid not in self._nudges]
        for pid in missing:
            self._nudges[pid] = (None, None)
        return len(missing)

    async def due_nudges(self, now: datetime, limit: int) -> Sequence[DueNudge]:
        """Return nudges whose moment has come or is not computed yet (those first, as
        SQLite sorts NULL), joined to the schedule, the person and the cohort."""
        due = []
        for pid, (next_at, next_date) in self._nudges.items():
            schedule, person = self.s.schedules.get(pid), self.s.people.get(pid)
            if schedule is None or person is None:
                continue  # the inner joins
            if next_at is None or next_at <= now:
                cohort = self.s.cohorts.get(schedule.cohort_id)
                due.append(DueNudge(person, schedule, cohort, next_at, next_date))
        due.sort(key=lambda d: (d.next_at is not None, d.next_at or now, d.person.id))
        return due[:limit]

    async def advance_nudges(self, moves: Sequence[NudgeMove]) -> None:
        """Move each nudge on if it is still at the expected moment (None matches None)."""
        for move in moves:
            row = self._nudges.get(move.person_id)
            if row is not None and row[0] == move.expected:
                self._nudges[move.person_id] = (move.next_at, move.next_date)
