"""Issue #6 points 1–3 over real HTTP: the Ask-Tell-Ask loop (self-assessment → request →
SBI feedback → the student's action in the logbook), verbal feedback without a supervisor,
the reminder on day 3 and expiry on day 14 by a controllable clock, quiet hours, decline,
pass-on to a colleague, and the role checks on every action."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.bootstrap import Runtime
from bot.scheduler.jobs import FEEDBACK_JOB
from bot.services.identity.domain import Role
from bot.storage.delivery.models import OutboxRow
from bot.storage.feedback.models import FeedbackRequestRow
from bot.storage.reflection.models import ReflectionRow
from tests.e2e.conftest import World
from tests.e2e.flows import enrol, link, outbox_drained, press_forged
from tests.fakebotapi import BotMessage, FakeBotApi, SimUser
from tests.support import ManualClock, eventually

SITUATION = "Medicingivning til en ny patient på stuegang"
WELL = "Jeg tjekkede identitet og ordination højt"
IMPROVE = "At forklare patienten, hvad medicinen er til"
TRANSCRIPT: list[str] = []


async def _person_id(world: World, user: SimUser) -> int:
    profile = await world.runtime.services.access.profile(user.id)
    assert profile is not None
    return profile.person.id


async def _link(world: World, student: SimUser, supervisor: SimUser) -> None:
    await link(world.runtime, world.cohort.id, student, supervisor)


async def _tick(runtime: Runtime) -> None:
    """Run the feedback job once, as the JobQueue would."""
    assert runtime.application.job_queue is not None
    [job] = runtime.application.job_queue.get_jobs_by_name(FEEDBACK_JOB)
    await job.run(runtime.application)


async def _self_assess(student: SimUser) -> BotMessage:
    """Write the three answers of the self-assessment; return the choice that follows."""
    await student.send("/feedback")
    assert "Hvilken situation vil du have feedback på?" in (await student.next_message()).text
    await student.send(SITUATION)
    assert "Hvad gik godt, synes du selv?" in (await student.next_message()).text
    await student.send(WELL)
    assert "Hvad vil du blive bedre til?" in (await student.next_message()).text
    await student.send(IMPROVE)
    return await student.expect_text("Din selvevaluering er klar")


async def _request(world: World) -> FeedbackRequestRow:
    async with world.runtime.engine.connect() as conn:
        row = (
            await conn.execute(select(FeedbackRequestRow).order_by(FeedbackRequestRow.id.desc()))
        ).first()
    assert row is not None
    return row  # type: ignore[return-value]


async def _none_with(user: SimUser, text: str, within: float = 0.5) -> None:
    """Assert that no message holding `text` arrives within `within` seconds (other
    features may send their own messages meanwhile)."""
    await asyncio.sleep(within)
    assert not [m for m in user.messages if text in m.text], user.report()


def _note(who: str, message: BotMessage) -> None:
    """Keep a supervisor's view for the transcript printed on failure (and in the note)."""
    buttons = " ".join(f"[{b['text']}]" for b in message.buttons())
    TRANSCRIPT.append(f"{who}: {message.text}" + (f"\n   {buttons}" if buttons else ""))


async def test_request_answer_action_loop(fake_api: FakeBotApi, world: World) -> None:
    anna, vera = fake_api.user(8101, first_name="Anna"), fake_api.user(8102, first_name="Vera")
    bo = fake_api.user(8103, first_name="Bo")
    await enrol(anna, world.codes[Role.STUDENT])
    await enrol(bo, world.codes[Role.STUDENT])
    await enrol(vera, world.codes[Role.SUPERVISOR], language="en")
    await _link(world, anna, vera)
    ready = await _self_assess(anna)
    await anna.press(ready, "Send til Vera")
    assert "Sendt til Vera" in (await anna.wait_edit(ready)).text
    await anna.press(ready, "Send til Vera") if ready.buttons() else None
    request = await vera.expect_text("Anna asks for your feedback")
    _note("Vera", request)
    assert SITUATION in request.text
    assert IMPROVE in request.text
    # Someone else's button, a student pressing the supervisor's, a forged id: all refused.
    row = await _request(world)
    answer = await press_forged(bo, request.message_id, f"fq:go:{row.id}")
    assert "virker ikke længere" in answer
    answer = await press_forged(anna, request.message_id, f"fq:go:{row.id}")
    assert "virker ikke længere" in answer
    answer = await press_forged(vera, request.message_id, "fq:go:999999")
    assert "no longer valid" in answer
    await vera.press(request, "Give feedback")
    situation = await vera.expect_text("which situation is your feedback about")
    _note("Vera", situation)
    await vera.press(situation, "As described")
    _note("Vera", await vera.expect_text("what did you see the student do"))
    await vera.send("You checked the wristband and read the order aloud before giving it.")
    _note("Vera", await vera.expect_text("what effect did it have"))
    await vera.send("The patient felt safe and a colleague double-checked with you.")
    well = await vera.expect_text("went well")
    _note("Vera", well)
    await vera.press(well, "Agree with the self-assessment")
    _note("Vera", await vera.expect_text("adjust"))
    await vera.send("Say what the tablets are for before you hand them over.")
    done = await vera.expect_text("Your feedback is on its way to Anna")
    _note("Vera", done)
    feedback = await anna.expect_text("Feedback fra Vera")
    assert "Say what the tablets are for" in feedback.text
    assert WELL in feedback.text  # "agree" took over Anna's own words
    await anna.press(feedback, "Næste vagt vil jeg")
    await anna.expect_text("Næste vagt vil jeg … (én konkret handling)")
    await anna.send("Jeg fortæller patienten, hvad hver tablet er til.")
    await anna.expect_text("Gemt i din logbog")
    row = await _request(world)
    assert row.status == "done"
    assert row.answered_at is not None
    async with world.runtime.engine.connect() as conn:
        entry = (
            await conn.execute(select(ReflectionRow).where(ReflectionRow.id == row.entry_id))
        ).one()
    texts = [a["text"] for a in entry.answers]
    assert SITUATION in texts
    assert "Jeg fortæller patienten, hvad hver tablet er til." in texts
    await anna.send("/logbog")
    assert "Medicingivning" in (await anna.next_message()).text
    # A stale press on the answered request is answered kindly.
    answer = await press_forged(vera, request.message_id, f"fq:go:{row.id}")
    assert "closed" in answer


