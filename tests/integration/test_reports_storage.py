"""The report aggregates on real SQLite and PostgreSQL: exact counts, computed in a fixed
number of statements, and the same counts as the in-memory fake (so unit tests hold)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.services.identity.domain import Profession, Question, Role, SupervisionLink
from bot.services.reflection.types import Answer, EntryStatus, NewReflection
from bot.services.reports.types import CohortActivity, Window
from bot.storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from tests.unit.fakes import FakeUowFactory

NOW = datetime(2027, 3, 15, 12, 0, tzinfo=UTC)
WINDOW = Window(week_start=NOW - timedelta(days=7), period_start=NOW - timedelta(days=28), now=NOW)
EXPECTED = CohortActivity(
    students=7,
    supervisors=2,
    linked_students=2,
    active_students=7,
    prompted_students=6,
    prompts_sent=7,
    prompts_answered=5,
    period_entries=9,
    period_writers=6,
    students_with_goal=2,
    goals_set=3,
    goals_reached=1,
    shared_entries=1,
    questions_asked=3,
    questions_unanswered=2,
)


async def _entry(
    uow: SqlUnitOfWork,
    person: int,
    cohort: int,
    days_ago: float,
    *,
    slot: bool = True,
    status: EntryStatus = EntryStatus.DONE,
) -> int:
    """Store an entry created `days_ago` (finished then when done); return its id."""
    created = NOW - timedelta(days=days_ago)
    day = created.date()
    new = NewReflection(person, cohort, "rolfe-1", day, created, slot_date=day if slot else None)
    row = await uow.reflections.add(new)
    answers = (Answer("what", "Hvad skete der?", "privat tekst"),)
    fields: dict[str, object] = {"status": status, "step": 1, "answers": answers}
    if status is EntryStatus.DONE:
        fields["completed_at"] = created
    await uow.reflections.update(row.id, **fields)
    return row.id


async def _people(uow: SqlUnitOfWork, cohort_a: int, cohort_b: int) -> tuple[list[int], list[int]]:
    """Seven students and two supervisors in A; the first student is in B too."""
    ids = [(await uow.people.add(1000 + n, "X", "da", "UTC", NOW)).id for n in range(11)]
    students, (sup0, sup1, coordinator, b_only) = ids[:7], ids[7:]
    for person in students:
        await uow.memberships.add(person, cohort_a, Role.STUDENT)
    for person in (sup0, sup1):
        await uow.memberships.add(person, cohort_a, Role.SUPERVISOR)
    await uow.memberships.add(coordinator, cohort_a, Role.COORDINATOR)
    await uow.memberships.add(students[0], cohort_b, Role.STUDENT)
    await uow.memberships.add(b_only, cohort_b, Role.SUPERVISOR)
    for supervisor, student in ((sup0, students[0]), (sup0, students[1]), (sup1, students[1])):
        await uow.links.add(SupervisionLink(cohort_a, supervisor, student), None)
    await uow.links.add(SupervisionLink(cohort_b, b_only, students[0]), None)
    return students, [sup0, sup1]


async def _reflections(uow: SqlUnitOfWork, a: int, b: int, s: list[int], sup: list[int]) -> None:
    for student in s[:5]:  # five answered prompts this week
        await _entry(uow, student, a, 1)
    await _entry(uow, s[5], a, 2, status=EntryStatus.ANSWERING)  # wrote, not finished
    await _entry(uow, s[6], a, 3, slot=False)  # self-started, finished
    await _entry(uow, s[3], a, 3, status=EntryStatus.SKIPPED)  # a prompt, skipped
    await _entry(uow, s[0], a, 20, slot=False)  # in the four weeks, not this week
    await _entry(uow, s[1], a, 10)
    await _entry(uow, s[2], a, 35)  # before the four weeks
    await _entry(uow, sup[0], a, 1)  # not a student: never counted
    await _entry(uow, s[0], b, 1.5, slot=False)  # another cohort
    shared = await _entry(uow, s[0], a, 2, slot=False)
    await uow.reflections.update(shared, shared_at=NOW)


async def _goals_and_questions(uow: SqlUnitOfWork, a: int, b: int, s: list[int], sup: int) -> None:
    reached = await uow.goals.add(s[0], a, "mål", NOW)
    await uow.goals.update(reached.id, completed_at=NOW)
    await uow.goals.add(s[0], a, "mål", NOW)
    await uow.goals.add(s[1], a, "mål", NOW)
    await uow.goals.add(sup, a, "mål", NOW)  # not a student
    await uow.goals.add(s[0], b, "mål", NOW)  # another cohort
    for hours, cohort, abstained in ((1, a, True), (30, a, False), (50, a, True), (200, a, True)):
        asked = NOW - timedelta(hours=hours)  # the last one is older than a week
        await uow.questions.add(Question(0, "?", "da", asked, s[2], cohort, abstained, 0.1))
    await uow.questions.add(Question(0, "?", "da", NOW, s[0], b, True, 0.1))
    await uow.questions.add(Question(0, "?", "da", NOW, None, None, True, 0.1))


async def _seed(factory: SqlUnitOfWorkFactory) -> int:
    """Store the scenario; return the id of cohort A."""
    async with factory() as uow:
        org = await uow.organisations.get_or_create_organisation("Region H")
        dept = await uow.organisations.add_department(org.id, "M2", "m2")
        start, end = date(2027, 2, 1), date(2027, 6, 30)
        a = (await uow.cohorts.add(dept.id, "A", Profession.NURSING, start, end)).id
        b = (await uow.cohorts.add(dept.id, "B", Profession.NURSING, start, end)).id
        students, supervisors = await _people(uow, a, b)
        await _reflections(uow, a, b, students, supervisors)
        await _goals_and_questions(uow, a, b, students, supervisors[0])
        await uow.commit()
    return a


@contextmanager
def _statements(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def test_cohort_activity_counts_in_sql(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    cohort = await _seed(uow_factory)
    async with uow_factory() as uow:
        with _statements(engine) as statements:
            counts = await uow.reports.cohort_activity(cohort, WINDOW)
    assert counts == EXPECTED
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 5, "one aggregate query per kind, whatever the cohort's size"
    assert all("count(" in s.lower() for s in selects)
    async with uow_factory() as uow:
        assert await uow.reports.cohort_activity(cohort + 1, WINDOW) == CohortActivity(
            students=1, supervisors=1, linked_students=1, active_students=1, period_entries=1,
            period_writers=1, students_with_goal=1, goals_set=1, questions_asked=1,
            questions_unanswered=1,
        )  # fmt: skip


async def test_the_fake_counts_the_same() -> None:
    fake = FakeUowFactory()
    cohort = await _seed(fake)
    async with fake() as uow:
        assert await uow.reports.cohort_activity(cohort, WINDOW) == EXPECTED
