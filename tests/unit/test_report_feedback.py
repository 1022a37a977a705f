"""The coordinator view's feedback, conversation and pulse figures on fakes: the values, the
minimum group size of each, and the texts they read as."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from bot.i18n import gettext_for
from bot.services.identity.access import Actor
from bot.services.identity.domain import Cohort, Profession, Role
from bot.services.pulse.types import PulseAsk
from bot.services.reports.service import ReportService, build_report, pulse_figures
from bot.services.reports.types import CohortActivity, CohortReport, Figure, Unit
from bot.tg.reports.texts import duration_text, report_text
from tests.support import ManualClock
from tests.unit.fakes import FakeUowFactory
from tests.unit.report_scenario import (
    EXPECTED_FEEDBACK,
    NOW,
    PULSE_SCORES,
    WINDOW,
    as_objects,
    conversation_rows,
    feedback_rows,
)


async def _cohort(uow: FakeUowFactory, size: int) -> tuple[int, list[int], int]:
    """Create a cohort with `size` students and a coordinator; return their ids."""
    async with uow() as tx:
        cohort = await tx.cohorts.add(
            1, "Hold A", Profession.NURSING, date(2027, 2, 1), date(2027, 6, 30)
        )
        ids = [(await tx.people.add(500 + n, "X", "da", "UTC", NOW)).id for n in range(size + 2)]
        for student in ids[:size]:
            await tx.memberships.add(student, cohort.id, Role.STUDENT)
        await tx.memberships.add(ids[size], cohort.id, Role.COORDINATOR)
        await tx.commit()
    return cohort.id, ids[:size], ids[size + 1]


async def _answer_pulse(uow: FakeUowFactory, cohort_id: int) -> None:
    """Store the scenario's pulse answers through the repository (ask, then record)."""
    async with uow() as tx:
        for week, scores in PULSE_SCORES.items():
            for person, score in enumerate(scores, start=1000):
                await tx.pulse.add_asks([PulseAsk(person, week, cohort_id, NOW)])
                assert await tx.pulse.record(person, week, score)
        await tx.pulse.mix(5, date.max)  # every ballot counted, as after the weeks
        await tx.commit()


async def _report(uow: FakeUowFactory, cohort_id: int) -> CohortReport:
    return await ReportService(uow, ManualClock(NOW)).cohort_report(Actor.cli(), cohort_id)


async def test_feedback_and_conversation_figures() -> None:
    uow = FakeUowFactory()
    cohort_id, students, outsider = await _cohort(uow, 6)
    uow.store.feedback_requests = as_objects(feedback_rows(students, cohort_id, outsider))
    uow.store.conversations = as_objects(conversation_rows(students, cohort_id))
    report = await _report(uow, cohort_id)
    values = {key: f.value for key, f in report.rows() if key.startswith(("feedback", "conv"))}
    assert values == {
        "feedback_sent": 9,
        "feedback_answered": 5,
        "feedback_answer_rate": pytest.approx(5 / 9),
        "feedback_median_time": pytest.approx(6.0),
        "feedback_open": 2,
        "feedback_expired": 1,
        "feedback_declined": 1,
        "feedback_verbal": 1,
        "feedback_actions": 4,
        "conversations_due": 6,
        "conversations_planned": 2,
        "conversations_overdue": 2,
    }
    assert report.feedback_median_time.unit is Unit.HOURS
    text = report_text(report, gettext_for("da"), "da", "Europe/Copenhagen")
    assert "Mediantid til svar: 6 timer" in text
    assert "Andel besvaret: 56\xa0%" in text
    assert "Forsinkede (over 7 dage, ingen plan): 2" in text


async def test_feedback_figures_need_five_students_who_asked() -> None:
    uow = FakeUowFactory()
    cohort_id, students, outsider = await _cohort(uow, 8)
    rows = feedback_rows(students[:6], cohort_id, outsider)
    # Only students 0-3 sent anything: drop the rows of students 4 and 5.
    uow.store.feedback_requests = as_objects(
        [r for r in rows if r["student_id"] not in students[4:6]]
    )
    report = await _report(uow, cohort_id)
    for key in ("sent", "answered", "answer_rate", "median_time", "expired", "declined"):
        assert getattr(report, f"feedback_{key}").withheld, key
    assert report.feedback_open == Figure(0)  # a count over the cohort's eight students
    assert report.feedback_actions == Figure(3)


def test_the_median_needs_five_students_with_an_answer() -> None:
    fewer = dataclasses.replace(EXPECTED_FEEDBACK, answered_students=4)
    cohort = Cohort(1, 1, "Hold A", Profession.NURSING, date(2027, 2, 1), date(2027, 6, 30))
    report = build_report(cohort, WINDOW, CohortActivity(students=8), fewer)
    assert report.feedback_answer_rate == Figure(5 / 9, Unit.SHARE)
    assert report.feedback_median_time.withheld


async def test_pulse_weeks_with_fewer_than_five_answers_are_withheld() -> None:
    uow = FakeUowFactory()
    cohort_id, _students, _outsider = await _cohort(uow, 6)
    await _answer_pulse(uow, cohort_id)
    assert (await _report(uow, cohort_id)).pulse == ()  # off: nothing shown
    async with uow() as tx:
        await tx.pulse.set_enabled(cohort_id, True)
        await tx.commit()
    report = await _report(uow, cohort_id)
    weeks = [w.week_start for w in report.pulse]
    assert weeks == [NOW.date() - timedelta(weeks=n) for n in range(5)]
    this, last, before, *empty = report.pulse
    assert this.withheld
    assert this.mean.withheld
    assert all(f.withheld for f in this.distribution)
    assert (last.answers, last.mean) == (Figure(6), Figure(pytest.approx(23 / 6), Unit.MEAN))
    assert [f.value for f in last.distribution] == [0, 1, 1, 2, 2]
    assert (before.answers.value, before.mean.value) == (5, 3.0)
    assert all(w.withheld for w in empty)
    text = report_text(report, gettext_for("da"), "da", "Europe/Copenhagen")
    assert "Uge fra 15-03-2027: færre end 5 svar" in text
    assert "Uge fra 08-03-2027: 6 svar, gennemsnit 3,8" in text
    assert "Svar pr. point: 1: 0 · 2: 1 · 3: 1 · 4: 2 · 5: 2" in text


def test_pulse_figures_of_a_week() -> None:
    week = date(2027, 3, 8)
    assert pulse_figures(week, {}).withheld
    assert pulse_figures(week, {1: 2, 5: 2}).withheld
    shown = pulse_figures(week, {1: 2, 5: 3})
    assert (shown.answers.value, shown.mean.value) == (5, pytest.approx(3.4))


@pytest.mark.parametrize(
    ("hours", "english", "danish"),
    [
        (0.4, "less than an hour", "under en time"),
        (1.2, "1 hour", "1 time"),
        (6.0, "6 hours", "6 timer"),
        (35.0, "35 hours", "35 timer"),
        (50.0, "2.1 days", "2,1 dage"),
        (72.0, "3 days", "3 dage"),
    ],
)
def test_durations_read_the_way_people_say_them(hours: float, english: str, danish: str) -> None:
    assert duration_text(hours, gettext_for("en"), "en") == english
    assert duration_text(hours, gettext_for("da"), "da") == danish