async def test_verbal_feedback_without_a_supervisor_and_roles(
    fake_api: FakeBotApi, world: World
) -> None:
    ida, kim = fake_api.user(8201, first_name="Ida"), fake_api.user(8202, first_name="Kim")
    karin = fake_api.user(8203, first_name="Karin")
    await enrol(ida, world.codes[Role.STUDENT])
    await enrol(kim, world.codes[Role.SUPERVISOR])
    await enrol(karin, world.codes[Role.COORDINATOR])
    await karin.send("/feedback")
    assert "for studerende og deres vejledere" in (await karin.next_message()).text
    await kim.send("/feedback")
    assert "Ingen anmodninger om feedback venter" in (await kim.next_message()).text
    ready = await _self_assess(ida)
    assert "ikke fået en vejleder tilknyttet" in ready.text
    assert not [b for b in ready.buttons() if "Send til" in b["text"]]
    await ida.press(ready, "Skriv mundtlig feedback ind")
    await ida.expect_text("Hvilken situation handlede feedbacken om?")
    await ida.send("Stuegang med overlægen")
    for question in ("adfærden", "virkning", "gik godt", "justere"):
        await ida.expect_text(question)
        await ida.send(
            f"Svar om {question}, 010190-1234" if question == "virkning" else f"Svar om {question}"
        )
        if question == "virkning":
            await ida.expect_text("CPR-nummer")
            await ida.send("Svar om virkning")
    await ida.expect_text("Næste vagt vil jeg")
    await ida.send("Jeg forbereder spørgsmål til stuegang.")
    await ida.expect_text("Gemt i din logbog")
    row = await _request(world)
    assert (row.status, row.verbal, row.supervisor_id) == ("done", True, None)
    async with world.runtime.engine.connect() as conn:
        stored = " ".join(str(v) for v in (await conn.execute(select(FeedbackRequestRow))).one())
    assert "010190" not in stored


async def test_reminder_on_day_3_expiry_on_day_14_and_quiet_hours(
    fake_api: FakeBotApi, world: World, clock: ManualClock
) -> None:
    anna, vera = fake_api.user(8301, first_name="Anna"), fake_api.user(8302, first_name="Vera")
    await enrol(anna, world.codes[Role.STUDENT])
    await enrol(vera, world.codes[Role.SUPERVISOR])
    await _link(world, anna, vera)
    # 23:30 in Copenhagen: the request waits for the end of Vera's quiet hours (07:00).
    clock.set(datetime(2027, 2, 3, 22, 30, tzinfo=UTC))
    ready = await _self_assess(anna)
    await anna.press(ready, "Send til Vera")
    await anna.wait_edit(ready)
    await _none_with(vera, "beder om din feedback", 1.0)
    clock.set(datetime(2027, 2, 4, 6, 0, tzinfo=UTC))  # 07:00 local
    request = await vera.expect_text("Anna beder om din feedback")
    vera.read_all()
    runtime = world.runtime
    clock.set(datetime(2027, 2, 6, 22, 0, tzinfo=UTC))  # 2 days 23.5 hours later
    await _tick(runtime)
    await _none_with(vera, "En venlig påmindelse")
    clock.set(datetime(2027, 2, 7, 7, 0, tzinfo=UTC))  # day 3, 08:00 local
    await _tick(runtime)
    await _tick(runtime)
    reminder = await vera.expect_text("En venlig påmindelse: Anna bad om din feedback for 3 dage")
    _note("Vera", reminder)
    await asyncio.sleep(1.0)
    assert (
        len([m for m in vera.messages if "En venlig påmindelse" in m.text]) == 1
    )  # however many ticks
    clock.set(datetime(2027, 2, 17, 22, 31, tzinfo=UTC))  # day 14, 23:31 local
    await _tick(runtime)
    row = await _request(world)
    assert row.status == "expired"
    await _none_with(anna, "blev ikke besvaret")  # the note waits for the morning
    clock.set(datetime(2027, 2, 18, 6, 0, tzinfo=UTC))
    note = await anna.expect_text("blev ikke besvaret inden for 14 dage")
    answer = await press_forged(vera, request.message_id, f"fq:go:{row.id}")
    assert "lukket" in answer
    # The student can still record feedback she got in person.
    await anna.press(note, "Skriv mundtlig feedback ind")
    await anna.expect_text("Hvilken situation handlede feedbacken om?")


