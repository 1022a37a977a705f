"""The report repository in memory: the same counts as the SQL one, by plain iteration."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.services.domain import Role
from bot.services.reflection_types import EntryStatus, Reflection
from bot.services.report_types import CohortActivity, Window


def _within(moment: datetime | None, start: datetime, end: datetime) -> bool:
    return moment is not None and start <= moment <= end


class FakeReports:
    """Counts over the fake store (fine for tests; the SQL repo counts in the database)."""

    def __init__(self, store: Any) -> None:
        self.s = store

    async def cohort_activity(self, cohort_id: int, window: Window) -> CohortActivity:
        """Return the counts about the cohort's current students and their week."""
        members = [m for m in self.s.memberships if m.cohort_id == cohort_id]
        students = {m.person_id for m in members if m.role is Role.STUDENT}
        supervisors = {m.person_id for m in members if m.role is Role.SUPERVISOR}
        linked = {
            link.student_id
            for link in self.s.links
            if link.cohort_id == cohort_id and link.student_id in students
        }
        entries = [
            r
            for r in self.s.reflections.values()
            if r.cohort_id == cohort_id and r.person_id in students
        ]
        goals = [
            g
            for g in self.s.goals.values()
            if g.cohort_id == cohort_id and g.person_id in students
        ]
        questions = [
            q
            for q in self.s.questions.values()
            if q.cohort_id == cohort_id and _within(q.asked_at, window.week_start, window.now)
        ]
        return CohortActivity(
            students=len(students),
            supervisors=len(supervisors),
            linked_students=len(linked),
            **_reflection_counts(entries, window),
            students_with_goal=len({g.person_id for g in goals}),
            goals_set=len(goals),
            goals_reached=sum(g.completed_at is not None for g in goals),
            questions_asked=len(questions),
            questions_unanswered=sum(q.abstained for q in questions),
        )


def _reflection_counts(entries: list[Reflection], window: Window) -> dict[str, int]:
    week, now = window.week_start, window.now

    def wrote(r: Reflection) -> bool:
        return _within(r.completed_at, week, now) or (
            _within(r.created_at, week, now) and r.step > 0
        )

    prompted = [r for r in entries if r.slot_date and _within(r.created_at, week, now)]
    finished = [
        r
        for r in entries
        if r.status is EntryStatus.DONE and _within(r.completed_at, window.period_start, now)
    ]
    return {
        "active_students": len({r.person_id for r in entries if wrote(r)}),
        "prompted_students": len({r.person_id for r in prompted}),
        "prompts_sent": len(prompted),
        "prompts_answered": sum(r.status is EntryStatus.DONE for r in prompted),
        "period_entries": len(finished),
        "period_writers": len({r.person_id for r in finished}),
        "shared_entries": sum(r.shared_at is not None for r in entries),
    }
