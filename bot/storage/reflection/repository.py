"""SQL implementations of the schedule, reflection and goal repositories."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.reflection.types import (
    OPEN_STATUSES,
    Answer,
    EntryStatus,
    Goal,
    NewReflection,
    Reflection,
)
from bot.storage.base import affected, dialect_name
from bot.storage.reflection.models import GoalRow, ReflectionRow, ReflectionShareRow

OPEN = [s.value for s in OPEN_STATUSES]

_SH = ReflectionShareRow


def reflection(row: ReflectionRow) -> Reflection:
    """Convert a reflection row."""
    return Reflection(
        id=row.id,
        person_id=row.person_id,
        cohort_id=row.cohort_id,
        prompt_id=row.prompt_id,
        status=EntryStatus(row.status),
        entry_date=row.entry_date,
        created_at=row.created_at,
        expires_at=row.expires_at,
        slot_date=row.slot_date,
        step=row.step,
        answers=tuple(Answer(a["key"], a["question"], a["text"]) for a in row.answers or ()),
        followup_of=row.followup_of,
        followup_plan=row.followup_plan,
        hard_shift=row.hard_shift,
        goal_id=row.goal_id,
        shared_at=row.shared_at,
        completed_at=row.completed_at,
        snoozed_until=row.snoozed_until,
    )


def goal(row: GoalRow) -> Goal:
    """Convert a goal row."""
    return Goal(row.id, row.person_id, row.cohort_id, row.text, row.created_at, row.completed_at)


def columns(fields: dict[str, object]) -> dict[str, object]:
    """Turn domain values (answers as dataclasses, enums) into column values."""
    values: dict[str, object] = {}
    for name, value in fields.items():
        if name == "answers" and isinstance(value, Sequence):
            value = [{"key": a.key, "question": a.question, "text": a.text} for a in value]
        values[name] = value.value if hasattr(value, "value") else value
    return values


class SqlReflectionRepo:
    """Logbook entries."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, entry: NewReflection) -> Reflection:
        """Store an entry."""
        row = ReflectionRow(**columns(_new_values(entry)), answers=[], step=0)
        self._s.add(row)
        await self._s.flush()
        return reflection(row)

    async def add_slots(self, entries: Sequence[NewReflection]) -> None:
        """Insert scheduled entries, skipping slots that already have one."""
        if not entries:
            return
        postgres = dialect_name(self._s) == "postgresql"
        insert = postgresql.insert if postgres else sqlite.insert
        rows = [{**columns(_new_values(e)), "answers": [], "step": 0} for e in entries]
        stmt = insert(ReflectionRow).on_conflict_do_nothing(
            index_elements=["person_id", "slot_date"]
        )
        await self._s.execute(stmt, rows)

    async def for_slots(self, slots: Sequence[tuple[int, date]]) -> Sequence[Reflection]:
        """Return the entries of (person id, slot date) pairs."""
        if not slots:
            return []
        key = tuple_(ReflectionRow.person_id, ReflectionRow.slot_date)
        rows = await self._s.scalars(
            select(ReflectionRow)
            .where(key.in_(list(slots)))
            .execution_options(populate_existing=True)
        )
        return [reflection(r) for r in rows]

    async def get(self, entry_id: int) -> Reflection | None:
        """Return an entry by id."""
        row = await self._s.get(ReflectionRow, entry_id, populate_existing=True)
        return reflection(row) if row else None

    async def update(self, entry_id: int, **fields: object) -> Reflection:
        """Change fields of an entry."""
        await self._s.execute(
            update(ReflectionRow)
            .where(ReflectionRow.id == entry_id)
            .values(**columns(fields))
            .execution_options(synchronize_session=False)
        )
        found = await self.get(entry_id)
        assert found is not None
        return found

    async def move(
        self, entry_id: int, expected: Sequence[EntryStatus], **fields: object
    ) -> Reflection | None:
        """Change an entry in one conditional UPDATE, so a double tap acts once."""
        stmt = (
            update(ReflectionRow)
            .where(ReflectionRow.id == entry_id, ReflectionRow.status.in_([*expected]))
            .values(**columns(fields))
            .execution_options(synchronize_session=False)
        )
        if affected(await self._s.execute(stmt)) != 1:
            return None
        return await self.get(entry_id)

    async def open_for(self, person_id: int) -> Sequence[Reflection]:
        """Return the person's open entries, newest first."""
        rows = await self._s.scalars(
            select(ReflectionRow)
            .where(ReflectionRow.person_id == person_id, ReflectionRow.status.in_(OPEN))
            .order_by(ReflectionRow.created_at.desc(), ReflectionRow.id.desc())
            .execution_options(populate_existing=True)
        )
        return [reflection(r) for r in rows]

    async def since(self, person_ids: Sequence[int], first: date) -> Sequence[Reflection]:
        """Return the entries of these people dated on or after `first`, oldest first."""
        if not person_ids:
            return []
        rows = await self._s.scalars(
            select(ReflectionRow)
            .where(ReflectionRow.person_id.in_(list(person_ids)))
            .where(ReflectionRow.entry_date >= first)
            .order_by(ReflectionRow.entry_date, ReflectionRow.id)
        )
        return [reflection(r) for r in rows]

    async def expire(self, now: datetime) -> int:
        """Mark open entries past their expiry as expired."""
        stmt = (
            update(ReflectionRow)
            .where(ReflectionRow.status.in_(OPEN), ReflectionRow.expires_at <= now)
            .values(status=EntryStatus.EXPIRED.value)
            .execution_options(synchronize_session=False)
        )
        return affected(await self._s.execute(stmt))

    async def page(self, person_id: int, offset: int, limit: int) -> tuple[list[Reflection], int]:
        """Return entries with at least one answer, newest first, and their number."""
        written = and_(
            ReflectionRow.person_id == person_id,
            or_(ReflectionRow.step > 0, ReflectionRow.status == EntryStatus.DONE.value),
        )
        total = await self._s.scalar(
            select(func.count()).select_from(ReflectionRow).where(written)
        )
        rows = await self._s.scalars(
            select(ReflectionRow)
            .where(written)
            .order_by(ReflectionRow.entry_date.desc(), ReflectionRow.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return [reflection(r) for r in rows], int(total or 0)

    async def for_person(self, person_id: int) -> Sequence[Reflection]:
        """Return all of a person's entries, oldest first."""
        rows = await self._s.scalars(
            select(ReflectionRow)
            .where(ReflectionRow.person_id == person_id)
            .order_by(ReflectionRow.entry_date, ReflectionRow.id)
        )
        return [reflection(r) for r in rows]

    async def shared_to(self, entry_id: int) -> set[int]:
        """Return the ids of the supervisors the entry is shared with."""
        query = select(_SH.supervisor_id).where(_SH.reflection_id == entry_id)
        return set((await self._s.scalars(query)).all())

    async def add_shares(
        self, entry_id: int, supervisor_ids: Sequence[int], now: datetime
    ) -> None:
        """Share an entry with these supervisors (one record each)."""
        for supervisor_id in supervisor_ids:
            self._s.add(_SH(reflection_id=entry_id, supervisor_id=supervisor_id, shared_at=now))
        await self._s.flush()

    async def remove_shares(self, entry_id: int) -> None:
        """Take an entry back from every supervisor."""
        await self._s.execute(delete(_SH).where(_SH.reflection_id == entry_id))

    async def shared_with(
        self, supervisor_id: int, student_ids: Sequence[int]
    ) -> Sequence[Reflection]:
        """Return the entries these students shared with this supervisor, newest first."""
        if not student_ids:
            return []
        rows = await self._s.scalars(
            select(ReflectionRow)
            .join(_SH, _SH.reflection_id == ReflectionRow.id)
            .where(_SH.supervisor_id == supervisor_id)
            .where(ReflectionRow.person_id.in_(list(student_ids)))
            .order_by(_SH.shared_at.desc(), ReflectionRow.id.desc())
        )
        return [reflection(r) for r in rows]

    async def delete_ended(self, cohort_ids: Sequence[int]) -> int:
        """Delete the entries and goals of these cohorts."""
        if not cohort_ids:
            return 0
        ids = list(cohort_ids)
        result = await self._s.execute(
            delete(ReflectionRow).where(ReflectionRow.cohort_id.in_(ids))
        )
        await self._s.execute(delete(GoalRow).where(GoalRow.cohort_id.in_(ids)))
        return affected(result)


class SqlGoalRepo:
    """Learning goals."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, person_id: int, cohort_id: int | None, text: str, now: datetime) -> Goal:
        """Store a goal."""
        row = GoalRow(person_id=person_id, cohort_id=cohort_id, text=text, created_at=now)
        self._s.add(row)
        await self._s.flush()
        return goal(row)

    async def get(self, goal_id: int) -> Goal | None:
        """Return a goal by id."""
        row = await self._s.get(GoalRow, goal_id, populate_existing=True)
        return goal(row) if row else None

    async def update(self, goal_id: int, **fields: object) -> Goal:
        """Change a goal's text or completion."""
        await self._s.execute(
            update(GoalRow)
            .where(GoalRow.id == goal_id)
            .values(**fields)
            .execution_options(synchronize_session=False)
        )
        found = await self.get(goal_id)
        assert found is not None
        return found

    async def for_person(self, person_id: int) -> Sequence[Goal]:
        """Return a person's goals, open ones first."""
        rows = await self._s.scalars(
            select(GoalRow)
            .where(GoalRow.person_id == person_id)
            .order_by(GoalRow.completed_at.is_not(None), GoalRow.created_at, GoalRow.id)
        )
        return [goal(r) for r in rows]


def _new_values(entry: NewReflection) -> dict[str, Any]:
    """Return the column values of a new entry."""
    return {
        "person_id": entry.person_id,
        "cohort_id": entry.cohort_id,
        "prompt_id": entry.prompt_id,
        "status": entry.status,
        "entry_date": entry.entry_date,
        "created_at": entry.created_at,
        "expires_at": entry.expires_at,
        "slot_date": entry.slot_date,
        "followup_of": entry.followup_of,
        "followup_plan": entry.followup_plan,
        "hard_shift": entry.hard_shift,
    }
