"""Feedback on fakes, the supervisor's side: what waits, answering in SBI form with one-tap
takeovers of the student's own words, the feedback reaching the student through the outbox and
her action landing in the logbook, declining, passing on to a colleague of the cohort, and
what is refused (other people, forged and stale ids)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.services.feedback.access import Closed
from bot.services.feedback.service import Ask, Given, Saved
from bot.services.feedback.types import RequestStatus
from bot.services.kernel.errors import Invalid, NotAllowed, NotFound
from tests.unit.feedback_world import (
    ANNA,
    BO,
    IMPROVE,
    KIM,
    NOW,
    SITUATION,
    ULLA,
    VERA,
    WELL,
    World,
    buttons,
)

ADJUST = "Say what the tablets are for before you hand them over."


@pytest.fixture
async def w() -> World:
    return await World().build()


async def _answer(w: World, rid: int, tid: int = VERA) -> Given:
    """Write the whole feedback, taking over the student's words where a button offers it."""
    ask = await w.supervisor.answer(tid, rid)
    result: object = ask
    for step in ("fb_situation", "fb_behaviour", "fb_impact", "fb_well", "fb_adjust"):
        assert isinstance(result, Ask)
        assert result.field == step
        if result.quick is not None and step != "fb_adjust":
            result = await w.service.quick(tid, rid, step)
        else:
            result = await w.service.write(tid, rid, f"{step}: " + ADJUST)
    assert isinstance(result, Given)
    return result


async def test_the_whole_loop_ends_with_the_action_in_the_logbook(w: World) -> None:
    rid = await w.sent()
    [waiting] = await w.supervisor.waiting(VERA)
    assert (waiting.request.id, waiting.student) == (rid, "Anna")
    ask = await w.supervisor.answer(VERA, rid)
    assert (ask.field, ask.number, ask.total, ask.by_student) == ("fb_situation", 1, 5, False)
    assert ask.quick == SITUATION
    assert w.request(rid).status is RequestStatus.ANSWERING
    assert w.person(VERA).awaiting == f"fb:{rid}"
    assert await w.supervisor.waiting(VERA)  # still hers while she writes
    w.clock.advance(hours=2)
    given = await _answer(w, rid)
    assert given.student.id == w.ids[ANNA]
    stored = w.request(rid)
    assert (stored.status, stored.answered_at, stored.step) == (
        RequestStatus.ANSWERED,
        NOW + timedelta(hours=2),
        0,
    )
    assert (stored.fb_situation, stored.fb_well) == (SITUATION, WELL)  # taken over
    assert stored.fb_adjust == "fb_adjust: " + ADJUST
    assert w.person(VERA).awaiting is None
    assert await w.supervisor.waiting(VERA) == []
    [feedback] = w.to(ANNA)
    assert feedback.dedupe_key == f"fb:{rid}:given"
    assert feedback.not_before == NOW + timedelta(hours=2)
    assert "Feedback fra Vera" in feedback.payload["text"]  # in Anna's Danish
    assert ADJUST in feedback.payload["text"]
    assert WELL in feedback.payload["text"]
    assert buttons(feedback) == [f"fb:act:{rid}"]
    # The student writes her action; it lands in the logbook with everything else.
    ask = await w.service.act(ANNA, rid)
    assert (ask.field, ask.by_student) == ("action", True)
    assert w.person(ANNA).awaiting == f"fb:{rid}"
    assert (await w.service.act(ANNA, rid)).field == "action"  # a double tap
    saved = await w.service.write(ANNA, rid, "Jeg forklarer hver tablet")
    assert isinstance(saved, Saved)
    done = w.request(rid)
    assert (done.status, done.action, done.closed_at, done.entry_id) == (
        RequestStatus.DONE,
        "Jeg forklarer hver tablet",
        NOW + timedelta(hours=2),
        saved.entry.id,
    )
    entry = w.uow.store.reflections[saved.entry.id]
    texts = [a.text for a in entry.answers]
    assert texts[:3] == [SITUATION, WELL, IMPROVE]
    assert texts[-1] == "Jeg forklarer hver tablet"
    assert len(texts) == 9
    assert w.person(ANNA).awaiting is None
    assert len(w.to(ANNA)) == 1
    assert len(w.to(VERA)) == 1
    # Stale presses on the finished request are refused.
    for action in (w.supervisor.answer, w.supervisor.decline, w.supervisor.request):
        with pytest.raises(Closed):
            await action(VERA, rid)
    with pytest.raises(Closed):
        await w.service.act(ANNA, rid)


async def test_a_double_tap_on_give_feedback_shows_the_same_step(w: World) -> None:
    rid = await w.sent()
    await w.supervisor.answer(VERA, rid)
    await w.service.quick(VERA, rid, "fb_situation")
    again = await w.supervisor.answer(VERA, rid)
    assert (again.field, again.number) == ("fb_behaviour", 2)
    with pytest.raises(Invalid):
        await w.service.quick(VERA, rid, "fb_situation")  # a stale button
    with pytest.raises(Invalid):
        await w.service.quick(VERA, rid, "fb_behaviour")  # no words to take over here
    assert w.request(rid).step == 1


async def test_the_student_cannot_write_the_supervisors_feedback(w: World) -> None:
    rid = await w.sent()
    await w.supervisor.answer(VERA, rid)
    with pytest.raises(Closed):
        await w.service.write(ANNA, rid, "Jeg var fantastisk")
    with pytest.raises(Closed):
        await w.service.quick(ANNA, rid, "fb_situation")
    with pytest.raises(Closed):
        await w.service.write(KIM, rid, "I was not asked")
    assert w.request(rid).fb_situation is None
    assert w.request(rid).step == 0


