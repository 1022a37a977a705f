"""Feedback on fakes, the timed part: the gentle reminder on day 3 and expiry on day 14 (each
once however many ticks, in batches, out of the reader's quiet hours, expiry first), and the
twice-weekly nudges on the student's shift days."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.services.feedback.access import Closed
from bot.services.feedback.types import RequestStatus
from bot.services.reflection.schedules import ScheduleService
from bot.services.reflection.types import Shift
from tests.unit.feedback_world import ANNA, BO, CPH, NOW, VERA, World, buttons

DAY_3 = NOW + timedelta(days=3)
DAY_14 = NOW + timedelta(days=14)
MANY = 501  # one more than a batch


@pytest.fixture
async def w() -> World:
    return await World().build()


async def test_the_supervisor_is_reminded_once_on_day_3(w: World) -> None:
    rid = await w.sent()
    w.clock.set(DAY_3 - timedelta(minutes=1))
    assert await w.service.tick() == 0
    w.clock.set(DAY_3)
    assert await w.service.tick() == 1
    assert await w.service.tick() == 0  # however many ticks
    w.clock.advance(days=2)
    assert await w.service.tick() == 0
    reminders = [m for m in w.to(VERA) if m.dedupe_key == f"fb:{rid}:remind:{w.ids[VERA]}"]
    assert len(reminders) == 1
    [reminder] = reminders
    assert "A gentle reminder: Anna asked for your feedback 3 days ago" in reminder.payload["text"]
    assert buttons(reminder) == [f"fq:go:{rid}", f"fq:pass:{rid}", f"fq:no:{rid}"]
    assert reminder.not_before == DAY_3
    assert w.request(rid).remind_at is None
    assert w.request(rid).status is RequestStatus.OPEN


async def test_a_reminder_at_night_waits_for_the_supervisors_morning(w: World) -> None:
    w.clock.set(datetime(2027, 2, 3, 20, 30, tzinfo=UTC))  # 21:30 in Copenhagen
    await w.sent()
    w.clock.set(datetime(2027, 2, 6, 21, 30, tzinfo=UTC))  # 22:30: Vera's quiet hours
    assert await w.service.tick() == 1
    reminder = w.to(VERA)[-1]
    assert reminder.not_before == datetime(2027, 2, 7, 6, 0, tzinfo=UTC)  # 07:00 local


async def test_answered_and_answering_requests_are_not_reminded(w: World) -> None:
    answering = await w.sent()
    await w.supervisor.answer(VERA, answering)
    w.clock.set(DAY_3)
    assert await w.service.tick() == 0
    assert len(w.to(VERA)) == 1  # just the request


async def test_an_unanswered_request_expires_on_day_14_with_a_note(w: World) -> None:
    rid = await w.sent()
    await w.supervisor.answer(VERA, rid)  # started, never finished
    w.clock.set(DAY_14 - timedelta(minutes=1))
    assert await w.service.tick() == 0
    w.clock.set(DAY_14)
    assert await w.service.tick() == 1
    assert await w.service.tick() == 0
    stored = w.request(rid)
    assert (stored.status, stored.closed_at) == (RequestStatus.EXPIRED, DAY_14)
    assert w.person(VERA).awaiting is None  # her next text is not caught by it
    [note] = w.to(ANNA)
    assert note.dedupe_key == f"fb:{rid}:expired"
    assert "3. februar" in note.payload["text"]
    assert "14" in note.payload["text"]
    assert buttons(note) == [f"fb:verbal:{rid}"]
    assert note.not_before == DAY_14
    with pytest.raises(Closed):
        await w.service.write(VERA, rid, "Too late")
    with pytest.raises(Closed):
        await w.supervisor.answer(VERA, rid)
    ask = await w.service.verbal(ANNA, rid)  # she can still record what she heard in person
    assert ask.field == "fb_situation"


async def test_a_request_past_both_moments_expires_without_a_reminder(w: World) -> None:
    rid = await w.sent()
    w.clock.set(DAY_14 + timedelta(days=1))  # the tick was down all along
    assert await w.service.tick() == 1
    assert [m.dedupe_key for m in w.to(VERA)] == [f"fb:{rid}:to:{w.ids[VERA]}"]
    assert [m.dedupe_key for m in w.to(ANNA)] == [f"fb:{rid}:expired"]


async def test_the_expiry_note_waits_for_the_students_morning(w: World) -> None:
    w.clock.set(datetime(2027, 2, 3, 22, 30, tzinfo=UTC))
    await w.sent()
    w.clock.set(datetime(2027, 2, 17, 22, 31, tzinfo=UTC))  # day 14, 23:31 in Copenhagen
    await w.service.tick()
    assert w.request(max(w.uow.store.feedback_requests)).status is RequestStatus.EXPIRED
    [note] = w.to(ANNA)
    assert note.not_before == datetime(2027, 2, 18, 6, 0, tzinfo=UTC)


async def test_finished_declined_and_verbal_requests_never_expire(w: World) -> None:
    answered = await w.sent()
    given = await w.supervisor.answer(VERA, answered)
    assert given.field == "fb_situation"
    for text in ("S", "B", "I", "W", "A"):
        await w.service.write(VERA, answered, text)
    declined = await w.sent()
    await w.supervisor.decline(VERA, declined)
    await w.service.verbal(ANNA, declined)  # verbal now, with the old expiry still stored
    queued = len(w.outbox.rows)
    w.clock.set(DAY_14 + timedelta(days=30))
    assert await w.service.tick() == 0
    assert len(w.outbox.rows) == queued
    assert w.request(answered).status is RequestStatus.ANSWERED
    assert w.request(declined).status is RequestStatus.ANSWERING


async def _many_open(w: World, count: int) -> list[int]:
    """Store `count` requests already sent to Vera (as `send` leaves them)."""
    ids = []
    async with w.uow() as uow:
        for _ in range(count):
            request = await uow.feedback.add(w.ids[ANNA], w.cohort.id, NOW)
            await uow.feedback.move(
                request.id,
                [RequestStatus.DRAFT],
                status=RequestStatus.OPEN,
                supervisor_id=w.ids[VERA],
                situation="Stuegang",
                sent_at=NOW,
                remind_at=DAY_3,
                expires_at=DAY_14,
            )
            ids.append(request.id)
        await uow.commit()
    return ids


async def test_reminders_and_expiry_go_through_every_batch(w: World) -> None:
    ids = await _many_open(w, MANY)
    w.clock.set(DAY_3)
    assert await w.service.tick() == MANY
    assert await w.service.tick() == 0
    assert all(w.request(i).remind_at is None for i in ids)
    w.clock.set(DAY_14)
    assert await w.service.tick() == MANY
    assert await w.service.tick() == 0
    assert {w.request(i).status for i in ids} == {RequestStatus.EXPIRED}
    keys = w.keys()
    assert len(keys) == len(set(keys)) == 2 * MANY


def _local(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(CPH)).strftime("%a %H:%M")


async def _week_of_ticks(w: World, first: datetime, days: int = 7) -> None:
    """Tick every half hour (twice at the same moment on the hour) for some days."""
    moment = first
    while moment < first + timedelta(days=days):
        w.clock.set(moment)
        await w.service.tick()
        if moment.minute == 0:
            await w.service.tick()
        moment += timedelta(minutes=30)


def _nudges(w: World) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for row in w.outbox.rows:
        if row.message.origin == "feedback:nudge":
            found.setdefault(row.message.chat_id, []).append(_local(row.message.not_before))
    return found


async def test_nudges_come_twice_a_week_an_hour_into_the_shift(w: World) -> None:
    bo = w.ids[BO]
    w.uow.store.schedules[bo] = dataclasses.replace(w.uow.store.schedules[bo], shift=Shift.EVENING)
    await _week_of_ticks(w, datetime(2027, 2, 7, 23, 0, tzinfo=UTC))  # Monday 00:00 local
    assert _nudges(w) == {ANNA: ["Tue 08:00", "Thu 08:00"], BO: ["Tue 16:00", "Thu 16:00"]}
    nudge = w.to(ANNA)[0]
    assert nudge.dedupe_key == f"nudge:{w.ids[ANNA]}:2027-02-09"
    assert "Feedback i dag?" in nudge.payload["text"]
    assert buttons(nudge) == ["fb:new:0", "fb:later:0"]
    assert set(w.uow.store.feedback_nudges) == {w.ids[ANNA], bo}  # students only


async def test_nudges_respect_quiet_hours_pauses_and_leaving(w: World) -> None:
    anna, bo = w.ids[ANNA], w.ids[BO]
    schedules = w.uow.store.schedules
    # Anna sleeps until 09:00; Bo pauses until Thursday.
    schedules[anna] = dataclasses.replace(schedules[anna], quiet_start=0, quiet_end=9 * 60)
    schedules[bo] = dataclasses.replace(schedules[bo], paused_until=date(2027, 2, 11))
    await _week_of_ticks(w, datetime(2027, 2, 7, 23, 0, tzinfo=UTC))
    assert _nudges(w) == {ANNA: ["Tue 09:00", "Thu 09:00"], BO: ["Thu 08:00"]}
    async with w.uow() as uow:
        await uow.people.update(anna, active=False)
        await uow.commit()
    await _week_of_ticks(w, datetime(2027, 2, 14, 23, 0, tzinfo=UTC))
    assert _nudges(w)[ANNA] == ["Tue 09:00", "Thu 09:00"]  # no more once she left
    assert len(_nudges(w)[BO]) == 3


async def test_a_nudge_more_than_two_hours_late_is_skipped(w: World) -> None:
    w.clock.set(datetime(2027, 2, 8, 12, 0, tzinfo=UTC))  # Monday: the next nudges are planned
    assert await w.service.tick() == 0
    # The tick is down until Tuesday 11:00, three hours after the nudge, then runs again.
    await _week_of_ticks(w, datetime(2027, 2, 9, 10, 0, tzinfo=UTC), days=3)
    assert _nudges(w) == {ANNA: ["Thu 08:00"], BO: ["Thu 08:00"]}


async def test_nudges_come_back_when_a_student_ends_a_pause_early(w: World) -> None:
    schedules = ScheduleService(w.uow, w.clock)
    w.clock.set(datetime(2027, 2, 7, 23, 0, tzinfo=UTC))  # Monday 00:00 local
    await schedules.pause(BO, date(2027, 3, 1))
    assert await w.service.tick() == 0  # Bo's next nudge is planned after the pause
    w.clock.advance(hours=1)
    await schedules.resume(BO)  # he is back at work after all
    await _week_of_ticks(w, w.clock.now())
    assert _nudges(w)[BO] == ["Tue 08:00", "Thu 08:00"]
