"""Types and port of the coordinator's cohort report: raw counts in, figures out.

The storage side only counts (COUNT/GROUP BY in SQL); which figures may be shown, and how
rates and averages are formed, is decided in `bot.services.reports.service`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from bot.services.identity.domain import Cohort


@dataclass(frozen=True, slots=True)
class Window:
    """What a report counts: the week is `week_start`..`now`, the weekly average is taken
    over `period_start`..`now` (the last four weeks, or the placement so far)."""

    week_start: datetime
    period_start: datetime
    now: datetime

    @property
    def period_from(self) -> date:
        """Return the first day of the averaging period."""
        return self.period_start.date()


@dataclass(frozen=True, slots=True)
class CohortActivity:
    """Counts about a cohort's current members; never any text, never anyone's id."""

    students: int = 0
    supervisors: int = 0
    linked_students: int = 0
    active_students: int = 0  # wrote or finished a reflection in the week
    prompted_students: int = 0  # got at least one scheduled prompt in the week
    prompts_sent: int = 0
    prompts_answered: int = 0  # of the prompts sent in the week, how many are done
    period_entries: int = 0  # reflections finished in the averaging period
    period_writers: int = 0  # students who finished at least one in that period
    students_with_goal: int = 0
    goals_set: int = 0
    goals_reached: int = 0
    shared_entries: int = 0  # entries shared with a supervisor now
    questions_asked: int = 0  # in the week, by people whose home cohort this is
    questions_unanswered: int = 0  # of those, the documents could not answer (abstained)


@dataclass(frozen=True, slots=True)
class FeedbackCounts:
    """Counts about the feedback requests of a cohort's current students.

    "Sent" are the requests that reached a supervisor in the averaging period, whatever
    became of them; `answered` and the times are of those a supervisor answered.
    """

    sent: int = 0
    senders: int = 0  # students with at least one request sent
    answered: int = 0
    answered_students: int = 0  # students with at least one request answered
    median_seconds: float | None = None  # from sent to answered, over the answered ones
    open_now: int = 0  # waiting for a supervisor now, whenever sent
    expired: int = 0  # of those sent, expired unanswered
    declined: int = 0  # of those sent, declined by the supervisor
    verbal: int = 0  # verbal feedback the students recorded in the period
    actions: int = 0  # actions for the next shift recorded in the period


@dataclass(frozen=True, slots=True)
class ConversationCounts:
    """Counts about the placement conversations of a cohort's current students."""

    due: int = 0  # due so far (due date today or earlier)
    planned: int = 0  # of those, the student recorded the agreed plan
    overdue: int = 0  # due more than OVERDUE_DAYS ago and still no plan


class Unit(StrEnum):
    """How a figure's value reads."""

    COUNT = "count"
    SHARE = "share"  # a fraction from 0 to 1
    PER_WEEK = "per_week"
    HOURS = "hours"  # a duration
    MEAN = "mean"  # an average score


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure; `value` is None when it is withheld (about too few students)."""

    value: float | None
    unit: Unit = Unit.COUNT

    @property
    def withheld(self) -> bool:
        """Return whether the figure is withheld to protect individuals."""
        return self.value is None


@dataclass(frozen=True, slots=True)
class PulseFigures:
    """One week of the pulse: how many answered, the mean and the answers per score (1-5),
    all withheld together when fewer than MIN_GROUP answered."""

    week_start: date
    answers: Figure
    mean: Figure
    distribution: tuple[Figure, ...]

    @property
    def withheld(self) -> bool:
        """Return whether the week's figures are withheld."""
        return self.answers.withheld


@dataclass(frozen=True, slots=True)
class CohortReport:
    """The coordinator's view of one cohort: aggregates only, in named figures.

    New figures become new fields and a place in SECTIONS; renderers and the CSV export
    walk `sections()`. The pulse, one block per week, is apart in `pulse`.
    """

    cohort: Cohort
    window: Window
    students: Figure
    supervisors: Figure
    linked_students: Figure
    active_students: Figure
    prompts_sent: Figure
    prompts_answered: Figure
    answer_rate: Figure
    reflections_per_writer_week: Figure
    shared_entries: Figure
    students_with_goal: Figure
    goals_set: Figure
    goals_reached: Figure
    questions_asked: Figure
    questions_unanswered: Figure
    feedback_sent: Figure
    feedback_answered: Figure
    feedback_answer_rate: Figure
    feedback_median_time: Figure
    feedback_open: Figure
    feedback_expired: Figure
    feedback_declined: Figure
    feedback_verbal: Figure
    feedback_actions: Figure
    conversations_due: Figure
    conversations_planned: Figure
    conversations_overdue: Figure
    pulse_enabled: bool = False
    pulse: tuple[PulseFigures, ...] = ()  # this week first; empty while the pulse is off

    def sections(self) -> list[tuple[str, list[tuple[str, Figure]]]]:
        """Return (section key, [(figure key, figure)]) in display order."""
        return [(name, [(key, getattr(self, key)) for key in keys]) for name, keys in SECTIONS]

    def rows(self) -> list[tuple[str, Figure]]:
        """Return every (figure key, figure) in display order."""
        return [row for _name, rows in self.sections() for row in rows]


SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("enrolment", ("students", "supervisors", "linked_students")),
    (
        "reflection",
        (
            "active_students",
            "prompts_sent",
            "prompts_answered",
            "answer_rate",
            "reflections_per_writer_week",
            "shared_entries",
        ),
    ),
    ("goals", ("students_with_goal", "goals_set", "goals_reached")),
    ("questions", ("questions_asked", "questions_unanswered")),
    (
        "feedback",
        (
            "feedback_sent",
            "feedback_answered",
            "feedback_answer_rate",
            "feedback_median_time",
            "feedback_open",
            "feedback_expired",
            "feedback_declined",
            "feedback_verbal",
            "feedback_actions",
        ),
    ),
    ("conversations", ("conversations_due", "conversations_planned", "conversations_overdue")),
)


class ReportRepo(Protocol):
    """Aggregates for the coordinator view, computed by the database."""

    async def cohort_activity(self, cohort_id: int, window: Window) -> CohortActivity:
        """Return the counts about the cohort's current students and their week."""
        ...

    async def feedback_counts(self, cohort_id: int, window: Window) -> FeedbackCounts:
        """Return the counts about the feedback requests of the cohort's current students."""
        ...

    async def conversation_counts(
        self, cohort_id: int, today: date, overdue_before: date
    ) -> ConversationCounts:
        """Return how many conversations are due by `today`, have a plan, and are overdue
        (due before `overdue_before` without a plan)."""
        ...
