"""The coordinator view: aggregated figures per cohort, never anyone's words or names.

Privacy rule (MIN_GROUP): a figure about the behaviour of fewer than MIN_GROUP students is
withheld, so nobody can read one student's habits out of it.

- Counts of enrolment (students, supervisors, students with a supervisor) are always shown.
- Counts of behaviour (active students, prompts, goals, shared entries, questions) are
  withheld while the cohort has fewer than MIN_GROUP students.
- A rate or average is withheld when the students it is taken over number fewer than
  MIN_GROUP; the counts it is computed from are withheld with it.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from bot.services.access import Actor, require_coordinator
from bot.services.domain import Cohort
from bot.services.errors import NotFound
from bot.services.ports import Clock, UnitOfWorkFactory
from bot.services.report_types import CohortActivity, CohortReport, Figure, Unit, Window

MIN_GROUP = 5
WEEK = timedelta(days=7)
PERIOD = timedelta(days=28)


def window_for(cohort: Cohort, now: datetime) -> Window:
    """Return the last 7 days, and the last four weeks or the placement so far if shorter."""
    placement_start = datetime.combine(cohort.starts_on, time(0), UTC)
    period_start = min(max(now - PERIOD, placement_start), now)
    return Window(week_start=now - WEEK, period_start=period_start, now=now)


def _count(value: int, group: int) -> Figure:
    return Figure(value if group >= MIN_GROUP else None)


def _share(part: int, whole: int, group: int) -> Figure:
    shown = group >= MIN_GROUP and whole > 0
    return Figure(part / whole if shown else None, Unit.SHARE)


def _per_week(entries: int, writers: int, window: Window) -> Figure:
    weeks = max(window.now - window.period_start, WEEK) / WEEK
    shown = writers >= MIN_GROUP
    return Figure(entries / writers / weeks if shown else None, Unit.PER_WEEK)


def build_report(cohort: Cohort, window: Window, counts: CohortActivity) -> CohortReport:
    """Turn the raw counts into the figures a coordinator may see."""
    students, prompted = counts.students, counts.prompted_students
    return CohortReport(
        cohort=cohort,
        window=window,
        students=Figure(students),
        supervisors=Figure(counts.supervisors),
        linked_students=Figure(counts.linked_students),
        active_students=_count(counts.active_students, students),
        prompts_sent=_count(counts.prompts_sent, prompted),
        prompts_answered=_count(counts.prompts_answered, prompted),
        answer_rate=_share(counts.prompts_answered, counts.prompts_sent, prompted),
        reflections_per_writer_week=_per_week(
            counts.period_entries, counts.period_writers, window
        ),
        shared_entries=_count(counts.shared_entries, students),
        students_with_goal=_share(counts.students_with_goal, students, students),
        goals_set=_count(counts.goals_set, students),
        goals_reached=_count(counts.goals_reached, students),
        questions_asked=_count(counts.questions_asked, students),
        questions_unanswered=_count(counts.questions_unanswered, students),
    )


class ReportService:
    """Builds the coordinator's cohort report from aggregates the database computes."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def cohort_report(
        self, actor: Actor, cohort_id: int, now: datetime | None = None
    ) -> CohortReport:
        """Return a cohort's figures for one of its coordinators (or an operator)."""
        now = now or self._clock.now()
        async with self._uow() as uow:
            await require_coordinator(uow, actor, cohort_id)
            cohort = await uow.cohorts.get(cohort_id)
            if cohort is None:
                raise NotFound(f"cohort {cohort_id}")
            window = window_for(cohort, now)
            counts = await uow.reports.cohort_activity(cohort_id, window)
        return build_report(cohort, window, counts)
