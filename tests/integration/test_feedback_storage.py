"""Issue #6: feedback requests and nudges on real SQLite and PostgreSQL: compare-and-set
moves, what waits for whom, due reminders and expiry, and the nudge rows the tick keeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.services.feedback.types import NudgeMove, RequestStatus
from bot.storage.feedback.models import FeedbackNudgeRow
from bot.storage.uow import SqlUnitOfWorkFactory
from tests.integration.seed import enrol_student
from tests.support import ManualClock

NOW = datetime(2027, 2, 8, 12, 0, tzinfo=UTC)


async def test_request_moves_are_compare_and_set(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = ManualClock(NOW)
    student = await enrol_student(uow_factory, clock, 601)
    async with uow_factory() as uow:
        request = await uow.feedback.add(student, None, NOW)
        assert (await uow.feedback.current_for(student)).id == request.id  # type: ignore[union-attr]
        first = await uow.feedback.move(
            request.id, [RequestStatus.DRAFT], status=RequestStatus.READY, situation="Stuegang"
        )
        again = await uow.feedback.move(request.id, [RequestStatus.DRAFT], situation="x")
        await uow.commit()
    assert first is not None
    assert (first.status, first.situation) == (RequestStatus.READY, "Stuegang")
    assert again is None  # a double tap changes nothing


async def test_waiting_reminders_and_expiry(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = ManualClock(NOW)
    student = await enrol_student(uow_factory, clock, 602)
    supervisor = await enrol_student(uow_factory, clock, 603)
    async with uow_factory() as uow:
        ids = []
        for days in (0, 1, 2):
            request = await uow.feedback.add(student, None, NOW)
            await uow.feedback.move(
                request.id,
                [RequestStatus.DRAFT],
                status=RequestStatus.OPEN,
                supervisor_id=supervisor,
                sent_at=NOW,
                remind_at=NOW + timedelta(days=3 + days),
                expires_at=NOW + timedelta(days=14 + days),
            )
            ids.append(request.id)
        verbal = await uow.feedback.add(student, None, NOW)
        await uow.feedback.move(
            verbal.id,
            [RequestStatus.DRAFT],
            status=RequestStatus.ANSWERING,
            verbal=True,
            supervisor_id=supervisor,
            expires_at=NOW,
        )
        await uow.commit()
        waiting = await uow.feedback.waiting_for(supervisor)
        assert [r.id for r in waiting] == ids  # oldest first, verbal ones are the student's
        later = NOW + timedelta(days=4, hours=1)
        assert [r.id for r in await uow.feedback.due_reminders(later, 10)] == ids[:2]
        expired = await uow.feedback.due_expiry(NOW + timedelta(days=15, hours=1), 10)
        assert [r.id for r in expired] == ids[:2]
        assert (await uow.feedback.current_for(student)).id == verbal.id  # type: ignore[union-attr]


async def test_nudge_rows_are_kept_for_every_student(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory
) -> None:
    clock = ManualClock(NOW)
    first = await enrol_student(uow_factory, clock, 604)
    second = await enrol_student(uow_factory, clock, 605)
    async with uow_factory() as uow:
        assert await uow.feedback.ensure_nudges() == 2
        assert await uow.feedback.ensure_nudges() == 0
        await uow.commit()
        due = await uow.feedback.due_nudges(NOW, 10)
        assert {d.person.id for d in due} == {first, second}  # not computed yet
        assert all(d.next_at is None and d.cohort is not None for d in due)
        moment = NOW + timedelta(days=1)
        await uow.feedback.advance_nudges(
            [NudgeMove(first, None, moment, moment.date()), NudgeMove(second, None, moment, None)]
        )
        # A second, stale move expecting NULL changes nothing.
        await uow.feedback.advance_nudges([NudgeMove(first, None, NOW, None)])
        await uow.commit()
        assert await uow.feedback.due_nudges(NOW, 10) == []
        due = await uow.feedback.due_nudges(moment, 10)
        assert {(d.person.id, d.next_date) for d in due} == {
            (first, moment.date()),
            (second, None),
        }
        later = moment + timedelta(days=2)
        await uow.feedback.advance_nudges([NudgeMove(first, moment, later, later.date())])
        await uow.feedback.advance_nudges([NudgeMove(first, moment, NOW, NOW.date())])  # stale
        await uow.commit()
    async with engine.connect() as conn:
        stored = (
            await conn.execute(
                select(FeedbackNudgeRow.next_at).where(FeedbackNudgeRow.person_id == first)
            )
        ).scalar_one()
        total = (await conn.execute(select(func.count()).select_from(FeedbackNudgeRow))).scalar()
    assert stored == later
    assert total == 2
