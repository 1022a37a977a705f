"""In-memory schedule, reflection and goal repositories, for unit tests of services."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from bot.services.reflection.types import (
    OPEN_STATUSES,
    DueStudent,
    EntryStatus,
    Goal,
    Move,
    NewReflection,
    Reflection,
    Schedule,
)


class FakeSchedules:
    """Schedules in memory."""

    def __init__(self, store: Any) -> None:
        self.s = store

    async def get(self, person_id: int) -> Schedule | None:
        """Return a schedule."""
        return self.s.schedules.get(person_id)

    async def save(self, schedule: Schedule) -> Schedule:
        """Insert or replace a schedule."""
        self.s.schedules[schedule.person_id] = schedule
        return schedule

    async def due(self, now: datetime, limit: int) -> Sequence[DueStudent]:
        """Return due schedules, earliest first."""
        due = sorted(
            (s for s in self.s.schedules.values() if s.enabled and s.next_at and s.next_at <= now),
            key=lambda s: s.next_at,
        )[:limit]
        return [
            DueStudent(s, self.s.people[s.person_id], self.s.cohorts.get(s.cohort_id)) for s in due
        ]

    async def advance_many(self, moves: Sequence[Move]) -> None:
        """Compare-and-set many schedules."""
        for move in moves:
            current = self.s.schedules.get(move.person_id)
            if current is not None and current.next_at == move.expected:
                self.s.schedules[move.person_id] = dataclasses.replace(
                    current, next_at=move.next_at, next_slot=move.slot
                )

    async def for_cohort(self, cohort_id: int) -> Sequence[Schedule]:
        """Return a cohort's schedules."""
        return [s for s in self.s.schedules.values() if s.cohort_id == cohort_id]

    async def quiet_hours(self, person_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
        """Return the quiet hours of those with a schedule."""
        rows = self.s.schedules
        return {p: (rows[p].quiet_start, rows[p].quiet_end) for p in person_ids if p in rows}


class FakeReflections:
    """Logbook entries in memory."""

    def __init__(self, store: Any) -> None:
        self.s = store

    async def add(self, entry: NewReflection) -> Reflection:
        """Store an entry."""
        new_id = self.s.next_id(self.s.reflections)
        row = Reflection(id=new_id, **dataclasses.asdict(entry))
        self.s.reflections[new_id] = row
        return row

    async def add_slots(self, entries: Sequence[NewReflection]) -> None:
        """Store scheduled entries, skipping taken slots."""
        taken = {(r.person_id, r.slot_date) for r in self.s.reflections.values()}
        for entry in entries:
            if (entry.person_id, entry.slot_date) not in taken:
                await self.add(entry)

    async def for_slots(self, slots: Sequence[tuple[int, date]]) -> Sequence[Reflection]:
        """Return the entries of (person, slot) pairs."""
        wanted = set(slots)
        return [r for r in self.s.reflections.values() if (r.person_id, r.slot_date) in wanted]

    async def get(self, entry_id: int) -> Reflection | None:
        """Return an entry."""
        return self.s.reflections.get(entry_id)

    async def update(self, entry_id: int, **fields: object) -> Reflection:
        """Change fields."""
        row = dataclasses.replace(self.s.reflections[entry_id], **fields)
        self.s.reflections[entry_id] = row
        return row

    async def move(
        self, entry_id: int, expected: Sequence[EntryStatus], **fields: object
    ) -> Reflection | None:
        """Change an entry only in an expected status."""
        row = self.s.reflections.get(entry_id)
        if row is None or row.status not in expected:
            return None
        return await self.update(entry_id, **fields)

    async def open_for(self, person_id: int) -> Sequence[Reflection]:
        """Return open entries, newest first."""
        rows = [
            r
            for r in self.s.reflections.values()
            if r.person_id == person_id and r.status in OPEN_STATUSES
        ]
        return sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True)

    async def since(self, person_ids: Sequence[int], first: date) -> Sequence[Reflection]:
        """Return entries on or after a date, oldest first."""
        rows = [
            r
            for r in self.s.reflections.values()
            if r.person_id in person_ids and r.entry_date >= first
        ]
        return sorted(rows, key=lambda r: (r.entry_date, r.id))

    async def expire(self, now: datetime) -> int:
        """Expire open entries past their time."""
        count = 0
        for row in list(self.s.reflections.values()):
            if row.status in OPEN_STATUSES and row.expires_at and row.expires_at <= now:
                await self.update(row.id, status=EntryStatus.EXPIRED)
                count += 1
        return count

    async def page(self, person_id: int, offset: int, limit: int) -> tuple[list[Reflection], int]:
        """Return written entries, newest first."""
        rows = [
            r
            for r in self.s.reflections.values()
            if r.person_id == person_id and (r.step > 0 or r.status is EntryStatus.DONE)
        ]
        rows.sort(key=lambda r: (r.entry_date, r.id), reverse=True)
        return rows[offset : offset + limit], len(rows)

    async def for_person(self, person_id: int) -> Sequence[Reflection]:
        """Return all entries of a person, oldest first."""
        return await self.since([person_id], date.min)

    async def shared_to(self, entry_id: int) -> set[int]:
        """Return the supervisors the entry is shared with."""
        return {sup for entry, sup in self.s.reflection_shares if entry == entry_id}

    async def add_shares(
        self, entry_id: int, supervisor_ids: Sequence[int], now: datetime
    ) -> None:
        """Share with these supervisors (unique like the schema)."""
        for supervisor_id in supervisor_ids:
            if (entry_id, supervisor_id) in self.s.reflection_shares:
                raise ValueError("duplicate share")
            self.s.reflection_shares[(entry_id, supervisor_id)] = now

    async def remove_shares(self, entry_id: int) -> None:
        """Take the entry back from everyone."""
        for key in [k for k in self.s.reflection_shares if k[0] == entry_id]:
            del self.s.reflection_shares[key]

    async def shared_with(
        self, supervisor_id: int, student_ids: Sequence[int]
    ) -> Sequence[Reflection]:
        """Return what these students shared with this supervisor, newest first."""
        shares = self.s.reflection_shares
        found = [
            (shares[(r.id, supervisor_id)], r)
            for r in self.s.reflections.values()
            if r.person_id in student_ids and (r.id, supervisor_id) in shares
        ]
        return [r for _at, r in sorted(found, key=lambda p: (p[0], p[1].id), reverse=True)]

    async def delete_ended(self, cohort_ids: Sequence[int]) -> int:
        """Delete the entries and goals of cohorts."""
        doomed = [k for k, r in self.s.reflections.items() if r.cohort_id in cohort_ids]
        for key in doomed:
            del self.s.reflections[key]
        for key in [k for k, g in self.s.goals.items() if g.cohort_id in cohort_ids]:
            del self.s.goals[key]
        return len(doomed)


class FakeGoals:
    """Learning goals in memory."""

    def __init__(self, store: Any) -> None:
        self.s = store

    async def add(self, person_id: int, cohort_id: int | None, text: str, now: datetime) -> Goal:
        """Store a goal."""
        goal = Goal(self.s.next_id(self.s.goals), person_id, cohort_id, text, now)
        self.s.goals[goal.id] = goal
        return goal

    async def get(self, goal_id: int) -> Goal | None:
        """Return a goal."""
        return self.s.goals.get(goal_id)

    async def update(self, goal_id: int, **fields: object) -> Goal:
        """Change a goal."""
        goal = dataclasses.replace(self.s.goals[goal_id], **fields)
        self.s.goals[goal_id] = goal
        return goal

    async def for_person(self, person_id: int) -> Sequence[Goal]:
        """Return a person's goals, open ones first."""
        goals = [g for g in self.s.goals.values() if g.person_id == person_id]
        return sorted(goals, key=lambda g: (g.completed_at is not None, g.created_at, g.id))
