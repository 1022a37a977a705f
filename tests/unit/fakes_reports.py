"""The report repository in memory: the same counts as the SQL one, by plain iteration.

Feedback requests and placement conversations are read from the store's
`feedback_requests` and `conversations` (a dict or a list of objects with the fields of
the tables: student_id, cohort_id, status, verbal, sent_at, answered_at, closed_at; due_on,
plan_at), whichever fake fills them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from statistics import median
from typing import Any

from bot.services.identity.domain import Role
from bot.services.reflection.types import EntryStatus, Reflection
from bot.services.reports.types import CohortActivity, ConversationCounts, FeedbackCounts, Window


def _within(moment: datetime | None, start: datetime, end: datetime) -> bool:
    return moment is not None and start <= moment <= end


def _rows(store: Any, name: str) -> Iterable[Any]:
    table = getattr(store, name, None) or []
    return table.values() if isinstance(table, dict) else table


def _status(row: Any) -> str:
    return str(getattr(row.status, "value", row.status))


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

    def _students(self, cohort_id: int) -> set[int]:
        return {
            m.person_id
            for m in self.s.memberships
            if m.cohort_id == cohort_id and m.role is Role.STUDENT
        }

    async def feedback_counts(self, cohort_id: int, window: Window) -> FeedbackCounts:
        """Return the counts about the feedback requests of the cohort's current students."""
        students = self._students(cohort_id)
        rows = [
            r
            for r in _rows(self.s, "feedback_requests")
            if r.cohort_id == cohort_id and r.student_id in students
        ]
        start, now = window.period_start, window.now
        sent = [r for r in rows if _within(r.sent_at, start, now)]
        answered = [r for r in sent if not r.verbal and r.answered_at is not None]
        times = [(r.answered_at - r.sent_at).total_seconds() for r in answered]
        return FeedbackCounts(
            sent=len(sent),
            senders=len({r.student_id for r in sent}),
            answered=len(answered),
            answered_students=len({r.student_id for r in answered}),
            median_seconds=median(times) if times else None,
            open_now=sum(not r.verbal and _status(r) in ("open", "answering") for r in rows),
            expired=sum(_status(r) == "expired" for r in sent),
            declined=sum(_status(r) == "declined" for r in sent),
            verbal=sum(r.verbal and _within(r.answered_at, start, now) for r in rows),
            actions=sum(_status(r) == "done" and _within(r.closed_at, start, now) for r in rows),
        )

    async def conversation_counts(
        self, cohort_id: int, today: date, overdue_before: date
    ) -> ConversationCounts:
        """Return how many conversations are due by `today`, have a plan, and are overdue."""
        students = self._students(cohort_id)
        rows = [
            c
            for c in _rows(self.s, "conversations")
            if c.cohort_id == cohort_id and c.student_id in students
        ]
        due = [c for c in rows if c.due_on <= today]
        return ConversationCounts(
            due=len(due),
            planned=sum(c.plan_at is not None for c in due),
            overdue=sum(c.due_on < overdue_before and c.plan_at is None for c in rows),
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
