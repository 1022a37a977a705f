"""SQL adapters for placement conversations and the supervisor digest.

The tick's queries select plain columns (a conversation with its student and their quiet
hours) by the indexed `remind_at` and `followup_at`, in batches; claims and compare-and-sets
are single UPDATE statements, so overlapping ticks act once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, bindparam, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.conversations.types import (
    Conversation,
    DueConversation,
    Kind,
    LinkedSupervisor,
    NewConversation,
    StudentConversation,
    Unplanned,
)
from bot.services.identity.domain import Role
from bot.storage.base import affected, dialect_name, table
from bot.storage.conversations.models import ConversationRow
from bot.storage.digest.repository import PERSON_COLUMNS, SqlDigestRepo, person_of, quiet_of
from bot.storage.identity.models import CohortRow, MembershipRow, PersonRow, SupervisionLinkRow
from bot.storage.reflection.models import ScheduleRow

__all__ = ["SqlConversationRepo", "SqlDigestRepo"]

_C, _P, _S = table(ConversationRow), table(PersonRow), table(ScheduleRow)
_L, _M, _H = table(SupervisionLinkRow), table(MembershipRow), table(CohortRow)
KIND_ORDER = {Kind.EXPECTATION: 0, Kind.MIDWAY: 1, Kind.FINAL: 2}
FIELDS: tuple[str, ...] = (
    "id",
    "student_id",
    "cohort_id",
    "due_on",
    "remind_at",
    "reminded_at",
    "followup_at",
)
FIELDS += ("asked_at", "plan", "plan_at", "entry_id")


def conversation(m: Any) -> Conversation:
    """Build a conversation from a row's mapping (its columns under their own names)."""
    return Conversation(kind=Kind(m["kind"]), **{name: m[name] for name in FIELDS})


