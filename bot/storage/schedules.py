"""SQL implementation of the schedule repository: what the prompt tick selects on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.reflection_types import DueStudent, PromptMode, Schedule, Shift
from bot.storage import convert
from bot.storage.models import CohortRow, PersonRow, ScheduleRow
from bot.storage.reflections import columns

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
        """Select due schedules with their person and cohort in one indexed query."""
        stmt = (
            select(ScheduleRow, PersonRow, CohortRow)
            .join(PersonRow, PersonRow.id == ScheduleRow.person_id)
            .outerjoin(CohortRow, CohortRow.id == ScheduleRow.cohort_id)
            .where(ScheduleRow.enabled.is_(True), ScheduleRow.next_at <= now)
            .order_by(ScheduleRow.next_at)
            .limit(limit)
        )
        rows = (await self._s.execute(stmt)).all()
        return [
            DueStudent(schedule(s), convert.person(p), convert.cohort(c) if c else None)
            for s, p, c in rows
        ]

    async def advance(
        self,
        person_id: int,
        expected: datetime | None,
        next_at: datetime | None,
        slot: date | None,
    ) -> bool:
        """Compare-and-set the next slot, so two overlapping ticks move it once."""
        guard = (
            ScheduleRow.next_at.is_(None) if expected is None else ScheduleRow.next_at == expected
        )
        stmt = (
            update(ScheduleRow)
            .where(ScheduleRow.person_id == person_id, guard)
            .values(next_at=next_at, next_slot=slot)
            .execution_options(synchronize_session=False)
        )
        return (await self._s.execute(stmt)).rowcount == 1

    async def for_cohort(self, cohort_id: int) -> Sequence[Schedule]:
        """Return the schedules of a cohort's students."""
        rows = await self._s.scalars(select(ScheduleRow).where(ScheduleRow.cohort_id == cohort_id))
        return [schedule(r) for r in rows]
