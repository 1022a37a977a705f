"""SQL adapter for the anonymous weekly pulse.

The due query selects plain columns for a batch of students (one row each, whatever their
number of cohorts); asks are inserted with insert-or-skip, and an answer flips `answered`
with a compare-and-set and drops its score, apart from the person, as a ballot with a random
token in the same transaction. The mix later moves a cohort-week's ballots into the tallies
(counts) in one transaction of its own, at least `min_batch` at a time: a tally's
transaction id is the mix's, shared by all the answers it counted, never the answer's.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Sequence
from datetime import date

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.identity.domain import Role
from bot.services.pulse.types import PulseAsk, PulseRecipient
from bot.storage.base import dialect_name
from bot.storage.identity.models import CohortRow, MembershipRow, PersonRow
from bot.storage.pulse.models import PulseAskRow, PulseBallotRow, PulseTallyRow

M, P, C, A = MembershipRow, PersonRow, CohortRow, PulseAskRow
B, T = PulseBallotRow, PulseTallyRow


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
        """Mark the ask answered (compare-and-set) and drop the score as a ballot."""
        flip = (
            update(A)
            .where(A.person_id == person_id, A.week_start == week_start, A.answered.is_(False))
            .values(answered=True)
            .returning(A.cohort_id)
        )
        cohort_id = (await self._s.execute(flip)).scalar_one_or_none()
        if cohort_id is None:
            return False
        token = secrets.token_hex(16)
        self._s.add(B(token=token, cohort_id=cohort_id, week_start=week_start, score=score))
        await self._s.flush()
        return True

    async def mix(self, min_batch: int, closed_before: date) -> int:
        """Count waiting ballots into the tallies (see the port); return how many."""
        groups = (
            select(B.cohort_id, B.week_start)
            .group_by(B.cohort_id, B.week_start)
            .having(or_(func.count() >= min_batch, B.week_start < closed_before))
        )
        postgres = dialect_name(self._s) == "postgresql"
        insert = postgresql.insert if postgres else sqlite.insert
        moved = 0
        for cohort_id, week_start in (await self._s.execute(groups)).all():
            waiting = select(B.token, B.score).where(
                B.cohort_id == cohort_id, B.week_start == week_start
            )
            if postgres:
                waiting = waiting.with_for_update(skip_locked=True)
            ballots = (await self._s.execute(waiting)).all()
            if not ballots:
                continue
            await self._s.execute(delete(B).where(B.token.in_([t for t, _s in ballots])))
            counts = Counter(score for _t, score in ballots)
            stmt = insert(T).values(
                [
                    {"cohort_id": cohort_id, "week_start": week_start, "score": s, "answers": n}
                    for s, n in sorted(counts.items())
                ]
            )
            stmt = stmt.on_conflict_do_update(
                index_elements=["cohort_id", "week_start", "score"],
                set_={"answers": T.answers + stmt.excluded.answers},
            )
            await self._s.execute(stmt)
            moved += len(ballots)
        return moved

    async def distribution(
        self, cohort_id: int, first_week: date, last_week: date
    ) -> dict[date, dict[int, int]]:
        """Return {week start: {score: answers}} for the weeks in the range (counted only)."""
        stmt = select(T.week_start, T.score, T.answers).where(
            T.cohort_id == cohort_id, T.week_start.between(first_week, last_week), T.answers > 0
        )
        found: dict[date, dict[int, int]] = {}
        for week, score, count in (await self._s.execute(stmt)).all():
            found.setdefault(week, {})[score] = count
        return found