class SqlConversationRepo:
    """Placement conversations in SQL."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def unplanned(
        self, today: date, limit: int, student_id: int | None = None
    ) -> Sequence[Unplanned]:
        """Return students of cohorts not ended by `today` that have no conversations yet."""
        has_any = exists().where(
            _C.c.student_id == _M.c.person_id, _C.c.cohort_id == _M.c.cohort_id
        )
        stmt = (
            select(
                _M.c.person_id,
                _M.c.cohort_id,
                _P.c.timezone,
                _S.c.quiet_start,
                _S.c.quiet_end,
                _H.c.starts_on,
                _H.c.ends_on,
            )
            .select_from(
                _M.join(_H, _H.c.id == _M.c.cohort_id)
                .join(_P, _P.c.id == _M.c.person_id)
                .outerjoin(_S, _S.c.person_id == _M.c.person_id)
            )
            .where(_M.c.role == Role.STUDENT.value, _H.c.ends_on >= today, ~has_any)
            .order_by(_M.c.id)
            .limit(limit)
        )
        if student_id is not None:
            stmt = stmt.where(_M.c.person_id == student_id)
        rows = (await self._s.execute(stmt)).all()
        return [
            Unplanned(pid, cid, tz, None if qs is None else (qs, qe), starts, ends)
            for pid, cid, tz, qs, qe, starts, ends in rows
        ]

    async def add_many(self, rows: Sequence[NewConversation]) -> None:
        """Insert conversations; one a student already has is skipped."""
        if not rows:
            return
        insert = postgresql.insert if self._postgres else sqlite.insert
        values = [
            {
                "student_id": r.student_id,
                "cohort_id": r.cohort_id,
                "kind": r.kind.value,
                "due_on": r.due_on,
                "remind_at": r.remind_at,
                "followup_at": r.followup_at,
            }
            for r in rows
        ]
        stmt = insert(ConversationRow).on_conflict_do_nothing(
            index_elements=["student_id", "cohort_id", "kind"]
        )
        await self._s.execute(stmt, values)

    async def claim_reminders(self, now: datetime, token: datetime, limit: int) -> int:
        """Mark the due, unclaimed reminders of one cohort (the one due first; at most
        `limit`) with the claim token, so a supervisor's students stay in one claim.

        No SKIP LOCKED: a tick that overlaps another waits for its claim and then finds the
        rows taken (the condition is checked again), which also keeps the claim whole.
        SQLite's write lock serialises claims anyway.
        """
        free = (_C.c.remind_at <= now, _C.c.reminded_at.is_(None))
        first = select(_C.c.cohort_id).where(*free).order_by(_C.c.remind_at, _C.c.id).limit(1)
        ids = (
            select(_C.c.id)
            .where(*free, _C.c.cohort_id == first.scalar_subquery())
            .order_by(_C.c.remind_at, _C.c.id)
            .limit(limit)
        )
        stmt = (
            update(_C).where(_C.c.id.in_(ids.scalar_subquery()), *free).values(reminded_at=token)
        )
        return affected(await self._s.execute(stmt))

    async def claimed_reminders(self, now: datetime) -> Sequence[DueConversation]:
        """Return the reminders of the oldest claim not finished yet (one token)."""
        claimed = (_C.c.remind_at <= now, _C.c.reminded_at.is_not(None))
        oldest = select(func.min(_C.c.reminded_at)).where(*claimed).scalar_subquery()
        stmt = _due().where(*claimed, _C.c.reminded_at == oldest).order_by(_C.c.id)
        return [_due_item(row) for row in (await self._s.execute(stmt)).all()]

    async def finish_reminders(self, ids: Sequence[int], token: datetime) -> None:
        """Clear `remind_at` of these claimed conversations (only under this token)."""
        if ids:
            await self._s.execute(
                update(_C)
                .where(_C.c.id.in_(list(ids)), _C.c.reminded_at == token)
                .values(remind_at=None)
            )

    async def due_followups(self, now: datetime, limit: int) -> Sequence[DueConversation]:
        """Return conversations whose question about the plan is due, earliest first."""
        stmt = _due().where(_C.c.followup_at <= now).order_by(_C.c.followup_at, _C.c.id)
        return [_due_item(row) for row in (await self._s.execute(stmt.limit(limit))).all()]

    async def mark_asked(self, asked: Sequence[tuple[int, datetime]], now: datetime) -> None:
        """Clear `followup_at` of (id, expected followup_at) pairs in one executemany."""
        if not asked:
            return
        stmt = (
            update(_C)
            .where(_C.c.id == bindparam("cid"), _C.c.followup_at == bindparam("expected"))
            .values(followup_at=None, asked_at=now)
        )
        await self._s.execute(stmt, [{"cid": cid, "expected": at} for cid, at in asked])

    async def supervisors(self, pairs: Sequence[tuple[int, int]]) -> Sequence[LinkedSupervisor]:
        """Return the active supervisors linked to these (student id, cohort id) pairs."""
        if not pairs:
            return []
        wanted = set(pairs)
        stmt = (
            select(_L.c.student_id, _L.c.cohort_id, *PERSON_COLUMNS)
            .select_from(
                _L.join(_P, _P.c.id == _L.c.supervisor_id).outerjoin(_S, _S.c.person_id == _P.c.id)
            )
            .where(_L.c.student_id.in_({s for s, _ in wanted}), _P.c.active.is_(True))
            .order_by(_L.c.id)
        )
        rows = (await self._s.execute(stmt)).all()
        return [
            LinkedSupervisor(m["student_id"], m["cohort_id"], person_of(m), quiet_of(m))
            for m in (row._mapping for row in rows)
            if (m["student_id"], m["cohort_id"]) in wanted
        ]

    async def get(self, conversation_id: int) -> Conversation | None:
        """Return a conversation by id."""
        row = (await self._s.execute(select(_C).where(_C.c.id == conversation_id))).first()
        return conversation(row._mapping) if row else None

    async def for_student(self, student_id: int) -> Sequence[Conversation]:
        """Return a student's conversations by date."""
        rows = await self._s.execute(select(_C).where(_C.c.student_id == student_id))
        found = [conversation(row._mapping) for row in rows]
        return sorted(found, key=lambda c: (c.due_on, KIND_ORDER[c.kind], c.id))

    async def for_supervisor(
        self, supervisor_id: int, first: date, last: date
    ) -> Sequence[StudentConversation]:
        """Return the conversations of the supervisor's linked students dated in a period."""
        stmt = (
            select(_C.c.student_id, _P.c.display_name, _C.c.cohort_id, _C.c.kind, _C.c.due_on)
            .select_from(
                _C.join(
                    _L, (_L.c.student_id == _C.c.student_id) & (_L.c.cohort_id == _C.c.cohort_id)
                ).join(_P, _P.c.id == _C.c.student_id)
            )
            .where(_L.c.supervisor_id == supervisor_id, _C.c.due_on.between(first, last))
            .order_by(_C.c.due_on, _P.c.display_name, _C.c.id)
        )
        return [
            StudentConversation(sid, name, cid, Kind(kind), day)
            for sid, name, cid, kind, day in (await self._s.execute(stmt)).all()
        ]

    async def update(self, conversation_id: int, **fields: object) -> Conversation:
        """Change fields of a conversation."""
        await self._s.execute(update(_C).where(_C.c.id == conversation_id).values(**fields))
        found = await self.get(conversation_id)
        assert found is not None
        return found

    async def forget_orphan_plans(self) -> int:
        """Clear plans whose logbook entry was deleted (retention deletes the entries)."""
        stmt = update(_C).where(_C.c.plan.is_not(None), _C.c.entry_id.is_(None)).values(plan=None)
        return affected(await self._s.execute(stmt))

    @property
    def _postgres(self) -> bool:
        return dialect_name(self._s) == "postgresql"


def _due() -> Select[Any]:
    """Select conversations with their student and the student's quiet hours."""
    return select(*_C.c, *PERSON_COLUMNS).select_from(
        _C.join(_P, _P.c.id == _C.c.student_id).outerjoin(_S, _S.c.person_id == _C.c.student_id)
    )


def _due_item(row: Any) -> DueConversation:
    """Build a due conversation from one row of plain columns."""
    m = row._mapping
    return DueConversation(conversation(m), person_of(m), quiet_of(m))
