"""Issue #6 points 4 and 5 over real HTTP: placement conversations from the cohort's dates
(reminders with R2C2 questions to the student and the supervisor at the right local time, in
each one's language, out of quiet hours; the question about the plan, "not held yet", the plan
in the logbook, CPR refused, forged buttons and wrong roles) and the weekly supervisor digest
(names, counts and dates, never private text; once per week across overlapping ticks and a
restart). The test clock steps through March 2027 and runs the `feedback` job."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select

from bot.bootstrap import Runtime, start_bot, stop_bot
from bot.config import Settings
from bot.scheduler.jobs import FEEDBACK_JOB
from bot.services.identity.access import Actor
from bot.services.identity.domain import Profession, Role
from bot.services.reflection.answering import Finished
from bot.storage.conversations.models import DigestRow
from bot.storage.delivery.models import OutboxRow
from bot.storage.feedback.models import FeedbackRequestRow
from tests.e2e.flows import enrol, link, press_forged
from tests.fakebotapi import FakeBotApi, SimUser
from tests.support import ManualClock, eventually

ZONE = ZoneInfo("Europe/Copenhagen")
SECRET = "Hr. Holm græd, da han fik beskeden"
STALE = "Den knap virker ikke længere."


def _local(day: int, hour: int, minute: int = 0) -> datetime:
    """Return a local moment in March 2027 as UTC."""
    return datetime(2027, 3, day, hour, minute, tzinfo=ZONE).astimezone(UTC)


class Placement:
    """The running bot, a cohort from Monday 1 to Wednesday 31 March and its people."""

    def __init__(self, fake_api: FakeBotApi, settings: Settings, clock: ManualClock) -> None:
        self.fake_api, self.settings, self.clock = fake_api, settings, clock
        self.runtime: Runtime | None = None
        names = {"anna": 7601, "bo": 7602, "vera": 7603, "karin": 7604}
        self.users = {n: fake_api.user(i, first_name=n.title()) for n, i in names.items()}

    @property
    def bot(self) -> Runtime:
        assert self.runtime is not None
        return self.runtime

    async def start(self) -> None:
        self.runtime = await start_bot(self.settings, clock=self.clock, poll_timeout=1)

    async def restart(self) -> None:
        await stop_bot(self.bot)
        await self.start()

    async def tick(self, overlapping: bool = False) -> None:
        """Run the feedback job (twice at once when overlapping)."""
        queue = self.bot.application.job_queue
        assert queue is not None
        [job] = queue.get_jobs_by_name(FEEDBACK_JOB)
        await asyncio.gather(
            *(job.run(self.bot.application) for _ in range(2 if overlapping else 1))
        )

    async def run_to(self, moment: datetime) -> None:
        """Step the clock a quarter of an hour at a time to `moment`, ticking each step."""
        while self.clock.now() < moment:
            self.clock.set(min(self.clock.now() + timedelta(minutes=15), moment))
            await self.tick()

    async def setup(self, supervisor_language: str = "en") -> None:
        """Create the cohort, enrol everyone, link Anna and Bo to Vera."""
        cli, coordination = Actor.cli(), self.bot.services.coordination
        await coordination.create_department(cli, "Medicinsk Afdeling M2", "Region Hovedstaden")
        self.cohort = await coordination.create_cohort(
            cli,
            name="Sygeplejersker M27",
            department_ref="medicinsk-afdeling-m2",
            profession=Profession.NURSING,
            starts_on=date(2027, 3, 1),
            ends_on=date(2027, 3, 31),
        )
        for name, role in (("anna", Role.STUDENT), ("bo", Role.STUDENT)):
            await self.enrol(name, role)
        await self.enrol("vera", Role.SUPERVISOR, supervisor_language)
        await self.enrol("karin", Role.COORDINATOR)
        for student in ("anna", "bo"):
            await link(self.bot, self.cohort.id, self.users[student], self.users["vera"])

    async def enrol(self, name: str, role: Role, language: str = "da") -> None:
        invite = await self.bot.services.coordination.create_invite(
            Actor.cli(), self.cohort.id, role
        )
        await enrol(self.users[name], invite.code, language)

    async def person_id(self, name: str) -> int:
        profile = await self.bot.services.access.profile(self.users[name].id)
        assert profile is not None
        return profile.person.id

    async def queued(self, name: str, origin: str) -> list[tuple[datetime, str]]:
        """Return (local not_before, text) of the messages of an origin queued for someone."""
        async with self.bot.engine.connect() as conn:
            rows = await conn.execute(
                select(OutboxRow.not_before, OutboxRow.payload)
                .where(OutboxRow.chat_id == self.users[name].id, OutboxRow.origin == origin)
                .order_by(OutboxRow.id)
            )
            return [(at.astimezone(ZONE).replace(tzinfo=None), p["text"]) for at, p in rows]


async def _delivered(user: SimUser, text: str, count: int = 1) -> None:
    """Wait until `count` messages containing `text` reached the user."""

    async def arrived() -> bool:
        return sum(text in m.text for m in user.messages) >= count

    await eventually(arrived)


async def test_conversation_reminders_plan_and_refusals(
    fake_api: FakeBotApi, bot_settings: Settings, clock: ManualClock
) -> None:
    clock.set(datetime(2027, 2, 26, 10, 0, tzinfo=ZONE).astimezone(UTC))  # Friday before
    p = Placement(fake_api, bot_settings, clock)
    await p.start()
    try:
        await _conversations(p)
    finally:
        await stop_bot(p.bot)


async def _conversations(p: Placement) -> None:
    await p.setup()
    anna, bo, vera, karin = (p.users[n] for n in ("anna", "bo", "vera", "karin"))
    await p.tick()
    await anna.send("/samtaler")
    own = await anna.expect_text("Dine praktiksamtaler")
    assert "torsdag den 4. marts: forventningssamtale (kommer)" in own.text
    assert "tirsdag den 16. marts: midtvejsevaluering" in own.text
    assert "fredag den 26. marts: slutevaluering" in own.text
    assert own.buttons() == []  # nothing has taken place yet
    await vera.send("/conversations")
    theirs = await vera.expect_text("Your students' upcoming conversations")
    assert "Thursday 4 March: expectation conversation, Anna" in theirs.text
    assert "Thursday 4 March: expectation conversation, Bo" in theirs.text
    await karin.send("/samtaler")
    await karin.expect_text("Praktiksamtalerne er for studerende og deres vejledere.")

    # Anna's quiet hours last until 09:30; the reminders are due on Tuesday at 09:00.
    await p.bot.services.schedules.change(anna.id, quiet_end=9 * 60 + 30)
    await p.run_to(_local(2, 8, 45))
    assert await p.queued("vera", "conversation") == []
    await p.run_to(_local(2, 9))
    [(at, text)] = await p.queued("vera", "conversation")
    assert at == datetime(2027, 3, 2, 9, 0)
    assert "Expectation conversation with Anna and Bo, planned for Thursday 4 March" in text
    [(anna_at, anna_text)] = await p.queued("anna", "conversation")
    assert anna_at == datetime(2027, 3, 2, 9, 30)  # after her quiet hours
    assert "Din forventningssamtale er planlagt til torsdag den 4. marts" in anna_text
    assert (await p.queued("bo", "conversation"))[0][0] == datetime(2027, 3, 2, 9, 0)
    await _delivered(vera, "Relationship")
    await p.run_to(_local(2, 9, 30))
    await _delivered(anna, "Relation")

    # The day after the conversation at 14:00: what was the plan?
    await p.run_to(_local(5, 14))
    await _delivered(anna, "Hvordan gik din forventningssamtale")
    ask = next(m for m in anna.messages if "Hvordan gik din" in m.text)
    data = next(b["callback_data"] for b in ask.buttons() if b["text"].startswith("✍️"))
    assert await press_forged(vera, ask.message_id, data) == "That button is no longer valid."
    late = data.replace("cv:w:", "cv:l:")
    assert await press_forged(bo, ask.message_id, late) == STALE
    assert await press_forged(anna, ask.message_id, "cv:x:1") == STALE
    anna.read_all()
    await anna.press(ask, "Ikke holdt endnu")
    assert "mandag den 8. marts" in (await anna.expect_text("Jeg spørger dig igen")).text
    await anna.press_data(ask.message_id, late)  # a double tap: the same answer again
    assert "mandag den 8. marts" in (await anna.expect_text("Jeg spørger dig igen")).text

    await p.run_to(_local(8, 14))
    await _delivered(anna, "Hvordan gik din forventningssamtale", 2)
    asks = [m for m in anna.messages if "Hvordan gik din" in m.text]
    assert len(asks) == 2
    anna.read_all()
    await anna.press(asks[1], "✍️ Skriv planen")
    await anna.expect_text("Skriv planen fra din forventningssamtale (torsdag den 4. marts)")
    await anna.press(asks[1], "✍️ Skriv planen")  # a double tap asks once more, nothing else
    await anna.expect_text("Skriv planen fra din")
    await anna.send("Jeg skal tale med patienten 010190-1234 om medicin")
    await anna.expect_text("ser ud til at indeholde et CPR-nummer")
    await anna.send(f"Jeg øver medicinrunder hver dag. {SECRET}.")
    saved = await anna.expect_text("Planen fra din forventningssamtale er gemt i din logbog")
    await anna.press(saved, "📖 Logbog")
    page = await anna.wait_edit(saved)
    assert "Jeg øver medicinrunder" in page.text
    await anna.press(page, "Jeg øver medicinrunder")
    entry = await anna.wait_edit(page)
    assert "Planen fra din forventningssamtale (torsdag den 4. marts)" in entry.text
    await anna.send("/samtaler")
    own = await anna.expect_text("Dine praktiksamtaler")
    assert "forventningssamtale (✅ plan i din logbog)" in own.text
    assert own.button_texts() == ["✏️ Skriv planen om: forventningssamtale"]
    assert all(SECRET not in m.text for m in vera.messages)


async def test_weekly_digest_once_and_without_private_text(
    fake_api: FakeBotApi, bot_settings: Settings, clock: ManualClock
) -> None:
    clock.set(datetime(2027, 2, 26, 10, 0, tzinfo=ZONE).astimezone(UTC))
    p = Placement(fake_api, bot_settings, clock)
    await p.start()
    try:
        await _digest(p)
    finally:
        await stop_bot(p.bot)


async def _digest(p: Placement) -> None:
    await p.setup()
    anna, vera = p.users["anna"], p.users["vera"]
    await p.tick()
    # The first digest comes on Monday 1 March at 08:00, the week the placement starts.
    await p.run_to(_local(1, 8))
    first = await vera.expect_text("Your week as a supervisor, week 9")
    assert "Your students:</b> Anna and Bo" in first.source
    assert "No feedback requests are waiting for you." in first.text
    assert "Thursday 4 March: expectation conversation with Anna" in first.text

    # During the week: Anna shares a reflection and records a plan; Bo asks for feedback.
    p.clock.set(_local(3, 16))
    reflections = p.bot.services.reflections
    await reflections.start(anna.id)
    while not isinstance(await reflections.answer(anna.id, f"{SECRET}."), Finished):
        pass
    logbook = p.bot.services.logbook
    [written] = (await logbook.page(anna.id, 0)).entries
    await logbook.share(anna.id, written.id, True)
    await _delivered(vera, "Anna has shared")
    p.clock.set(_local(5, 15))
    conversations = p.bot.services.conversations
    [talk, *_] = (await conversations.overview(anna.id)).own
    await conversations.ask_plan(anna.id, talk.id)
    await conversations.save_plan(anna.id, talk.id, f"Min plan: {SECRET}")
    async with p.bot.engine.begin() as conn:
        await conn.execute(
            insert(FeedbackRequestRow).values(
                student_id=await p.person_id("bo"),
                cohort_id=p.cohort.id,
                supervisor_id=await p.person_id("vera"),
                status="open",
                situation=SECRET,
                went_well=SECRET,
                improve=SECRET,
                created_at=_local(5, 9),
                sent_at=_local(5, 9),
            )
        )

    await p.run_to(_local(8, 7, 45))
    assert len(await p.queued("vera", "digest")) == 1
    p.clock.set(_local(8, 8))
    await p.tick(overlapping=True)
    await p.restart()
    await p.tick()
    p.clock.set(_local(8, 9))
    await p.tick(overlapping=True)
    digests = await p.queued("vera", "digest")
    assert [at for at, _text in digests] == [datetime(2027, 3, 1, 8), datetime(2027, 3, 8, 8)]
    second = await vera.expect_text("Your week as a supervisor, week 10")
    text = second.text
    assert "Your students: Anna and Bo" in text
    assert "Feedback requests waiting for you: 1" in text
    assert "• Bo, waiting 3 days" in text
    assert "Tuesday 16 March: midway evaluation with Anna" in text
    assert "Tuesday 16 March: midway evaluation with Bo" in text
    assert "• Anna: 1 entry" in text
    assert "/delt" in text
    for message in vera.messages:
        assert SECRET not in message.text
        assert "Min plan" not in message.text
    async with p.bot.engine.connect() as conn:
        weeks = await conn.scalar(select(func.count()).select_from(DigestRow))
    assert weeks == 2
    await asyncio.sleep(0.6)  # give the dispatcher time to send a duplicate, were there one
    assert len([m for m in vera.messages if "Your week as a supervisor" in m.text]) == 2
