"""Issue #6 points 6 and 7 over real HTTP: a coordinator switches the anonymous weekly pulse
on from /status; the `feedback` job (driven by the test clock) asks every student on
Thursday at 12:00 local time, out of their quiet hours, in their language; the answers
count once each; the coordinator sees "fewer than 5" until five have answered, then the
mean and the distribution, beside the feedback-request and conversation figures."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.scheduler.jobs import FEEDBACK_JOB
from bot.services.identity.domain import Role
from bot.storage.delivery.models import OutboxRow
from bot.storage.identity.models import AuditRow
from bot.storage.pulse.models import PulseBallotRow, PulseTallyRow
from tests.e2e.conftest import World
from tests.e2e.flows import enrol
from tests.e2e.pulse_seed import EXPECTED_LINES, seed_feedback_and_conversations
from tests.fakebotapi import BotMessage, FakeBotApi, SimUser
from tests.support import ManualClock, eventually

ZONE = ZoneInfo("Europe/Copenhagen")
THURSDAY = datetime(2027, 3, 11, tzinfo=ZONE)
QUESTION_DA = "Hvor tryg føler du dig ved at stille spørgsmål og lære i dit afsnit denne uge?"
QUESTION_EN = "How safe do you feel asking questions and learning in your unit this week?"
INVALID = "Den knap er ikke længere gyldig"
REFUSAL = "kun for koordinatorer"
WEEK = "20270308"


class Pulse:
    """The running bot, its people and what the pulse tick queued when."""

    def __init__(self, fake_api: FakeBotApi, world: World, clock: ManualClock) -> None:
        self.fake_api, self.world, self.clock = fake_api, world, clock
        self.runtime = world.runtime
        names = ["ida", "emma", "nat", "sofie", "ali", "mads", "lea"]
        self.students = {
            n: fake_api.user(6801 + i, first_name=n.title()) for i, n in enumerate(names)
        }
        self.karin = fake_api.user(6820, first_name="Karin")
        self.vera = fake_api.user(6821, first_name="Vera")
        # Each pulse message (by dedupe key): its chat, when the tick queued it, not before.
        self.queued: dict[str, tuple[int, datetime, datetime]] = {}

    async def enrol_everyone(self) -> None:
        await enrol(self.karin, self.world.codes[Role.COORDINATOR])
        await enrol(self.vera, self.world.codes[Role.SUPERVISOR])
        for name, user in self.students.items():
            await enrol(user, self.world.codes[Role.STUDENT], "en" if name == "emma" else "da")
        # Nat works nights and sleeps from 08:00 to 16:00.
        await self.runtime.services.schedules.change(
            self.students["nat"].id, quiet_start=8 * 60, quiet_end=16 * 60
        )

    async def tick(self) -> None:
        """Run the `feedback` job as the job queue would, and note what the pulse queued."""
        assert self.runtime.application.job_queue is not None
        [job] = self.runtime.application.job_queue.get_jobs_by_name(FEEDBACK_JOB)
        await job.run(self.runtime.application)
        columns = (OutboxRow.dedupe_key, OutboxRow.chat_id, OutboxRow.not_before)
        stmt = select(*columns).where(OutboxRow.origin == "pulse")
        async with self.runtime.engine.connect() as conn:
            for key, chat, not_before in (await conn.execute(stmt)).all():
                self.queued.setdefault(key, (chat, self.clock.now(), not_before))

    def asked(self) -> dict[int, tuple[datetime, datetime]]:
        """Return {chat: (queued at, not before)} of the pulse messages."""
        return {chat: (at, not_before) for chat, at, not_before in self.queued.values()}

    async def run_until(self, until: datetime) -> None:
        """Step the clock a quarter of an hour at a time, ticking at each step."""
        while self.clock.now() < until:
            self.clock.advance(minutes=15)
            await self.tick()

    async def status(self) -> str:
        await self.karin.send("/status")
        return (await self.karin.expect_text("Status for Sygeplejersker F27")).text

    async def scores(self) -> int:
        """Scores stored, waiting in the ballot box or counted."""
        waiting, counted = await self.stored()
        return waiting + counted

    async def stored(self) -> tuple[int, int]:
        """(ballots waiting, answers counted into the tallies)."""
        async with self.runtime.engine.connect() as conn:
            waiting = await conn.scalar(select(func.count()).select_from(PulseBallotRow))
            counted = await conn.scalar(select(func.sum(PulseTallyRow.answers)))
        return int(waiting or 0), int(counted or 0)


async def _toasts(user: SimUser, press: Awaitable[object], count: int = 1) -> list[str]:
    """Press (a button, or forged data) and return the texts of the next `count` answers to
    the user's callback queries (the pop-up notes)."""
    start = len(user.callback_answers)
    await press

    async def answered() -> bool:
        return len(user.callback_answers) >= start + count

    await eventually(answered)
    return [a.get("text", "") for a in user.callback_answers[start : start + count]]


