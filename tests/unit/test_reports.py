"""The coordinator view on fakes: the figures, the minimum group size and the role check."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.services.identity.access import Actor
from bot.services.identity.domain import Profession, Question, Role, SupervisionLink
from bot.services.kernel.errors import NotAllowed, NotFound
from bot.services.kernel.figures import MIN_GROUP
from bot.services.reflection.types import Answer, EntryStatus, NewReflection
from bot.services.reports.service import ReportService, window_for
from bot.services.reports.types import SECTIONS, CohortReport, Figure, Unit
from tests.support import ManualClock
from tests.unit.fakes import FakeUnitOfWork, FakeUowFactory

NOW = datetime(2027, 3, 15, 12, 0, tzinfo=UTC)  # six weeks into the placement
SECRET = "Patienten i stue 4 var bange"


class Cohort:
    """A cohort with students, two supervisors and a coordinator, in a fake store."""

    def __init__(self, uow: FakeUowFactory, cohort_id: int, students: list[int]) -> None:
        self.uow, self.id, self.students = uow, cohort_id, students
        self.coordinator = Actor("person:c", students[-1] + 3)

    async def reflect(self, person_id: int, *, ago: timedelta, slot: bool, done: bool) -> None:
        """Store an entry created `ago` before NOW, finished right away when `done`."""
        created = NOW - ago
        slot_date = created.date() if slot else None
        entry = NewReflection(
            person_id, self.id, "rolfe-1", created.date(), created, slot_date=slot_date
        )
        async with self.uow() as uow:
            row = await uow.reflections.add(entry)
            if done:
                answers = (Answer("what", "Hvad skete der?", SECRET),)
                await uow.reflections.update(
                    row.id, status=EntryStatus.DONE, step=1, answers=answers, completed_at=created
                )
            await uow.commit()


async def _cohort(uow: FakeUowFactory, size: int) -> Cohort:
    """Create a cohort with `size` students (the first linked to a supervisor)."""
    async with uow() as tx:
        cohort = await tx.cohorts.add(
            1, f"Hold {size}", Profession.NURSING, date(2027, 2, 1), date(2027, 6, 30)
        )
        people = []
        for index in range(size + 3):
            person = await tx.people.add(100 * size + index, "X", "da", "UTC", NOW)
            people.append(person.id)
        students, (sup_a, sup_b, coordinator) = people[:size], people[size:]
        await _members(tx, cohort.id, students, sup_a, sup_b, coordinator)
        await tx.commit()
    return Cohort(uow, cohort.id, students)


async def _members(tx: FakeUnitOfWork, cohort_id: int, students: list[int], *staff: int) -> None:
    for student in students:
        await tx.memberships.add(student, cohort_id, Role.STUDENT)
    await tx.memberships.add(staff[0], cohort_id, Role.SUPERVISOR)
    await tx.memberships.add(staff[1], cohort_id, Role.SUPERVISOR)
    await tx.memberships.add(staff[2], cohort_id, Role.COORDINATOR)
    await tx.links.add(SupervisionLink(cohort_id, staff[0], students[0]), None)


def _values(report: CohortReport) -> dict[str, float | None]:
    return {key: figure.value for key, figure in report.rows()}


@pytest.fixture
def uow() -> FakeUowFactory:
    return FakeUowFactory()


def _service(uow: FakeUowFactory) -> ReportService:
    return ReportService(uow, ManualClock(NOW))


async def test_figures_of_a_cohort_large_enough(uow: FakeUowFactory) -> None:
    hold = await _cohort(uow, 6)
    for student in hold.students[:5]:  # five students answer a prompt each this week ...
        await hold.reflect(student, ago=timedelta(days=1), slot=True, done=True)
        await hold.reflect(student, ago=timedelta(days=15), slot=False, done=True)
    await hold.reflect(hold.students[5], ago=timedelta(days=2), slot=True, done=False)
    await hold.reflect(hold.students[0], ago=timedelta(days=40), slot=True, done=True)  # old
    async with uow() as tx:
        await tx.goals.add(hold.students[0], hold.id, SECRET, NOW)
        goal = await tx.goals.add(hold.students[1], hold.id, "Mål", NOW)
        await tx.goals.update(goal.id, completed_at=NOW)
        await tx.reflections.update(1, shared_at=NOW)
        for index, abstained in enumerate((True, False, True)):
            await tx.questions.add(
                Question(0, SECRET, "da", NOW - timedelta(hours=index), 1, hold.id, abstained, 0.1)
            )
        await tx.commit()
    report = await _service(uow).cohort_report(hold.coordinator, hold.id)
    assert _values(report) == {
        "students": 6,
        "supervisors": 2,
        "linked_students": 1,
        "active_students": 5,
        "prompts_sent": 6,
        "prompts_answered": 5,
        "answer_rate": pytest.approx(5 / 6),
        "reflections_per_writer_week": pytest.approx(10 / 5 / 4),
        "shared_entries": 1,
        "students_with_goal": pytest.approx(2 / 6),
        "goals_set": 2,
        "goals_reached": 1,
        "questions_asked": 3,
        "questions_unanswered": 2,
        # no student sent a feedback request: those figures are about fewer than five
        "feedback_sent": None,
        "feedback_answered": None,
        "feedback_answer_rate": None,
        "feedback_median_time": None,
        "feedback_open": 0,
        "feedback_expired": None,
        "feedback_declined": None,
        "feedback_verbal": 0,
        "feedback_actions": 0,
        "conversations_due": 0,
        "conversations_planned": 0,
        "conversations_overdue": 0,
    }
    assert (report.pulse_enabled, report.pulse) == (False, ())
    assert report.answer_rate.unit is Unit.SHARE
    assert SECRET not in repr(report)


async def test_fewer_than_five_students_withholds_behaviour_but_not_enrolment(
    uow: FakeUowFactory,
) -> None:
    hold = await _cohort(uow, MIN_GROUP - 1)
    for student in hold.students:
        await hold.reflect(student, ago=timedelta(days=1), slot=True, done=True)
    report = await _service(uow).cohort_report(hold.coordinator, hold.id)
    values = _values(report)
    shown = {"students": 4, "supervisors": 2, "linked_students": 1}
    assert {k: v for k, v in values.items() if v is not None} == shown
    assert all(f.withheld for key, f in report.rows() if key not in shown)


async def test_a_rate_over_fewer_than_five_students_is_withheld(uow: FakeUowFactory) -> None:
    hold = await _cohort(uow, 8)
    for student in hold.students[:4]:  # only four students got prompts this week
        await hold.reflect(student, ago=timedelta(days=1), slot=True, done=True)
    report = await _service(uow).cohort_report(hold.coordinator, hold.id)
    assert report.active_students == Figure(4)
    for figure in (report.prompts_sent, report.prompts_answered, report.answer_rate):
        assert figure.withheld
    assert report.reflections_per_writer_week.withheld
    assert report.students_with_goal == Figure(0.0, Unit.SHARE)


async def test_only_the_cohorts_coordinators_and_operators_may_see_it(
    uow: FakeUowFactory,
) -> None:
    hold, other = await _cohort(uow, 5), await _cohort(uow, 6)
    service = _service(uow)
    for person_id in (hold.students[0], hold.students[0] + 5, other.coordinator.person_id):
        with pytest.raises(NotAllowed):
            await service.cohort_report(Actor("person:x", person_id), hold.id)
    assert (await service.cohort_report(Actor.cli(), hold.id)).students == Figure(5)
    with pytest.raises(NotFound):
        await service.cohort_report(Actor.cli(), 999)
    with pytest.raises(NotAllowed):  # a non-coordinator learns nothing, not even existence
        await service.cohort_report(hold.coordinator, 999)


async def test_window_is_the_last_week_and_four_weeks_or_the_placement_so_far(
    uow: FakeUowFactory,
) -> None:
    hold = await _cohort(uow, 5)
    async with uow() as tx:
        cohort = await tx.cohorts.get(hold.id)
    assert cohort is not None
    window = window_for(cohort, NOW)
    assert (window.week_start, window.period_start) == (
        NOW - timedelta(days=7),
        NOW - timedelta(days=28),
    )
    early = datetime(2027, 2, 4, 9, 0, tzinfo=UTC)
    assert window_for(cohort, early).period_from == date(2027, 2, 1)
    before = datetime(2027, 1, 20, tzinfo=UTC)
    assert window_for(cohort, before).period_start == before


def test_every_figure_has_a_place_in_a_section() -> None:
    figures = {f.name for f in fields(CohortReport) if f.type == "Figure"}
    placed = [key for _section, keys in SECTIONS for key in keys]
    assert sorted(placed) == sorted(figures)
