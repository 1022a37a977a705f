"""Feedback on fakes, the student's side: the Ask-Tell-Ask self-assessment, sending it to a
linked supervisor through the outbox (out of their quiet hours), keeping it, recording verbal
feedback, the action in the logbook, and what is refused (other people's and forged ids, wrong
roles, empty, long and CPR-bearing text)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.services.feedback.access import Closed
from bot.services.feedback.service import Ask, Ready, Saved
from bot.services.feedback.types import RequestStatus
from bot.services.identity.domain import SupervisionLink
from bot.services.kernel.errors import ContainsCpr, Invalid, NotAllowed, NotFound
from bot.services.reflection.types import EntryStatus
from tests.unit.feedback_world import (
    ANNA,
    BO,
    IMPROVE,
    KARIN,
    KIM,
    NOW,
    OLE,
    SITUATION,
    VERA,
    WELL,
    World,
    buttons,
)


@pytest.fixture
async def w() -> World:
    return await World().build()


async def test_the_self_assessment_asks_three_things_then_offers_the_choice(w: World) -> None:
    ask = await w.service.start(ANNA)
    assert isinstance(ask, Ask)
    assert (ask.field, ask.number, ask.total, ask.by_student) == ("situation", 1, 3, True)
    request_id = ask.request.id
    assert w.person(ANNA).awaiting == f"fb:{request_id}"
    assert w.request(request_id).cohort_id == w.cohort.id
    again = await w.service.start(ANNA)  # goes on with the same draft
    assert isinstance(again, Ask)
    assert again.request.id == request_id
    second = await w.service.write(ANNA, request_id, f"  {SITUATION}  ")
    assert isinstance(second, Ask)
    assert (second.field, second.number) == ("went_well", 2)
    third = await w.service.write(ANNA, request_id, WELL)
    assert isinstance(third, Ask)
    assert third.field == "improve"
    ready = await w.service.write(ANNA, request_id, IMPROVE)
    assert isinstance(ready, Ready)
    assert [p.display_name for p in ready.supervisors] == ["Vera"]  # Ole is inactive
    stored = w.request(request_id)
    assert (stored.status, stored.step) == (RequestStatus.READY, 0)
    assert (stored.situation, stored.went_well, stored.improve) == (SITUATION, WELL, IMPROVE)
    assert w.person(ANNA).awaiting is None
    # Starting again shows the same written self-assessment, not a new draft.
    shown = await w.service.start(ANNA)
    assert isinstance(shown, Ready)
    assert shown.request.id == request_id
    assert len(w.uow.store.feedback_requests) == 1
    assert w.outbox.rows == []  # nothing leaves before the student chooses


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("   ", Invalid),
        ("x" * 1001, Invalid),
        ("Patienten 010190-1234 fik medicin", ContainsCpr),
        ("cpr 0101901234", ContainsCpr),
    ],
)
async def test_bad_text_is_refused_and_nothing_is_stored(
    w: World, text: str, error: type[Exception]
) -> None:
    ask = await w.service.start(ANNA)
    with pytest.raises(error):
        await w.service.write(ANNA, ask.request.id, text)
    stored = w.request(ask.request.id)
    assert (stored.step, stored.situation) == (0, None)
    assert w.person(ANNA).awaiting == f"fb:{ask.request.id}"  # she can try again
    assert isinstance(await w.service.write(ANNA, ask.request.id, SITUATION), Ask)


async def test_sending_queues_the_request_for_the_supervisor(w: World) -> None:
    ready = await w.self_assess()
    rid = ready.request.id
    vera = await w.service.send(ANNA, rid, w.ids[VERA])
    assert vera.display_name == "Vera"
    stored = w.request(rid)
    assert stored.status is RequestStatus.OPEN
    assert stored.supervisor_id == w.ids[VERA]
    assert (stored.sent_at, stored.remind_at, stored.expires_at) == (
        NOW,
        NOW + timedelta(days=3),
        NOW + timedelta(days=14),
    )
    [message] = w.outbox.rows
    sent = message.message
    assert (sent.chat_id, sent.person_id, sent.origin) == (VERA, w.ids[VERA], "feedback")
    assert sent.dedupe_key == f"fb:{rid}:to:{w.ids[VERA]}"
    assert sent.not_before == NOW  # 10:00 in Copenhagen: straight away
    assert "Anna asks for your feedback" in sent.payload["text"]  # in Vera's English
    for text in (SITUATION, WELL, IMPROVE):
        assert text in sent.payload["text"]
    assert buttons(sent) == [f"fq:go:{rid}", f"fq:pass:{rid}", f"fq:no:{rid}"]
    # A double tap acts once.
    assert (await w.service.send(ANNA, rid, w.ids[VERA])).id == w.ids[VERA]
    assert len(w.outbox.rows) == 1
    assert w.request(rid).sent_at == NOW


async def test_a_request_sent_at_night_waits_for_the_supervisors_morning(w: World) -> None:
    w.clock.set(datetime(2027, 2, 3, 22, 30, tzinfo=UTC))  # 23:30 in Copenhagen
    await w.sent()
    [message] = w.to(VERA)
    assert message.not_before == datetime(2027, 2, 4, 6, 0, tzinfo=UTC)  # 07:00 local


async def test_only_a_linked_active_supervisor_and_a_ready_request_can_be_sent(w: World) -> None:
    ready = await w.self_assess()
    rid = ready.request.id
    for supervisor in (KIM, OLE, BO):  # not linked, inactive, a student
        with pytest.raises(NotFound):
            await w.service.send(ANNA, rid, w.ids[supervisor])
    with pytest.raises(NotFound):
        await w.service.send(BO, rid, w.ids[VERA])  # not his request
    with pytest.raises(NotFound):
        await w.service.send(ANNA, 999, w.ids[VERA])  # a forged id
    draft = await w.service.start(BO)
    async with w.uow() as uow:  # Bo gets Vera too, so only the status stops him
        await uow.links.add(SupervisionLink(w.cohort.id, w.ids[VERA], w.ids[BO]), None)
        await uow.commit()
    with pytest.raises(Closed):
        await w.service.send(BO, draft.request.id, w.ids[VERA])  # still a draft
    assert w.outbox.rows == []
    assert w.request(rid).status is RequestStatus.READY


async def test_keeping_the_self_assessment_puts_it_in_the_logbook(w: World) -> None:
    ready = await w.self_assess()
    saved = await w.service.keep(ANNA, ready.request.id)
    assert isinstance(saved, Saved)
    stored = w.request(ready.request.id)
    assert (stored.status, stored.closed_at, stored.entry_id) == (
        RequestStatus.KEPT,
        NOW,
        saved.entry.id,
    )
    entry = w.uow.store.reflections[saved.entry.id]
    assert (entry.person_id, entry.status, entry.prompt_id) == (
        w.ids[ANNA],
        EntryStatus.DONE,
        "feedback",
    )
    assert [(a.key, a.text) for a in entry.answers] == [
        ("situation", SITUATION),
        ("went_well", WELL),
        ("improve", IMPROVE),
    ]
    assert entry.answers[0].question == "Situationen"  # in Anna's Danish
    with pytest.raises(Closed):
        await w.service.keep(ANNA, ready.request.id)  # a double tap
    with pytest.raises(NotFound):
        await w.service.keep(BO, ready.request.id)
    assert len(w.uow.store.reflections) == 1
    assert w.outbox.rows == []


async def test_verbal_feedback_is_written_by_the_student_in_the_same_structure(w: World) -> None:
    ready = await w.self_assess()
    rid = ready.request.id
    ask = await w.service.verbal(ANNA, rid)
    assert (ask.field, ask.number, ask.total, ask.by_student) == ("fb_situation", 1, 5, True)
    assert ask.quick == SITUATION  # her own words, one tap away
    again = await w.service.verbal(ANNA, rid)  # a double tap shows the same step
    assert again.field == "fb_situation"
    result = await w.service.quick(ANNA, rid, "fb_situation")
    for text in ("Du talte roligt", "Patienten forstod det", "Tjek af armbånd", "Forklar mere"):
        assert isinstance(result, Ask)
        result = await w.service.write(ANNA, rid, text)
    assert isinstance(result, Ask)
    assert result.field == "action"
    answered = w.request(rid)
    assert (answered.status, answered.verbal, answered.supervisor_id) == (
        RequestStatus.ANSWERED,
        True,
        None,
    )
    assert answered.answered_at == NOW
    assert w.person(ANNA).awaiting == f"fb:{rid}"
    saved = await w.service.write(ANNA, rid, "Jeg forklarer hver tablet")
    assert isinstance(saved, Saved)
    done = w.request(rid)
    assert (done.status, done.fb_situation, done.action) == (
        RequestStatus.DONE,
        SITUATION,
        "Jeg forklarer hver tablet",
    )
    assert done.entry_id == saved.entry.id
    entry = w.uow.store.reflections[saved.entry.id]
    assert [a.key for a in entry.answers] == [
        "situation",
        "went_well",
        "improve",
        "fb_situation",
        "fb_behaviour",
        "fb_impact",
        "fb_well",
        "fb_adjust",
        "action",
    ]
    assert w.person(ANNA).awaiting is None
    assert w.outbox.rows == []  # nobody else was involved
    with pytest.raises(Closed):
        await w.service.verbal(ANNA, rid)  # done: no second round


async def test_the_action_comes_only_after_feedback(w: World) -> None:
    ready = await w.self_assess()
    with pytest.raises(Closed):
        await w.service.act(ANNA, ready.request.id)
    rid = ready.request.id
    await w.service.send(ANNA, rid, w.ids[VERA])
    with pytest.raises(Closed):
        await w.service.act(ANNA, rid)  # still waiting for Vera
    with pytest.raises(Closed):
        await w.service.verbal(ANNA, rid)  # sent: Vera's turn
    assert w.request(rid).status is RequestStatus.OPEN


@pytest.mark.parametrize("tid", [VERA, KARIN, 999])
async def test_only_students_start_a_self_assessment(w: World, tid: int) -> None:
    with pytest.raises(NotAllowed):
        await w.service.start(tid)
    assert w.uow.store.feedback_requests == {}


async def test_text_for_someone_elses_or_a_forged_request_is_refused(w: World) -> None:
    ask = await w.service.start(ANNA)
    bo = await w.service.start(BO)
    with pytest.raises(Closed):
        await w.service.write(BO, ask.request.id, "ikke min")
    assert w.person(BO).awaiting is None  # his stray text no longer goes anywhere
    with pytest.raises(Closed):
        await w.service.write(ANNA, 999, SITUATION)
    with pytest.raises(Closed):
        await w.service.write(999, ask.request.id, SITUATION)
    with pytest.raises(Closed):
        await w.service.quick(BO, ask.request.id, "situation")
    with pytest.raises(Invalid):
        await w.service.quick(ANNA, ask.request.id, "situation")  # no button on her own step
    assert w.request(ask.request.id).situation is None
    assert w.request(bo.request.id).situation is None


async def test_a_ready_request_takes_no_more_text(w: World) -> None:
    ready = await w.self_assess()
    with pytest.raises(Closed):
        await w.service.write(ANNA, ready.request.id, "en fjerde ting")
    assert w.request(ready.request.id).improve == IMPROVE


async def test_a_new_request_starts_while_one_waits_for_the_supervisor(w: World) -> None:
    rid = await w.sent(ANNA)
    ask = await w.service.start(ANNA)
    assert isinstance(ask, Ask)
    assert ask.request.id != rid
    assert w.request(rid).status is RequestStatus.OPEN
    async with w.uow() as uow:
        mine = await uow.feedback.for_student(w.ids[ANNA])
    assert [r.id for r in mine] == [ask.request.id, rid]  # newest first