async def test_pass_on_and_decline(fake_api: FakeBotApi, world: World) -> None:
    anna, vera = fake_api.user(8401, first_name="Anna"), fake_api.user(8402, first_name="Vera")
    kim, bo = fake_api.user(8403, first_name="Kim"), fake_api.user(8404, first_name="Bo")
    await enrol(anna, world.codes[Role.STUDENT])
    await enrol(bo, world.codes[Role.STUDENT])
    for user in (vera, kim):
        await enrol(user, world.codes[Role.SUPERVISOR])
    await _link(world, anna, vera)
    ready = await _self_assess(anna)
    await anna.press(ready, "Send til Vera")
    request = await vera.expect_text("Anna beder om din feedback")
    await vera.press(request, "Giv videre til en kollega")
    choice = await vera.expect_text("Hvem skal overtage anmodningen?")
    assert [b["text"] for b in choice.buttons()] == ["Kim"]  # supervisors only, not Vera
    row = await _request(world)
    answer = await press_forged(
        vera, choice.message_id, f"fp:{row.id}:{await _person_id(world, bo)}"
    )
    assert "virker ikke længere" in answer  # a student is no colleague to pass to
    await vera.press(choice, "Kim")
    assert "Givet videre til Kim" in (await vera.wait_edit(choice)).text
    passed = await kim.expect_text("Vera har givet denne anmodning videre til dig")
    _note("Kim", passed)
    await anna.expect_text("Vera har givet din anmodning om feedback videre til Kim")
    answer = await press_forged(vera, request.message_id, f"fq:go:{row.id}")
    assert "lukket" in answer  # Vera's copy no longer works
    await kim.send("/feedback")
    listing = await kim.next_message()
    assert "(1)" in listing.text
    await kim.press(listing, "Anna")
    again = await kim.expect_text("Anna beder om din feedback")
    await kim.press(again, "Ikke muligt")
    assert "Afvist" in (await kim.wait_edit(again)).text
    declined = await anna.expect_text("Kim kan ikke give feedback")
    assert (await _request(world)).status == "declined"
    await kim.press(again, "Ikke muligt") if again.buttons() else None
    await anna.press(declined, "Skriv mundtlig feedback ind")
    await anna.expect_text("Hvilken situation handlede feedbacken om?")


async def test_nudges_twice_a_week_on_shift_days(
    fake_api: FakeBotApi, world: World, clock: ManualClock
) -> None:
    """Over a working week the day-shift student gets her nudges on Tuesday and Thursday at
    08:00 and the evening-shift student his at 16:00, once each, however the ticks fall."""
    anna, sen = fake_api.user(8501, first_name="Anna"), fake_api.user(8502, first_name="Sen")
    await enrol(anna, world.codes[Role.STUDENT])
    await enrol(sen, world.codes[Role.STUDENT], language="en")
    await sen.send("/settings")
    settings = await sen.expect_text("daily reflection")
    await sen.press(settings, "evening")
    await sen.wait_edit(settings)
    zone = ZoneInfo("Europe/Copenhagen")
    moment = datetime(2027, 2, 8, 6, 0, tzinfo=zone)
    while moment < datetime(2027, 2, 13, tzinfo=zone):
        clock.set(moment.astimezone(UTC))
        await _tick(world.runtime)
        if moment.hour == 16 and moment.minute == 0:
            await asyncio.gather(_tick(world.runtime), _tick(world.runtime))  # overlapping
        await outbox_drained(world.runtime, clock)  # sent at this moment, not days later
        moment += timedelta(hours=1)
    async with world.runtime.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(OutboxRow.chat_id, OutboxRow.not_before)
                .where(OutboxRow.origin == "feedback:nudge")
                .order_by(OutboxRow.not_before)
            )
        ).all()
    when = {
        chat: [t.astimezone(zone).strftime("%a %H:%M") for c, t in rows if c == chat]
        for chat in (anna.id, sen.id)
    }
    assert when == {anna.id: ["Tue 08:00", "Thu 08:00"], sen.id: ["Tue 16:00", "Thu 16:00"]}

    async def delivered() -> bool:
        return all(
            len([m for m in u.messages if "fb:new:0" in str(m.params)]) == 2 for u in (anna, sen)
        )

    await eventually(delivered)
    nudge = [m for m in anna.messages if "Feedback i dag?" in m.text][-1]
    await anna.press(nudge, "Selvevaluering")
    await anna.expect_text("Hvilken situation vil du have feedback på?")
    english = [m for m in sen.messages if "Feedback today?" in m.text][-1]
    await sen.press(english, "Not today")
    assert "Maybe next time" in (await sen.wait_edit(english)).text
