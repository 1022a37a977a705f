"""Feedback, conversation and pulse aggregates on real SQLite and PostgreSQL: exact counts,
the median in SQL, overdue conversations, the pulse's minimum group, a fixed number of
statements whatever the cohort's size, and the same counts as the in-memory fakes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sqlalchemy import event, insert
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.services.identity.access import Actor
from bot.services.identity.domain import Profession, Role
from bot.services.pulse.types import PulseAsk
from bot.services.reports.service import ReportService
from bot.storage.conversations.models import ConversationRow
from bot.storage.feedback.models import FeedbackRequestRow
from bot.storage.uow import SqlUnitOfWorkFactory
from tests.support import ManualClock
from tests.unit.fakes import FakeUowFactory
from tests.unit.report_scenario import (
    EXPECTED_CONVERSATIONS,
    EXPECTED_FEEDBACK,
    NOW,
    OVERDUE_BEFORE,
    PULSE_SCORES,
    TODAY,
    WINDOW,
    as_objects,
    conversation_rows,
    feedback_rows,
)


async def _cohort(
    factory: SqlUnitOfWorkFactory, size: int, first: int = 0
) -> tuple[int, list[int]]:
    """Create a cohort with `size` students, a supervisor and a coordinator."""
    async with factory() as uow:
        org = await uow.organisations.get_or_create_organisation("Region H")
        dept = await uow.organisations.add_department(org.id, f"M{first}", f"m{first}")
        cohort = await uow.cohorts.add(
            dept.id, f"A{first}", Profession.NURSING, date(2027, 2, 1), date(2027, 6, 30)
        )
        ids = [
            (await uow.people.add(3000 + first + n, "X", "da", "UTC", NOW)).id
            for n in range(size + 2)
        ]
        for student in ids[:size]:
            await uow.memberships.add(student, cohort.id, Role.STUDENT)
        await uow.memberships.add(ids[size], cohort.id, Role.SUPERVISOR)
        await uow.memberships.add(ids[size + 1], cohort.id, Role.COORDINATOR)
        await uow.commit()
    return cohort.id, ids


async def _seed_sql(engine: AsyncEngine, factory: SqlUnitOfWorkFactory, first: int = 0) -> int:
    """Store the scenario in SQL (requests and conversations inserted as rows)."""
    cohort, ids = await _cohort(factory, 6, first)
    students, supervisor = ids[:6], ids[6]
    async with engine.begin() as conn:
        await conn.execute(insert(FeedbackRequestRow), feedback_rows(students, cohort, supervisor))
        await conn.execute(insert(ConversationRow), conversation_rows(students, cohort))
    await _pulse(factory, cohort, ids)
    return cohort


async def _pulse(factory: SqlUnitOfWorkFactory, cohort: int, people: list[int]) -> None:
    """Ask people each week of the scenario and record their scores (one each a week)."""
    async with factory() as uow:
        for week, scores in PULSE_SCORES.items():
            for person, score in zip(people, scores, strict=False):
                await uow.pulse.add_asks([PulseAsk(person, week, cohort, NOW)])
                assert await uow.pulse.record(person, week, score)
        await uow.pulse.mix(5, date.max)  # every ballot counted, as after the weeks
        await uow.commit()


@contextmanager
def _selects(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def test_feedback_and_conversation_counts_in_sql(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    cohort = await _seed_sql(engine, uow_factory)
    async with uow_factory() as uow:
        with _selects(engine) as statements:
            feedback = await uow.reports.feedback_counts(cohort, WINDOW)
            conversations = await uow.reports.conversation_counts(cohort, TODAY, OVERDUE_BEFORE)
    assert feedback == EXPECTED_FEEDBACK
    assert conversations == EXPECTED_CONVERSATIONS
    assert len(statements) == 3, "two for the requests (counts, median), one for conversations"


async def test_the_median_of_an_even_number_is_the_mean_of_the_middle_two(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    cohort, ids = await _cohort(uow_factory, 6)
    rows = [r for r in feedback_rows(ids[:6], cohort, ids[6]) if r["answered_at"] is None]
    scenario = feedback_rows(ids[:6], cohort, ids[6])
    answered = [r for r in scenario if r["answered_at"] and not r["verbal"]][:4]  # 2, 4, 30, 6 h
    async with engine.begin() as conn:
        await conn.execute(insert(FeedbackRequestRow), rows + answered)
    async with uow_factory() as uow:
        counts = await uow.reports.feedback_counts(cohort, WINDOW)
        empty = await uow.reports.feedback_counts(cohort + 1, WINDOW)
    assert counts.median_seconds == 5 * 3600.0  # (4 + 6) / 2 hours
    assert (empty.sent, empty.median_seconds) == (0, None)


async def test_pulse_distribution_and_its_minimum_group(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    cohort = await _seed_sql(engine, uow_factory)
    service = ReportService(uow_factory, ManualClock(NOW))
    assert (await service.cohort_report(Actor.cli(), cohort)).pulse == ()  # off by default
    async with uow_factory() as uow:
        await uow.pulse.set_enabled(cohort, True)
        await uow.commit()
        first, last = date(2027, 3, 1), date(2027, 3, 15)
        with _selects(engine) as statements:
            found = await uow.pulse.distribution(cohort, first, last)
    assert len(statements) == 1
    assert found == {
        date(2027, 3, 15): {5: 1, 4: 2, 3: 1},
        date(2027, 3, 8): {5: 2, 4: 2, 3: 1, 2: 1},
        date(2027, 3, 1): {3: 5},
    }
    report = await service.cohort_report(Actor.cli(), cohort)
    shown = {w.week_start: (w.answers.value, w.mean.value) for w in report.pulse}
    assert shown == {
        date(2027, 3, 15): (None, None),  # four answers: withheld
        date(2027, 3, 8): (6, 23 / 6),
        date(2027, 3, 1): (5, 3.0),
        date(2027, 2, 22): (None, None),
        date(2027, 2, 15): (None, None),
    }


async def test_the_report_costs_the_same_statements_for_a_bigger_cohort(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    small = await _seed_sql(engine, uow_factory)
    big, ids = await _cohort(uow_factory, 60, first=100)
    async with engine.begin() as conn:
        for offset in range(0, 60, 6):
            students = ids[offset : offset + 6]
            await conn.execute(insert(FeedbackRequestRow), feedback_rows(students, big, ids[60]))
            await conn.execute(insert(ConversationRow), conversation_rows(students, big))
    async with uow_factory() as uow:
        for cohort in (small, big):
            await uow.pulse.set_enabled(cohort, True)
        await uow.commit()
    service = ReportService(uow_factory, ManualClock(NOW))
    counts = []
    for cohort in (small, big):
        with _selects(engine) as statements:
            report = await service.cohort_report(Actor.cli(), cohort)
        counts.append(len(statements))
    assert counts[0] == counts[1]
    assert report.feedback_sent.value == 90
    assert report.conversations_overdue.value == 20


async def test_the_fakes_count_the_same() -> None:
    fake = FakeUowFactory()
    cohort, ids = await _cohort(fake, 6)
    fake.store.feedback_requests = as_objects(feedback_rows(ids[:6], cohort, ids[6]))
    fake.store.conversations = as_objects(conversation_rows(ids[:6], cohort))
    async with fake() as uow:
        assert await uow.reports.feedback_counts(cohort, WINDOW) == EXPECTED_FEEDBACK
        counts = await uow.reports.conversation_counts(cohort, TODAY, OVERDUE_BEFORE)
        assert counts == EXPECTED_CONVERSATIONS
