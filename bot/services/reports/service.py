"""The coordinator view: aggregated figures per cohort, never anyone's words or names.

Privacy rule (MIN_GROUP): a figure about the behaviour of fewer than MIN_GROUP students is
withheld, so nobody can read one student's habits out of it.

- Counts of enrolment (students, supervisors, students with a supervisor) are always shown.
- Counts of behaviour (active students, prompts, goals, shared entries, questions) are
  withheld while the cohort has fewer than MIN_GROUP students.
- A rate or average is withheld when the students it is taken over number fewer than
  MIN_GROUP; the counts it is computed from are withheld with it. So the feedback requests
  sent, answered, expired and declined, and the answer rate, need MIN_GROUP students who
  sent one; the median time to answer needs MIN_GROUP students with an answered one.
- A week of the pulse (answers, mean, distribution) is withheld when fewer than MIN_GROUP
  students answered it; there is nothing per person to show.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta

from bot.services.identity.access import Actor, require_coordinator
from bot.services.identity.domain import Cohort
from bot.services.kernel.errors import NotFound
from bot.services.kernel.figures import MIN_GROUP, monday_of
from bot.services.kernel.ports import Clock, UnitOfWorkFactory
from bot.services.reports.ports import ReportsUnitOfWork
from bot.services.reports.types import (
    CohortActivity,
    CohortReport,
    ConversationCounts,
    FeedbackCounts,
    Figure,
    PulseFigures,
    Unit,
    Window,
)

WEEK = timedelta(days=7)
PERIOD = timedelta(days=28)
OVERDUE_DAYS = 7  # a conversation is overdue this many days after its date without a plan
PULSE_WEEKS = 5  # this week and the four before it


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


def pulse_weeks(now: datetime) -> list[date]:
    """Return the first days of this week and the PULSE_WEEKS - 1 weeks before, newest first."""
    this_week = monday_of(now.date())
    return [this_week - index * WEEK for index in range(PULSE_WEEKS)]


def _feedback(counts: FeedbackCounts, students: int) -> dict[str, Figure]:
    senders, median = counts.senders, counts.median_seconds
    hours = median / 3600 if median is not None else None
    timed = counts.answered_students >= MIN_GROUP and hours is not None
    return {
        "feedback_sent": _count(counts.sent, senders),
        "feedback_answered": _count(counts.answered, senders),
        "feedback_answer_rate": _share(counts.answered, counts.sent, senders),
        "feedback_median_time": Figure(hours if timed else None, Unit.HOURS),
        "feedback_open": _count(counts.open_now, students),
        "feedback_expired": _count(counts.expired, senders),
        "feedback_declined": _count(counts.declined, senders),
        "feedback_verbal": _count(counts.verbal, students),
        "feedback_actions": _count(counts.actions, students),
    }


def _conversations(counts: ConversationCounts, students: int) -> dict[str, Figure]:
    return {
        "conversations_due": _count(counts.due, students),
        "conversations_planned": _count(counts.planned, students),
        "conversations_overdue": _count(counts.overdue, students),
    }


def pulse_figures(week_start: date, scores: Mapping[int, int]) -> PulseFigures:
    """Return one week of the pulse, withheld when fewer than MIN_GROUP answered."""
    answers = sum(scores.values())
    shown = answers >= MIN_GROUP
    mean = sum(score * n for score, n in scores.items()) / answers if shown else None
    return PulseFigures(
        week_start,
        answers=Figure(answers if shown else None),
        mean=Figure(mean, Unit.MEAN),
        distribution=tuple(
            Figure(scores.get(score, 0) if shown else None) for score in range(1, 6)
        ),
    )


def build_report(
    cohort: Cohort,
    window: Window,
    counts: CohortActivity,
    feedback: FeedbackCounts | None = None,
    conversations: ConversationCounts | None = None,
    pulse: Mapping[date, Mapping[int, int]] | None = None,
) -> CohortReport:
    """Turn the raw counts into the figures a coordinator may see (`pulse`: None when off)."""
    students, prompted = counts.students, counts.prompted_students
    weeks = pulse_weeks(window.now) if pulse is not None else []
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
        **_feedback(feedback or FeedbackCounts(), students),
        **_conversations(conversations or ConversationCounts(), students),
        pulse_enabled=pulse is not None,
        pulse=tuple(pulse_figures(week, (pulse or {}).get(week, {})) for week in weeks),
    )


class ReportService:
    """Builds the coordinator's cohort report from aggregates the database computes."""

    def __init__(self, uow: UnitOfWorkFactory[ReportsUnitOfWork], clock: Clock) -> None:
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
            reports = uow.reports
            counts = await reports.cohort_activity(cohort_id, window)
            feedback = await reports.feedback_counts(cohort_id, window)
            today = now.date()
            overdue_before = today - timedelta(days=OVERDUE_DAYS)
            conversations = await reports.conversation_counts(cohort_id, today, overdue_before)
            pulse = None
            if await uow.pulse.enabled(cohort_id):
                weeks = pulse_weeks(now)
                pulse = await uow.pulse.distribution(cohort_id, weeks[-1], weeks[0])
        return build_report(cohort, window, counts, feedback, conversations, pulse)
