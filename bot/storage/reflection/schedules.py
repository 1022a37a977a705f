"""SQL implementation of the schedule repository: what the prompt tick selects on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.identity.domain import Cohort, Person, Profession
from bot.services.reflection.types import DueStudent, Move, PromptMode, Schedule, Shift
from bot.storage.base import table
from bot.storage.identity.models import CohortRow, PersonRow
from bot.storage.reflection.models import ScheduleRow
from bot.storage.reflection.repository import columns

SCHEDULE_FIELDS = (
    "cohort_id",
    "mode",
    "at_minutes",
    "shift",
    "days",
    "quiet_start",
    "quiet_end",
    "paused_until",
    "enabled",
    "next_at",
    "next_slot",
)


def schedule(row: ScheduleRow) -> Schedule:
    """Convert a schedule row."""
    return Schedule(
        person_id=row.person_id,
        cohort_id=row.cohort_id,
        mode=PromptMode(row.mode),
        at_minutes=row.at_minutes,
        shift=Shift(row.shift),
        days=row.days,
        quiet_start=row.quiet_start,
        quiet_end=row.quiet_end,
        paused_until=row.paused_until,
        enabled=row.enabled,
        next_at=row.next_at,
        next_slot=row.next_slot,
    )


class SqlScheduleRepo:
    """Prompt schedules."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def get(self, person_id: int) -> Schedule | None:
        """Return a student's schedule."""
        row = await self._s.get(ScheduleRow, person_id, populate_existing=True)
        return schedule(row) if row else None

    async def save(self, item: Schedule) -> Schedule:
        """Insert or replace a schedule."""
        values = columns({name: getattr(item, name) for name in SCHEDULE_FIELDS})
        row = await self._s.get(ScheduleRow, item.person_id)
        if row is None:
            row = ScheduleRow(person_id=item.person_id, **values)
            self._s.add(row)
        else:
            for name, value in values.items():
                setattr(row, name, value)
        await self._s.flush()
        return schedule(row)

    async def due(self, now: datetime, limit: int) -> Sequence[DueStudent]:
        """Select due schedules with their person and cohort in one indexed query.

        Plain columns, not ORM objects: at the busiest minute thousands of students are due,
        and building three mapped objects per row would cost more than the query.
        """
        stmt = (
            select(*DUE_COLUMNS)
            .select_from(
                _S.join(_P, _P.c.id == _S.c.person_id).outerjoin(_C, _C.c.id == _S.c.cohort_id)
            )
            .where(_S.c.enabled.is_(True), _S.c.next_at <= now)
            .order_by(_S.c.next_at)
            .limit(limit)
        )
        return [due_student(row) for row in (await self._s.execute(stmt)).all()]

    async def advance_many(self, moves: Sequence[Move]) -> None:
        """Compare-and-set many schedules in one executemany round trip."""
        if not moves:
            return
        stmt = (
            update(_S)
            .where(_S.c.person_id == bindparam("pid"), _S.c.next_at == bindparam("expected"))
            .values(next_at=bindparam("new_at"), next_slot=bindparam("new_slot"))
        )
        params = [
            {"pid": m.person_id, "expected": m.expected, "new_at": m.next_at, "new_slot": m.slot}
            for m in moves
        ]
        await self._s.execute(stmt, params)

    async def for_cohort(self, cohort_id: int) -> Sequence[Schedule]:
        """Return the schedules of a cohort's students."""
        rows = await self._s.scalars(select(ScheduleRow).where(ScheduleRow.cohort_id == cohort_id))
        return [schedule(r) for r in rows]

    async def quiet_hours(self, person_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
        """Return the quiet hours of those who have a schedule (start, end minutes)."""
        if not person_ids:
            return {}
        stmt = select(ScheduleRow.person_id, ScheduleRow.quiet_start, ScheduleRow.quiet_end)
        rows = await self._s.execute(stmt.where(ScheduleRow.person_id.in_(set(person_ids))))
        return {pid: (start, end) for pid, start, end in rows}


_S, _P, _C = table(ScheduleRow), table(PersonRow), table(CohortRow)
_PERSON = ("id", "telegram_id", "display_name", "language", "timezone", "consent_at", "active")
_COHORT = ("id", "department_id", "name", "profession", "starts_on", "ends_on")
_COHORT_PROMPTS = ("prompt_shift", "prompt_days", "prompt_minutes")
DUE_COLUMNS = (
    *_S.c,
    *(_P.c[name].label(f"p_{name}") for name in _PERSON),
    *(_C.c[name].label(f"c_{name}") for name in _COHORT + _COHORT_PROMPTS),
)


def due_student(row: Any) -> DueStudent:
    """Build a due student from one row of plain columns (the schedule's under their names)."""
    m = row._mapping
    person = Person(*(m[f"p_{name}"] for name in _PERSON))
    cohort = None
    if m["c_id"] is not None:
        cohort = Cohort(
            id=m["c_id"],
            department_id=m["c_department_id"],
            name=m["c_name"],
            profession=Profession(m["c_profession"]),
            starts_on=m["c_starts_on"],
            ends_on=m["c_ends_on"],
            welcome=None,
            **{name: m[f"c_{name}"] for name in _COHORT_PROMPTS},
        )
    return DueStudent(schedule(row), person, cohort)
