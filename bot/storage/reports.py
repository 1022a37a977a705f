"""SQL aggregates for the coordinator view: counts only, computed by the database.

Every query counts over the cohort's current students (or, for questions, the cohort's
members) with COUNT and CASE, so a cohort of hundreds costs a handful of index scans and
no rows are loaded into Python.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, case, distinct, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.domain import Role
from bot.services.reflection_types import EntryStatus
from bot.services.report_types import CohortActivity, Window
from bot.storage.models import (
    GoalRow,
    MembershipRow,
    QuestionRow,
    ReflectionRow,
    SupervisionLinkRow,
)

R = ReflectionRow


def _students(cohort_id: int) -> Select[tuple[int]]:
    return select(MembershipRow.person_id).where(
        MembershipRow.cohort_id == cohort_id, MembershipRow.role == Role.STUDENT.value
    )


def _count_if(condition: ColumnElement[bool], column: ColumnElement[int]) -> ColumnElement[int]:
    return func.count(case((condition, column)))


def _people_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.count(distinct(case((condition, R.person_id))))


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
