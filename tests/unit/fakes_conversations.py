"""In-memory placement conversations and supervisor digest reads, for unit tests of services.

They keep their state on the shared FakeStore (created on first use), so the fake unit of
work's snapshot and rollback cover them like every other table.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from bot.services.conversations.types import (
    Conversation,
    DigestRecipient,
    DueConversation,
    LinkedSupervisor,
    NewConversation,
    StudentConversation,
    SupervisedStudent,
    Unplanned,
    WaitingRequest,
)
from bot.services.identity.domain import Role

WAITING = ("open", "answering")


@dataclasses.dataclass(frozen=True)
class FakeRequest:
    """A feedback request as the digest sees it (only who, status and since when)."""

    supervisor_id: int
    student_id: int
    status: str
    since: datetime


class FakeConversations:
    """Conversations in memory."""

    def __init__(self, store: Any) -> None:
        self.s = store
        store.__dict__.setdefault("conversations", {})

    def _quiet(self, person_id: int) -> tuple[int, int] | None:
        schedule = self.s.schedules.get(person_id)
        return (schedule.quiet_start, schedule.quiet_end) if schedule else None

    async def unplanned(
        self, today: date, limit: int, student_id: int | None = None
    ) -> Sequence[Unplanned]:
        """Students of running cohorts without conversations."""
        have = {(c.student_id, c.cohort_id) for c in self.s.conversations.values()}
        found = []
        for m in self.s.memberships:
            cohort = self.s.cohorts[m.cohort_id]
            if m.role is not Role.STUDENT or cohort.ends_on < today:
                continue
            if (m.person_id, m.cohort_id) in have or student_id not in (None, m.person_id):
                continue
            person = self.s.people[m.person_id]
            found.append(
                Unplanned(
                    person.id,
                    cohort.id,
                    person.timezone,
                    self._quiet(person.id),
                    cohort.starts_on,
                    cohort.ends_on,
                )
            )
        return found[:limit]

    async def add_many(self, rows: Sequence[NewConversation]) -> None:
        """Insert, skipping a kind the student has in the cohort."""
        have = {(c.student_id, c.cohort_id, c.kind) for c in self.s.conversations.values()}
        for row in rows:
            if (row.student_id, row.cohort_id, row.kind) in have:
                continue
            new_id = self.s.next_id(self.s.conversations)
            self.s.conversations[new_id] = Conversation(new_id, **dataclasses.asdict(row))

    async def claim_reminders(self, now: datetime, token: datetime, limit: int) -> int:
        """Claim due, unclaimed reminders."""
        free = sorted(
            (
                c
                for c in self.s.conversations.values()
                if c.remind_at and c.remind_at <= now and c.reminded_at is None
            ),
            key=lambda c: (c.remind_at, c.id),
        )
        free = [c for c in free if c.cohort_id == free[0].cohort_id][:limit] if free else []
        for c in free:
            self.s.conversations[c.id] = dataclasses.replace(c, reminded_at=token)
        return len(free)

    async def claimed_reminders(self, now: datetime) -> Sequence[DueConversation]:
        """The rows of the oldest unfinished claim."""
        claimed = [
            c
            for c in self.s.conversations.values()
            if c.remind_at and c.remind_at <= now and c.reminded_at
        ]
        if not claimed:
            return []
        oldest = min(c.reminded_at for c in claimed if c.reminded_at)
        return [
            self._due(c) for c in sorted(claimed, key=lambda c: c.id) if c.reminded_at == oldest
        ]

    async def finish_reminders(self, ids: Sequence[int], token: datetime) -> None:
        """Clear remind_at under the token."""
        for cid in ids:
            c = self.s.conversations[cid]
            if c.reminded_at == token:
                self.s.conversations[cid] = dataclasses.replace(c, remind_at=None)

    async def due_followups(self, now: datetime, limit: int) -> Sequence[DueConversation]:
        """Due questions about the plan, earliest first."""
        due = sorted(
            (c for c in self.s.conversations.values() if c.followup_at and c.followup_at <= now),
            key=lambda c: (c.followup_at, c.id),
        )
        return [self._due(c) for c in due[:limit]]

    async def mark_asked(self, asked: Sequence[tuple[int, datetime]], now: datetime) -> None:
        """Compare-and-set followup_at to None."""
        for cid, expected in asked:
            c = self.s.conversations[cid]
            if c.followup_at == expected:
                self.s.conversations[cid] = dataclasses.replace(c, followup_at=None, asked_at=now)

    async def supervisors(self, pairs: Sequence[tuple[int, int]]) -> Sequence[LinkedSupervisor]:
        """Active supervisors linked to (student, cohort) pairs."""
        found = []
        for link in self.s.links:
            person = self.s.people.get(link.supervisor_id)
            if (link.student_id, link.cohort_id) in set(pairs) and person and person.active:
                found.append(
                    LinkedSupervisor(
                        link.student_id, link.cohort_id, person, self._quiet(person.id)
                    )
                )
        return found

    async def get(self, conversation_id: int) -> Conversation | None:
        """By id."""
        return self.s.conversations.get(conversation_id)

    async def for_student(self, student_id: int) -> Sequence[Conversation]:
        """A student's, by date."""
        mine = [c for c in self.s.conversations.values() if c.student_id == student_id]
        return sorted(mine, key=lambda c: (c.due_on, c.id))

    async def for_supervisor(
        self, supervisor_id: int, first: date, last: date
    ) -> Sequence[StudentConversation]:
        """The supervisor's students' conversations in a period."""
        pairs = {
            (link.student_id, link.cohort_id)
            for link in self.s.links
            if link.supervisor_id == supervisor_id
        }
        return [
            _student_conversation(self.s, c)
            for c in sorted(self.s.conversations.values(), key=lambda c: (c.due_on, c.id))
            if (c.student_id, c.cohort_id) in pairs and first <= c.due_on <= last
        ]

    async def update(self, conversation_id: int, **fields: object) -> Conversation:
        """Change fields."""
        c = dataclasses.replace(self.s.conversations[conversation_id], **fields)
        self.s.conversations[conversation_id] = c
        return c

    async def forget_orphan_plans(self) -> int:
        """Clear plans whose entry is gone."""
        orphans = [
            c
            for c in self.s.conversations.values()
            if c.plan and (c.entry_id is None or c.entry_id not in self.s.reflections)
        ]
        for c in orphans:
            self.s.conversations[c.id] = dataclasses.replace(c, plan=None, entry_id=None)
        return len(orphans)

    def _due(self, c: Conversation) -> DueConversation:
        return DueConversation(c, self.s.people[c.student_id], self._quiet(c.student_id))