async def _toast(user: SimUser, press: Awaitable[object]) -> str:
    return (await _toasts(user, press))[0]


def _questions(user: SimUser) -> list[BotMessage]:
    return [m for m in user.messages if f"pu:{WEEK}:" in str(m.params.get("reply_markup", ""))]


async def _question(user: SimUser) -> BotMessage:
    async def arrived() -> bool:
        return bool(_questions(user))

    await eventually(arrived)
    return _questions(user)[0]


async def _answer(user: SimUser, score: int) -> str:
    """Press a score on the user's question; return the text the message was edited to."""
    question = await _question(user)
    await user.press(question, str(score))
    return (await user.wait_edit(question)).text


async def test_a_week_of_the_pulse(fake_api: FakeBotApi, world: World, clock: ManualClock) -> None:
    clock.set(datetime(2027, 3, 8, 9, 0, tzinfo=ZONE).astimezone(UTC))
    pulse = Pulse(fake_api, world, clock)
    await pulse.enrol_everyone()
    await _switch_on(pulse)
    await _refusals(pulse)
    await _ask_on_thursday(pulse)
    await _answers(pulse)
    await _late_and_forged(pulse)
    transcript = await pulse.status()
    assert "Uge fra 15-03-2027: færre end 5 svar" in transcript
    assert "Uge fra 08-03-2027: 5 svar, gennemsnit 3,6" in transcript
    for line in EXPECTED_LINES:
        assert line in transcript
    print("\n--- /status, Monday 15 March 2027 ---\n" + transcript)


async def _switch_on(pulse: Pulse) -> None:
    """The coordinator sees the pulse off, switches it on from /status; it is audited."""
    karin = pulse.karin
    await karin.send("/status")
    status = await karin.expect_text("Status for Sygeplejersker F27")
    assert "Den ugentlige tryghedsmåling er slået fra" in status.text
    assert "slået til" in await _toast(
        karin, karin.press(status, "Slå den ugentlige tryghedsmåling til")
    )
    edited = (await karin.wait_edit(status)).text
    assert "Ugentlig tryghedsmåling: psykologisk tryghed" in edited
    assert "Uge fra 08-03-2027: færre end 5 svar" in edited
    assert "Slå den ugentlige tryghedsmåling fra" in status.button_texts()
    profile = await pulse.runtime.services.access.profile(karin.id)
    assert profile is not None
    async with pulse.runtime.engine.connect() as conn:
        audit = (await conn.execute(select(AuditRow.actor, AuditRow.action))).all()
    assert (f"person:{profile.person.id}", "cohort.pulse_on") in audit


async def _refusals(pulse: Pulse) -> None:
    """Students and supervisors get no /status and cannot switch the pulse."""
    ida, cohort = pulse.students["ida"], pulse.world.cohort.id
    for user in (ida, pulse.vera):
        await user.send("/status")
        await user.expect_text(REFUSAL)
        assert REFUSAL in await _toast(user, user.press_data(1, f"pt:{cohort}:0"))
    assert INVALID in await _toast(ida, ida.press_data(1, "pt:x:1"))
    assert "færre end 5 svar" in await pulse.status()  # still on


