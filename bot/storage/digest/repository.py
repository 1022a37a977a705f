"""SQL adapter for the weekly supervisor digest: names, counts and dates, never text.

No query here selects a reflection's answers, a self-assessment or a plan: the digest cannot
leak what it never reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.conversations.types import (
    DigestRecipient,
    Kind,
    StudentConversation,
    SupervisedStudent,
    WaitingRequest,
)
from bot.services.identity.domain import Person
from bot.storage.base import dialect_name, table
from bot.storage.conversations.models import ConversationRow, DigestRow
from bot.storage.feedback.models import FeedbackRequestRow
from bot.storage.identity.models import CohortRow, PersonRow, SupervisionLinkRow
from bot.storage.reflection.models import ReflectionRow, ReflectionShareRow, ScheduleRow

WAITING = ("open", "answering")
_C, _P, _S = table(ConversationRow), table(PersonRow), table(ScheduleRow)
_L, _H, _D = table(SupervisionLinkRow), table(CohortRow), table(DigestRow)
_R, _F, _SH = table(ReflectionRow), table(FeedbackRequestRow), table(ReflectionShareRow)
PERSON = ("id", "telegram_id", "display_name", "language", "timezone", "consent_at", "active")
PERSON_COLUMNS = (
    *(_P.c[name].label(f"p_{name}") for name in PERSON),
    _S.c.quiet_start.label("q_start"),
    _S.c.quiet_end.label("q_end"),
)


def person_of(m: Any) -> Person:
    """Build a person from columns labelled p_<name> (see PERSON_COLUMNS)."""
    return Person(*(m[f"p_{name}"] for name in PERSON))


def quiet_of(m: Any) -> tuple[int, int] | None:
    """Return the quiet hours from columns q_start and q_end (None without a schedule)."""
    return None if m["q_start"] is None else (m["q_start"], m["q_end"])


def _running(first: date, last: date) -> ColumnElement[bool]:
    """Return the condition that the link's cohort runs at some point from first to last."""
    return (_H.c.id == _L.c.cohort_id) & (_H.c.starts_on <= last) & (_H.c.ends_on >= first)


class SqlDigestRepo:
    """What the weekly digest reads, in SQL."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def timezones(self) -> Sequence[str]:
        """Return the time zones of active supervisors with linked students."""
        stmt = (
            select(_P.c.timezone)
            .where(_P.c.active.is_(True), exists().where(_L.c.supervisor_id == _P.c.id))
            .distinct()
        )
        return list((await self._s.scalars(stmt)).all())

    async def due_supervisors(
        self, timezone: str, week_start: date, first: date, last: date, limit: int
    ) -> Sequence[DigestRecipient]:
        """Return supervisors in a time zone with a student in a cohort running in the period
        and no digest for the week yet, by id."""
        running = exists().where(_L.c.supervisor_id == _P.c.id, _running(first, last))
        sent = exists().where(_D.c.person_id == _P.c.id, _D.c.week_start == week_start)
        stmt = (
            select(*PERSON_COLUMNS)
            .select_from(_P.outerjoin(_S, _S.c.person_id == _P.c.id))
            .where(_P.c.timezone == timezone, _P.c.active.is_(True), running, ~sent)
            .order_by(_P.c.id)
            .limit(limit)
        )
        rows = (await self._s.execute(stmt)).all()
        return [DigestRecipient(person_of(r._mapping), quiet_of(r._mapping)) for r in rows]

    async def students(
        self, supervisor_ids: Sequence[int], first: date, last: date
    ) -> Sequence[SupervisedStudent]:
        """Return the supervisors' students in cohorts running in the period, by name."""
        if not supervisor_ids:
            return []
        stmt = (
            select(_L.c.supervisor_id, _L.c.student_id, _L.c.cohort_id, _P.c.display_name)
            .select_from(_L.join(_P, _P.c.id == _L.c.student_id).join(_H, _running(first, last)))
            .where(_L.c.supervisor_id.in_(list(supervisor_ids)))
            .order_by(_P.c.display_name, _L.c.student_id)
        )
        return [SupervisedStudent(*row) for row in (await self._s.execute(stmt)).all()]

    async def waiting_requests(self, supervisor_ids: Sequence[int]) -> Sequence[WaitingRequest]:
        """Return the feedback requests open for (or being answered by) these supervisors:
        the student's name and since when, oldest first."""
        if not supervisor_ids:
            return []
        since = func.coalesce(_F.c.sent_at, _F.c.created_at)
        stmt = (
            select(_F.c.supervisor_id, _P.c.display_name, _F.c.sent_at, _F.c.created_at)
            .select_from(_F.join(_P, _P.c.id == _F.c.student_id))
            .where(
                _F.c.supervisor_id.in_(list(supervisor_ids)),
                _F.c.status.in_(WAITING),
                _F.c.verbal.is_(False),  # the student records it; nothing waits for them
            )
            .order_by(since, _F.c.id)
        )
        return [
            WaitingRequest(sid, name, sent or created)
            for sid, name, sent, created in (await self._s.execute(stmt)).all()
        ]

    async def conversations(
        self, student_ids: Sequence[int], first: date, last: date
    ) -> Sequence[StudentConversation]:
        """Return these students' conversations dated in a period, by date (no plans)."""
        if not student_ids:
            return []
        stmt = (
            select(_C.c.student_id, _P.c.display_name, _C.c.cohort_id, _C.c.kind, _C.c.due_on)
            .select_from(_C.join(_P, _P.c.id == _C.c.student_id))
            .where(_C.c.student_id.in_(list(student_ids)), _C.c.due_on.between(first, last))
            .order_by(_C.c.due_on, _P.c.display_name, _C.c.id)
        )
        return [
            StudentConversation(sid, name, cid, Kind(kind), day)
            for sid, name, cid, kind, day in (await self._s.execute(stmt)).all()
        ]

    async def shared_counts(
        self, supervisor_ids: Sequence[int], since: datetime, until: datetime
    ) -> dict[tuple[int, int], int]:
        """Return entries shared per (supervisor, student) in a period (counts only)."""
        if not supervisor_ids:
            return {}
        stmt = (
            select(_SH.c.supervisor_id, _R.c.person_id, func.count())
            .select_from(_SH.join(_R, _R.c.id == _SH.c.reflection_id))
            .where(
                _SH.c.supervisor_id.in_(list(supervisor_ids)),
                _SH.c.shared_at >= since,
                _SH.c.shared_at <= until,
            )
            .group_by(_SH.c.supervisor_id, _R.c.person_id)
        )
        rows = (await self._s.execute(stmt)).all()
        return {(sup, student): count for sup, student, count in rows}

    async def mark_sent(self, person_ids: Sequence[int], week_start: date, now: datetime) -> None:
        """Record the week's digest of these supervisors (a repeat is skipped)."""
        if not person_ids:
            return
        postgres = dialect_name(self._s) == "postgresql"
        insert = postgresql.insert if postgres else sqlite.insert
        rows = [{"person_id": p, "week_start": week_start, "queued_at": now} for p in person_ids]
        stmt = insert(DigestRow).on_conflict_do_nothing(index_elements=["person_id", "week_start"])
        await self._s.execute(stmt, rows)
