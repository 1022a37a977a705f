"""The in-memory feedback repository answers as the SQL one does (the same scenarios as
tests/integration/test_feedback_storage.py), so the service tests on it mean something."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.services.feedback.types import NudgeMove, RequestStatus
from tests.unit.feedback_world import ANNA, BO, NOW, VERA, World


@pytest.fixture
async def w() -> World:
    return await World().build()


async def test_request_moves_are_compare_and_set(w: World) -> None:
    student = w.ids[ANNA]
    async with w.uow() as uow:
        request = await uow.feedback.add(student, None, NOW)
        assert (await uow.feedback.current_for(student)).id == request.id  # type: ignore[union-attr]
        first = await uow.feedback.move(
            request.id, [RequestStatus.DRAFT], status=RequestStatus.READY, situation="Stuegang"
        )
        again = await uow.feedback.move(request.id, [RequestStatus.DRAFT], situation="x")
        missing = await uow.feedback.move(999, [RequestStatus.DRAFT], situation="x")
        await uow.commit()
    assert first is not None
    assert (first.status, first.situation) == (RequestStatus.READY, "Stuegang")
    assert again is None  # a double tap changes nothing
    assert missing is None
    assert w.request(request.id).situation == "Stuegang"


async def test_what_is_not_committed_is_rolled_back(w: World) -> None:
    async with w.uow() as uow:
        await uow.feedback.add(w.ids[ANNA], None, NOW)
        await uow.feedback.ensure_nudges()
    assert w.uow.store.feedback_requests == {}
    assert w.uow.store.feedback_nudges == {}


async def test_waiting_reminders_and_expiry(w: World) -> None:
    student, supervisor = w.ids[ANNA], w.ids[VERA]
    async with w.uow() as uow:
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
        assert [r.id for r in await uow.feedback.due_reminders(later, 1)] == ids[:1]
        expired = await uow.feedback.due_expiry(NOW + timedelta(days=15, hours=1), 10)
        assert [r.id for r in expired] == ids[:2]
        assert (await uow.feedback.current_for(student)).id == verbal.id  # type: ignore[union-attr]
        # The supervisor's half-written feedback is not the student's current request.
        await uow.feedback.move(verbal.id, [RequestStatus.ANSWERING], verbal=False)
        assert await uow.feedback.current_for(student) is None
        assert [r.id for r in await uow.feedback.for_student(student, 2)] == [verbal.id, ids[2]]


async def test_nudge_rows_are_kept_for_every_student(w: World) -> None:
    first, second = w.ids[ANNA], w.ids[BO]
    async with w.uow() as uow:
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
    assert w.uow.store.feedback_nudges[first] == (later, later.date())
    assert len(w.uow.store.feedback_nudges) == 2