class FakeDigests:
    """What the digest reads, in memory; tests put feedback requests in `store.requests`."""

    def __init__(self, store: Any) -> None:
        self.s = store
        store.__dict__.setdefault("digests", {})
        store.__dict__.setdefault("requests", [])

    def _running(self, cohort_id: int, first: date, last: date) -> bool:
        cohort = self.s.cohorts[cohort_id]
        return cohort.starts_on <= last and cohort.ends_on >= first

    async def timezones(self) -> Sequence[str]:
        """Zones of active supervisors with links."""
        ids = {link.supervisor_id for link in self.s.links}
        return sorted({p.timezone for p in self.s.people.values() if p.id in ids and p.active})

    async def due_supervisors(
        self, timezone: str, week_start: date, first: date, last: date, limit: int
    ) -> Sequence[DigestRecipient]:
        """Supervisors due a digest."""
        ids = {
            link.supervisor_id
            for link in self.s.links
            if self._running(link.cohort_id, first, last)
        }
        due = [
            DigestRecipient(p, None)
            for p in sorted(self.s.people.values(), key=lambda p: p.id)
            if p.id in ids
            and p.active
            and p.timezone == timezone
            and (p.id, week_start) not in self.s.digests
        ]
        return due[:limit]

    async def students(
        self, supervisor_ids: Sequence[int], first: date, last: date
    ) -> Sequence[SupervisedStudent]:
        """Linked students in running cohorts."""
        return [
            SupervisedStudent(
                link.supervisor_id,
                link.student_id,
                link.cohort_id,
                self.s.people[link.student_id].display_name,
            )
            for link in self.s.links
            if link.supervisor_id in supervisor_ids and self._running(link.cohort_id, first, last)
        ]

    async def waiting_requests(self, supervisor_ids: Sequence[int]) -> Sequence[WaitingRequest]:
        """Open requests, oldest first."""
        return [
            WaitingRequest(r.supervisor_id, self.s.people[r.student_id].display_name, r.since)
            for r in sorted(self.s.requests, key=lambda r: r.since)
            if r.supervisor_id in supervisor_ids and r.status in WAITING
        ]

    async def conversations(
        self, student_ids: Sequence[int], first: date, last: date
    ) -> Sequence[StudentConversation]:
        """Conversations in a period."""
        return [
            _student_conversation(self.s, c)
            for c in sorted(self.s.conversations.values(), key=lambda c: (c.due_on, c.id))
            if c.student_id in student_ids and first <= c.due_on <= last
        ]

    async def shared_counts(
        self, supervisor_ids: Sequence[int], since: datetime, until: datetime
    ) -> dict[tuple[int, int], int]:
        """Entries shared per (supervisor, student)."""
        counts: dict[tuple[int, int], int] = {}
        for (entry_id, supervisor_id), at in self.s.reflection_shares.items():
            entry = self.s.reflections.get(entry_id)
            if entry and supervisor_id in supervisor_ids and since <= at <= until:
                key = (supervisor_id, entry.person_id)
                counts[key] = counts.get(key, 0) + 1
        return counts

    async def mark_sent(self, person_ids: Sequence[int], week_start: date, now: datetime) -> None:
        """Record digests, skipping repeats."""
        for pid in person_ids:
            self.s.digests.setdefault((pid, week_start), now)


def _student_conversation(store: Any, c: Conversation) -> StudentConversation:
    return StudentConversation(
        c.student_id, store.people[c.student_id].display_name, c.cohort_id, c.kind, c.due_on
    )
