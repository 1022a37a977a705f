"""SQL adapter for the anonymous weekly pulse.

The due query selects plain columns for a batch of students (one row each, whatever their
number of cohorts); asks are inserted with insert-or-skip, and an answer flips `answered`
with a compare-and-set before its score is stored, apart from the person, in the same
transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.identity.domain import Role
from bot.services.pulse.types import PulseAsk, PulseRecipient
from bot.storage.base import dialect_name
from bot.storage.identity.models import CohortRow, MembershipRow, PersonRow
from bot.storage.pulse.models import PulseAskRow, PulseResponseRow

M, P, C, A = MembershipRow, PersonRow, CohortRow, PulseAskRow


def _ask(row: PulseAskRow) -> PulseAsk:
    return PulseAsk(row.person_id, row.week_start, row.cohort_id, row.asked_at, row.answered)


class SqlPulseRepo:
    """Pulse asks and anonymous scores in SQL."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def enabled(self, cohort_id: int) -> bool | None:
        """Return whether the cohort has the pulse on (None: no such cohort)."""
        return await self._s.scalar(select(C.pulse_enabled).where(C.id == cohort_id))

    async def set_enabled(self, cohort_id: int, enabled: bool) -> None:
        """Switch a cohort's pulse on or off."""
        await self._s.execute(update(C).where(C.id == cohort_id).values(pulse_enabled=enabled))

    async def timezones(self) -> Sequence[str]:
        """Return the time zones of the active students of pulse-enabled cohorts."""
        stmt = (
            select(P.timezone)
            .distinct()
            .join(M, M.person_id == P.id)
            .join(C, C.id == M.cohort_id)
            .where(M.role == Role.STUDENT.value, C.pulse_enabled.is_(True), P.active.is_(True))
        )
        return list((await self._s.scalars(stmt)).all())

    async def due(
        self, timezone: str, week_start: date, today: date, limit: int
    ) -> Sequence[PulseRecipient]:
        """Return up to `limit` students due this week's question (see the port)."""
        asked = exists().where(A.person_id == P.id, A.week_start == week_start)
        stmt = (
            select(P.id, P.telegram_id, P.language, func.min(M.cohort_id))
            .join(M, M.person_id == P.id)
            .join(C, C.id == M.cohort_id)
            .where(
                M.role == Role.STUDENT.value,
                C.pulse_enabled.is_(True),
                C.starts_on <= today,
                C.ends_on >= today,
                P.active.is_(True),
                P.timezone == timezone,
                ~asked,
            )
            .group_by(P.id, P.telegram_id, P.language)
            .order_by(P.id)
            .limit(limit)
        )
        return [PulseRecipient(*row) for row in (await self._s.execute(stmt)).all()]

    async def add_asks(self, asks: Sequence[PulseAsk]) -> None:
        """Store that students were asked (skipping any already stored for the week)."""
        if not asks:
            return
        insert = postgresql.insert if dialect_name(self._s) == "postgresql" else sqlite.insert
        stmt = insert(A).on_conflict_do_nothing(index_elements=["person_id", "week_start"])
        rows = [
            {
                "person_id": a.person_id,
                "week_start": a.week_start,
                "cohort_id": a.cohort_id,
                "asked_at": a.asked_at,
                "answered": False,
            }
            for a in asks
        ]
        await self._s.execute(stmt, rows)

    async def ask(self, person_id: int, week_start: date) -> PulseAsk | None:
        """Return a student's ask of a week, if they were asked."""
        row = await self._s.get(A, (person_id, week_start), populate_existing=True)
        return _ask(row) if row else None

    async def record(self, person_id: int, week_start: date, score: int) -> bool:
        """Mark the ask answered (compare-and-set) and store the score without the person."""
        flip = (
            update(A)
            .where(A.person_id == person_id, A.week_start == week_start, A.answered.is_(False))
            .values(answered=True)
            .returning(A.cohort_id)
        )
        cohort_id = (await self._s.execute(flip)).scalar_one_or_none()
        if cohort_id is None:
            return False
        self._s.add(PulseResponseRow(cohort_id=cohort_id, week_start=week_start, score=score))
        await self._s.flush()
        return True

    async def distribution(
        self, cohort_id: int, first_week: date, last_week: date
    ) -> dict[date, dict[int, int]]:
        """Return {week start: {score: answers}} for the weeks in the range."""
        R = PulseResponseRow  # noqa: N806
        stmt = (
            select(R.week_start, R.score, func.count())
            .where(R.cohort_id == cohort_id, R.week_start.between(first_week, last_week))
            .group_by(R.week_start, R.score)
        )
        found: dict[date, dict[int, int]] = {}
        for week, score, count in (await self._s.execute(stmt)).all():
            found.setdefault(week, {})[score] = count
        return found