async def test_declining_tells_the_student_kindly_and_allows_verbal_feedback(w: World) -> None:
    rid = await w.sent()
    await w.supervisor.answer(VERA, rid)  # she started, then found she cannot
    w.clock.advance(days=1)
    assert await w.supervisor.decline(VERA, rid) == "Anna"
    stored = w.request(rid)
    assert (stored.status, stored.closed_at) == (RequestStatus.DECLINED, NOW + timedelta(days=1))
    assert w.person(VERA).awaiting is None  # her next text goes elsewhere
    [note] = w.to(ANNA)
    assert note.dedupe_key == f"fb:{rid}:declined"
    assert "Vera" in note.payload["text"]
    assert buttons(note) == [f"fb:verbal:{rid}"]
    with pytest.raises(Closed):
        await w.supervisor.decline(VERA, rid)  # a double tap
    assert len(w.to(ANNA)) == 1
    assert await w.supervisor.waiting(VERA) == []
    ask = await w.service.verbal(ANNA, rid)
    assert ask.field == "fb_situation"
    assert ask.by_student
    with pytest.raises(NotFound):
        await w.supervisor.answer(VERA, rid)  # verbal feedback is the student's


async def test_passing_on_to_a_colleague_of_the_cohort(w: World) -> None:
    rid = await w.sent()
    colleagues = await w.supervisor.colleagues(VERA, rid)
    assert [c.display_name for c in colleagues] == ["Kim"]  # not Vera, Ole, Ulla or students
    await w.supervisor.answer(VERA, rid)
    await w.service.quick(VERA, rid, "fb_situation")
    for other in (BO, ULLA, VERA):
        with pytest.raises(NotFound):
            await w.supervisor.pass_to(VERA, rid, w.ids[other])
    w.clock.advance(days=2)
    kim = await w.supervisor.pass_to(VERA, rid, w.ids[KIM])
    assert kim.display_name == "Kim"
    stored = w.request(rid)
    later = NOW + timedelta(days=2)
    assert (stored.status, stored.supervisor_id, stored.passed_from_id, stored.step) == (
        RequestStatus.OPEN,
        w.ids[KIM],
        w.ids[VERA],
        0,
    )
    # the request keeps its age (the student has waited since then); Kim is reminded in 3 days
    assert (stored.sent_at, stored.remind_at) == (NOW, later + timedelta(days=3))
    assert w.person(VERA).awaiting is None
    [to_kim] = w.to(KIM)
    assert "Vera har givet denne anmodning videre til dig" in to_kim.payload["text"]
    assert SITUATION in to_kim.payload["text"]
    assert buttons(to_kim) == [f"fq:go:{rid}", f"fq:pass:{rid}", f"fq:no:{rid}"]
    [to_anna] = w.to(ANNA)
    assert "Vera har givet din anmodning om feedback videre til Kim" in to_anna.payload["text"]
    # Vera's copy no longer works; Kim's does.
    for action in (w.supervisor.answer, w.supervisor.decline, w.supervisor.colleagues):
        with pytest.raises(Closed):
            await action(VERA, rid)
    with pytest.raises(Closed):
        await w.service.write(VERA, rid, "too late")
    assert await w.supervisor.waiting(VERA) == []
    assert [x.request.id for x in await w.supervisor.waiting(KIM)] == [rid]
    assert (await w.supervisor.request(KIM, rid)).student == "Anna"
    ask = await w.supervisor.answer(KIM, rid)
    assert ask.field == "fb_situation"  # Kim starts from the first step
    given = await _answer(w, rid, KIM)
    assert given.request.supervisor_id == w.ids[KIM]
    assert "Feedback fra Kim" in w.to(ANNA)[-1].payload["text"]


async def test_a_request_outside_a_cohort_has_no_colleagues(w: World) -> None:
    rid = await w.sent()
    async with w.uow() as uow:
        await uow.feedback.move(rid, [RequestStatus.OPEN], cohort_id=None)
        await uow.commit()
    assert await w.supervisor.colleagues(VERA, rid) == []
    with pytest.raises(NotFound):
        await w.supervisor.pass_to(VERA, rid, w.ids[KIM])


async def test_only_the_assigned_supervisor_acts_on_a_request(w: World) -> None:
    rid = await w.sent()
    for tid in (ANNA, BO, KIM, ULLA, 999):
        for action in (w.supervisor.answer, w.supervisor.decline, w.supervisor.request):
            with pytest.raises(NotFound):
                await action(tid, rid)
        with pytest.raises(NotFound):
            await w.supervisor.pass_to(tid, rid, w.ids[KIM])
    with pytest.raises(NotFound):
        await w.supervisor.answer(VERA, 999)  # a forged id
    for tid in (ANNA, 999):
        with pytest.raises(NotAllowed):
            await w.supervisor.waiting(tid)
    assert w.request(rid).status is RequestStatus.OPEN
    assert len(w.outbox.rows) == 1  # only the request itself


async def test_the_expiry_note_after_a_pass_on_dates_the_request_from_its_sending(
    w: World,
) -> None:
    rid = await w.sent()  # 3 February
    w.clock.advance(days=12)
    await w.supervisor.pass_to(VERA, rid, w.ids[KIM])
    w.clock.set(NOW + timedelta(days=14))
    assert await w.service.tick() == 1  # expiry counts from the sending: Anna waited 14 days
    assert w.request(rid).status is RequestStatus.EXPIRED
    note = w.to(ANNA)[-1]
    assert note.dedupe_key == f"fb:{rid}:expired"
    assert "3. februar" in note.payload["text"]  # not "15. februar", the day it was passed on
