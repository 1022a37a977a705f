"""SQL adapter for feedback requests and nudges."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.feedback.types import (
    WAITING,
    DueNudge,
    FeedbackRequest,
    NudgeMove,
    RequestStatus,
)
from bot.storage.base import affected, table
from bot.storage.feedback.models import FeedbackNudgeRow, FeedbackRequestRow
from bot.storage.identity.models import CohortRow, PersonRow
from bot.storage.reflection.models import ScheduleRow
from bot.storage.reflection.schedules import DUE_COLUMNS, due_student

_R = FeedbackRequestRow
_N, _S = table(FeedbackNudgeRow), table(ScheduleRow)
_P, _C = table(PersonRow), table(CohortRow)
# Requests the student is still writing or must finish (their action), newest first.
CURRENT = (
    RequestStatus.DRAFT,
    RequestStatus.READY,
    RequestStatus.ANSWERING,
    RequestStatus.ANSWERED,
)


def request(row: FeedbackRequestRow) -> FeedbackRequest:
    """Convert a request row."""
    values = {name: getattr(row, name) for name in FeedbackRequest.__slots__}
    values["status"] = RequestStatus(row.status)
    return FeedbackRequest(**values)


def _values(fields: dict[str, object]) -> dict[str, object]:
    """Turn enum values into column values."""
    return {k: (v.value if isinstance(v, RequestStatus) else v) for k, v in fields.items()}


class SqlFeedbackRepo:
    """Feedback requests and nudges in SQL."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, student_id: int, cohort_id: int | None, now: datetime) -> FeedbackRequest:
        """Start a request in draft."""
        row = _R(
            student_id=student_id,
            cohort_id=cohort_id,
            status=RequestStatus.DRAFT.value,
            created_at=now,
            step=0,
            verbal=False,
        )
        self._s.add(row)
        await self._s.flush()
        return request(row)

    async def get(self, request_id: int) -> FeedbackRequest | None:
        """Return a request by id."""
        row = await self._s.get(_R, request_id, populate_existing=True)
        return request(row) if row else None

    async def move(
        self, request_id: int, expected: Sequence[RequestStatus], **fields: object
    ) -> FeedbackRequest | None:
        """Change fields in one conditional UPDATE, so a double tap acts once."""
        stmt = (
            update(_R)
            .where(_R.id == request_id, _R.status.in_([s.value for s in expected]))
            .values(**_values(fields))
            .execution_options(synchronize_session=False)
        )
        if affected(await self._s.execute(stmt)) != 1:
            return None
        return await self.get(request_id)

    async def current_for(self, student_id: int) -> FeedbackRequest | None:
        """Return the request the student is writing or must finish, newest first."""
        stmt = (
            select(_R)
            .where(
                _R.student_id == student_id,
                _R.status.in_([s.value for s in CURRENT]),
                or_(_R.status != RequestStatus.ANSWERING.value, _R.verbal.is_(True)),
            )
            .order_by(_R.id.desc())
            .limit(1)
        )
        row = await self._s.scalar(stmt)
        return request(row) if row else None

    async def for_student(self, student_id: int, limit: int = 20) -> Sequence[FeedbackRequest]:
        """Return the student's requests, newest first."""
        stmt = select(_R).where(_R.student_id == student_id).order_by(_R.id.desc()).limit(limit)
        return [request(r) for r in await self._s.scalars(stmt)]

    async def waiting_for(self, supervisor_id: int) -> Sequence[FeedbackRequest]:
        """Return the requests waiting for this supervisor, oldest first."""
        stmt = (
            select(_R)
            .where(
                _R.supervisor_id == supervisor_id,
                _R.status.in_([s.value for s in WAITING]),
                _R.verbal.is_(False),
            )
            .order_by(_R.id)
        )
        return [request(r) for r in await self._s.scalars(stmt)]

    async def due_reminders(self, now: datetime, limit: int) -> Sequence[FeedbackRequest]:
        """Return open requests whose reminder time has come."""
        stmt = (
            select(_R)
            .where(_R.status == RequestStatus.OPEN.value, _R.remind_at <= now)
            .order_by(_R.remind_at)
            .limit(limit)
        )
        return [request(r) for r in await self._s.scalars(stmt)]

    async def due_expiry(self, now: datetime, limit: int) -> Sequence[FeedbackRequest]:
        """Return requests still waiting for the supervisor after their expiry time."""
        stmt = (
            select(_R)
            .where(
                _R.status.in_([s.value for s in WAITING]),
                _R.verbal.is_(False),
                _R.expires_at <= now,
            )
            .order_by(_R.expires_at)
            .limit(limit)
        )
        return [request(r) for r in await self._s.scalars(stmt)]

    async def ensure_nudges(self) -> int:
        """Give every student with a schedule a nudge row; return how many were added."""
        missing = (
            select(_S.c.person_id)
            .outerjoin(_N, _N.c.person_id == _S.c.person_id)
            .where(_N.c.person_id.is_(None))
        )
        result = await self._s.execute(insert(_N).from_select(["person_id"], missing))
        return max(affected(result) or 0, 0)

    async def due_nudges(self, now: datetime, limit: int) -> Sequence[DueNudge]:
        """Return nudges whose moment has come or is not computed yet, with what they need."""
        stmt = (
            select(*DUE_COLUMNS, _N.c.next_at.label("n_next_at"), _N.c.next_date.label("n_date"))
            .select_from(
                _N.join(_S, _S.c.person_id == _N.c.person_id)
                .join(_P, _P.c.id == _N.c.person_id)
                .outerjoin(_C, _C.c.id == _S.c.cohort_id)
            )
            .where(or_(_N.c.next_at.is_(None), _N.c.next_at <= now))
            .order_by(_N.c.next_at)
            .limit(limit)
        )
        return [_nudge(row) for row in (await self._s.execute(stmt)).all()]

    async def advance_nudges(self, moves: Sequence[NudgeMove]) -> None:
        """Compare-and-set many nudges (a NULL moment is matched as NULL)."""
        for known in (True, False):
            batch = [m for m in moves if (m.expected is not None) is known]
            if not batch:
                continue
            current = _N.c.next_at == bindparam("expected") if known else _N.c.next_at.is_(None)
            stmt = (
                update(_N)
                .where(_N.c.person_id == bindparam("pid"), current)
                .values(next_at=bindparam("new_at"), next_date=bindparam("new_date"))
            )
            params: list[dict[str, Any]] = [
                {"pid": m.person_id, "new_at": m.next_at, "new_date": m.next_date}
                | ({"expected": m.expected} if known else {})
                for m in batch
            ]
            await self._s.execute(stmt, params)


def _nudge(row: Any) -> DueNudge:
    """Build a due nudge from one row of plain columns."""
    student = due_student(row)
    m = row._mapping
    return DueNudge(student.person, student.schedule, student.cohort, m["n_next_at"], m["n_date"])