async def _ask_on_thursday(pulse: Pulse) -> None:
    """Thursday 12:00 local: every student is asked once; the night worker at 16:00."""
    clock = pulse.clock
    clock.set((THURSDAY + timedelta(hours=10)).astimezone(UTC))
    await pulse.tick()
    await pulse.run_until((THURSDAY + timedelta(hours=12)).astimezone(UTC))
    noon = (THURSDAY + timedelta(hours=12)).astimezone(UTC)
    students = pulse.students
    asked = pulse.asked()
    assert set(asked) == {u.id for u in students.values()}  # no coordinator, no supervisor
    assert {at for at, _nb in asked.values()} == {noon}
    wake = (THURSDAY + timedelta(hours=16)).astimezone(UTC)
    for name, user in students.items():
        assert asked[user.id][1] == (wake if name == "nat" else noon), name
    ida, emma = await _question(students["ida"]), await _question(students["emma"])
    assert QUESTION_DA in ida.text
    assert "anonymt" in ida.text
    assert [b["text"] for b in ida.buttons()] == ["1", "2", "3", "4", "5"]
    assert QUESTION_EN in emma.text
    assert "anonymous" in emma.text
    await asyncio.sleep(0.3)
    assert not _questions(students["nat"])  # asleep
    await pulse.run_until(wake)
    await _question(students["nat"])
    await pulse.run_until(wake + timedelta(hours=1))
    assert len(pulse.queued) == 7


async def _answers(pulse: Pulse) -> None:
    """A double tap counts once; four answers are withheld, the fifth shows the figures."""
    s = pulse.students
    ida = s["ida"]
    question = await _question(ida)

    async def double_tap() -> None:
        await ida.press(question, "4")
        await ida.press_data(question.message_id, f"pu:{WEEK}:4")

    assert await _toasts(ida, double_tap(), 2) == [
        "Tak. Dit svar er talt med, uden dit navn.",
        "Tak, dit svar er allerede talt med.",
    ]
    assert "Tak. Dit svar er talt med" in (await ida.wait_edit(question)).text
    assert "Thank you. Your answer is counted" in await _answer(s["emma"], 5)
    for name, score in (("nat", 3), ("sofie", 4)):
        await _answer(s[name], score)
    assert await pulse.stored() == (4, 0)  # waiting in the ballot box, counted by no one
    assert "Uge fra 08-03-2027: færre end 5 svar" in await pulse.status()
    await _answer(s["ali"], 2)
    assert await pulse.stored() == (0, 5)  # counted together, in a transaction of their own
    text = await pulse.status()
    assert "Uge fra 08-03-2027: 5 svar, gennemsnit 3,6" in text
    assert "Svar pr. point: 1: 0 · 2: 1 · 3: 1 · 4: 2 · 5: 1" in text
    for name in ("Ida", "Emma", "Nat", "Sofie", "Ali"):
        assert name not in text


async def _late_and_forged(pulse: Pulse) -> None:
    """After the week, last week's question is refused kindly; forged buttons are refused."""
    await seed_feedback_and_conversations(pulse.runtime, pulse.world.cohort.id, pulse.students)
    pulse.clock.set(datetime(2027, 3, 15, 8, 0, tzinfo=ZONE).astimezone(UTC))
    s = pulse.students
    assert "lukket" in await _answer(s["mads"], 3)
    ida = s["ida"]
    for data in (f"pu:{WEEK}:7", "pu:20270301:3", "pu:2027x308:3", f"pu:{WEEK}", "pu:0:0:0"):
        assert INVALID in await _toast(ida, ida.press_data(1, data)), data
    vera = pulse.vera
    assert INVALID in await _toast(vera, vera.press_data(1, f"pu:{WEEK}:3"))  # never asked
    assert await pulse.scores() == 5
    await pulse.tick()  # Monday: no question yet this week
    assert len(pulse.queued) == 7
