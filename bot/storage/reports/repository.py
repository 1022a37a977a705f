"""SQL aggregates for the coordinator view: counts only, computed by the database.

Every query counts over the cohort's current students (or, for questions, the cohort's
members) with COUNT and CASE, so a cohort of hundreds costs a handful of index scans and
no rows are loaded into Python. The median time to answer a feedback request is taken in
SQL too, with window functions (SQLite has no percentile function).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    ColumnExpressionArgument,
    Select,
    and_,
    case,
    distinct,
    func,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.identity.domain import Role
from bot.services.reflection.types import EntryStatus
from bot.services.reports.types import (
    CohortActivity,
    ConversationCounts,
    FeedbackCounts,
    Window,
)
from bot.storage.base import dialect_name
from bot.storage.conversations.models import ConversationRow
from bot.storage.feedback.models import FeedbackRequestRow
from bot.storage.identity.models import MembershipRow, SupervisionLinkRow
from bot.storage.questions.models import QuestionRow
from bot.storage.reflection.models import GoalRow, ReflectionRow

R = ReflectionRow
F = FeedbackRequestRow
WAITING = ("open", "answering")


def _students(cohort_id: int) -> Select[int]:
    return select(MembershipRow.person_id).where(
        MembershipRow.cohort_id == cohort_id, MembershipRow.role == Role.STUDENT.value
    )


def _count_if(
    condition: ColumnElement[bool], column: ColumnExpressionArgument[int]
) -> ColumnElement[int]:
    return func.count(case((condition, column)))


def _people_if(
    condition: ColumnElement[bool], person: ColumnExpressionArgument[int] = R.person_id
) -> ColumnElement[int]:
    return func.count(distinct(case((condition, person))))


def _sent_in(window: Window) -> ColumnElement[bool]:
    """Requests that reached a supervisor in the averaging period."""
    return and_(F.sent_at >= window.period_start, F.sent_at <= window.now)


def _answered_by_supervisor(window: Window) -> ColumnElement[bool]:
    """Of those, the ones a supervisor answered (not recorded by the student as verbal)."""
    return and_(_sent_in(window), F.verbal.is_(False), F.answered_at.is_not(None))


class SqlReportRepo:
    """Counts about a cohort for the coordinator's report."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def cohort_activity(self, cohort_id: int, window: Window) -> CohortActivity:
        """Return the counts about the cohort's current students and their week."""
        roles = await self._roles(cohort_id)
        return CohortActivity(
            students=roles.get(Role.STUDENT.value, 0),
            supervisors=roles.get(Role.SUPERVISOR.value, 0),
            linked_students=await self._linked(cohort_id),
            **await self._reflections(cohort_id, window),
            **await self._goals(cohort_id),
            **await self._questions(cohort_id, window),
        )

    async def feedback_counts(self, cohort_id: int, window: Window) -> FeedbackCounts:
        """Return the counts about the feedback requests of the cohort's current students."""
        period, now = window.period_start, window.now
        sent, answered = _sent_in(window), _answered_by_supervisor(window)
        verbal = and_(F.verbal.is_(True), F.answered_at >= period, F.answered_at <= now)
        acted = and_(F.status == "done", F.closed_at >= period, F.closed_at <= now)
        stmt = select(
            _count_if(sent, F.id),
            _people_if(sent, F.student_id),
            _count_if(answered, F.id),
            _people_if(answered, F.student_id),
            _count_if(and_(F.verbal.is_(False), F.status.in_(WAITING)), F.id),
            _count_if(and_(sent, F.status == "expired"), F.id),
            _count_if(and_(sent, F.status == "declined"), F.id),
            _count_if(verbal, F.id),
            _count_if(acted, F.id),
        ).where(F.cohort_id == cohort_id, F.student_id.in_(_students(cohort_id)))
        row = (await self._s.execute(stmt)).one()
        names: tuple[str, ...] = ("sent", "senders", "answered", "answered_students", "open_now")
        names += ("expired", "declined", "verbal", "actions")
        counts = dict(zip(names, row, strict=True))
        median = await self._median_answer_seconds(cohort_id, window)
        return FeedbackCounts(**counts, median_seconds=median)

    async def _median_answer_seconds(self, cohort_id: int, window: Window) -> float | None:
        """Return the median of answered_at - sent_at (seconds) over the answered requests."""
        seconds: ColumnElement[Any]
        if dialect_name(self._s) == "postgresql":
            seconds = func.extract("epoch", F.answered_at - F.sent_at)
        else:
            seconds = (func.julianday(F.answered_at) - func.julianday(F.sent_at)) * 86400.0
        ranked = (
            select(
                seconds.label("s"),
                func.row_number().over(order_by=seconds).label("rn"),
                func.count().over().label("n"),
            )
            .where(
                F.cohort_id == cohort_id,
                F.student_id.in_(_students(cohort_id)),
                _answered_by_supervisor(window),
            )
            .subquery()
        )
        middle = ranked.c.rn.in_(((ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2))
        value = (await self._s.execute(select(func.avg(ranked.c.s)).where(middle))).scalar()
        # julianday() is a float of days: whole seconds are all the precision there is.
        return None if value is None else float(round(value))

    async def conversation_counts(
        self, cohort_id: int, today: date, overdue_before: date
    ) -> ConversationCounts:
        """Return how many conversations are due by `today`, have a plan, and are overdue."""
        c = ConversationRow
        due = c.due_on <= today
        stmt = select(
            _count_if(due, c.id),
            _count_if(and_(due, c.plan_at.is_not(None)), c.id),
            _count_if(and_(c.due_on < overdue_before, c.plan_at.is_(None)), c.id),
        ).where(c.cohort_id == cohort_id, c.student_id.in_(_students(cohort_id)))
        due_so_far, planned, overdue = (await self._s.execute(stmt)).one()
        return ConversationCounts(due=due_so_far, planned=planned, overdue=overdue)

    async def _roles(self, cohort_id: int) -> dict[str, int]:
        stmt = (
            select(MembershipRow.role, func.count(distinct(MembershipRow.person_id)))
            .where(MembershipRow.cohort_id == cohort_id)
            .group_by(MembershipRow.role)
        )
        return {role: count for role, count in (await self._s.execute(stmt)).all()}

    async def _linked(self, cohort_id: int) -> int:
        link = SupervisionLinkRow
        stmt = select(func.count(distinct(link.student_id))).where(
            link.cohort_id == cohort_id, link.student_id.in_(_students(cohort_id))
        )
        return (await self._s.execute(stmt)).scalar_one()

    async def _reflections(self, cohort_id: int, window: Window) -> dict[str, int]:
        week, period, now = window.week_start, window.period_start, window.now
        created_in_week = and_(R.created_at >= week, R.created_at <= now)
        finished_in_week = and_(R.completed_at >= week, R.completed_at <= now)
        wrote = or_(finished_in_week, and_(created_in_week, R.step > 0))
        prompted = and_(created_in_week, R.slot_date.is_not(None))
        done = R.status == EntryStatus.DONE.value
        finished_in_period = and_(done, R.completed_at >= period, R.completed_at <= now)
        stmt = select(
            _people_if(wrote),
            _people_if(prompted),
            _count_if(prompted, R.id),
            _count_if(and_(prompted, done), R.id),
            _count_if(finished_in_period, R.id),
            _people_if(finished_in_period),
            func.count(R.shared_at),
        ).where(R.cohort_id == cohort_id, R.person_id.in_(_students(cohort_id)))
        names = (
            "active_students",
            "prompted_students",
            "prompts_sent",
            "prompts_answered",
            "period_entries",
            "period_writers",
            "shared_entries",
        )
        return dict(zip(names, (await self._s.execute(stmt)).one(), strict=True))

    async def _goals(self, cohort_id: int) -> dict[str, int]:
        stmt = select(
            func.count(distinct(GoalRow.person_id)),
            func.count(GoalRow.id),
            func.count(GoalRow.completed_at),
        ).where(GoalRow.cohort_id == cohort_id, GoalRow.person_id.in_(_students(cohort_id)))
        names = ("students_with_goal", "goals_set", "goals_reached")
        return dict(zip(names, (await self._s.execute(stmt)).one(), strict=True))

    async def _questions(self, cohort_id: int, window: Window) -> dict[str, int]:
        q = QuestionRow
        stmt = select(func.count(q.id), _count_if(q.abstained.is_(True), q.id)).where(
            q.cohort_id == cohort_id, q.asked_at >= window.week_start, q.asked_at <= window.now
        )
        asked, unanswered = (await self._s.execute(stmt)).one()
        return {"questions_asked": asked, "questions_unanswered": unanswered}
